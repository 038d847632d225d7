"""Roles a user holds through membership of an organisation (registry.Membership)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    UNIT_STAFF = "unit_staff", _("Unit staff")
    AGENCY_STAFF = "agency_staff", _("Technical service agency staff")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    BUREAU_APPROVER = "bureau_approver", _("Bureau approver")
    IMPLEMENTING_ENTITY = "implementing_entity", _("Implementing entity")
    INDIVIDUAL = "individual", _("Individual")
    MERCHANT = "merchant", _("Merchant")
    EXCHANGE_STAFF = "exchange_staff", _("Exchange staff")


BUREAU_ROLES = frozenset({Role.BUREAU_STAFF, Role.BUREAU_APPROVER})
# Roles whose holders act for an organisation; an individual acts for nobody but themself.
ORGANISATION_ROLES = frozenset(set(Role) - {Role.INDIVIDUAL})
