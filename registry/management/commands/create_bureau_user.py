"""Bootstrap a bureau account on a new installation (the first one cannot be made in the portal)."""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import District, OrganisationType
from registry.models import Membership, Organisation
from registry.validators import validate_uscc

BUREAU_NAME_ZH = "上海市生态环境局"


class Command(BaseCommand):
    help = "Create a bureau staff (or approver) account; it must set up TOTP at first sign-in."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--approver", action="store_true", help="bureau approver (second pair of eyes)")
        parser.add_argument("--admin", action="store_true", help="may use the Django admin")
        parser.add_argument("--bureau-uscc", default="", help="credit code of the bureau, if not yet registered")

    @transaction.atomic
    def handle(self, *args, email, name, approver, admin, bureau_uscc, **options):
        bureau = Organisation.objects.filter(org_type=OrganisationType.BUREAU).first()
        if bureau is None:
            if not bureau_uscc:
                raise CommandError("No bureau is registered yet: give --bureau-uscc")
            validate_uscc(bureau_uscc)
            # The first organisation: there is no bureau actor yet to call organisation_create.
            bureau = Organisation.objects.create(
                uscc=bureau_uscc,
                name_zh=BUREAU_NAME_ZH,
                name_en="Shanghai Municipal Bureau of Ecology and Environment",
                org_type=OrganisationType.BUREAU,
                district=District.HUANGPU,
            )
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"{email} already has an account")
        password = getpass.getpass("Password: ")
        if len(password) < 10 or password != getpass.getpass("Again: "):
            raise CommandError("Passwords must match and have at least 10 characters")
        user = User.objects.create_user(email, password, full_name=name, is_staff=admin, is_superuser=admin)
        role = Role.BUREAU_APPROVER if approver else Role.BUREAU_STAFF
        Membership.objects.create(user=user, organisation=bureau, role=role)
        self.stdout.write(self.style.SUCCESS(f"{email} created as {role.label}; TOTP is set up at first sign-in."))
