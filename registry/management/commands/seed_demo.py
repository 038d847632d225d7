"""`manage.py seed_demo`: a Shanghai-like demo population, its lists, and the logins to try."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from registry import demo


class Command(BaseCommand):
    help = "Seed deterministic demo data (organisations, emissions, users, lists) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=240, help="regulated-candidate organisations (default 240)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same data")

    def handle(self, *args, units: int, seed: int, **options):
        minimum = demo.minimum_units()
        if units < minimum:
            raise CommandError(f"--units must be at least {minimum} (one per industry and district)")
        started = time.monotonic()
        self.stdout.write(f"Seeding demo data: {units} units, seed {seed} ...")
        # The demo files hundreds of reports and plans; their receipts would flood the console.
        # Only while seeding: the setting must not outlive the command (tests call it in-process).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            logins = demo.seed_demo(units=units, seed=seed, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s."))
        self._print_logins(logins)

    def _print_logins(self, logins: list[dict]) -> None:
        w = self.stdout.write
        w("")
        w(f"Demo logins (password for every user: {demo.DEMO_PASSWORD})")
        w("  sign in at /accounts/login/ ; the Django admin is at /admin/ (admin@ only)")
        w("")
        w(f"  {'email':<44} {'role':<38} {'MFA':<5} organisation")
        for row in logins:
            w(f"  {row['email']:<44} {row['role']:<38} {row['mfa']:<5} {row['organisation']}")
        w("")
        w(f"Bureau users sign in with a TOTP code (authenticator secret {demo.TOTP_SECRET}).")
        w("Current code:")
        w(f"  {demo.TOTP_COMMAND}")
