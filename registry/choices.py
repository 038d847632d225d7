from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    HUANGPU = "huangpu", _("Huangpu")
    XUHUI = "xuhui", _("Xuhui")
    CHANGNING = "changning", _("Changning")
    JINGAN = "jingan", _("Jing'an")
    PUTUO = "putuo", _("Putuo")
    HONGKOU = "hongkou", _("Hongkou")
    YANGPU = "yangpu", _("Yangpu")
    MINHANG = "minhang", _("Minhang")
    BAOSHAN = "baoshan", _("Baoshan")
    JIADING = "jiading", _("Jiading")
    PUDONG = "pudong", _("Pudong New Area")
    JINSHAN = "jinshan", _("Jinshan")
    SONGJIANG = "songjiang", _("Songjiang")
    QINGPU = "qingpu", _("Qingpu")
    FENGXIAN = "fengxian", _("Fengxian")
    CHONGMING = "chongming", _("Chongming")


class OrganisationType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    AGENCY = "agency", _("Technical service agency")
    BUREAU = "bureau", _("Government department")
    EXCHANGE = "exchange", _("Exchange or registry")
    OTHER = "other", _("Other organisation")


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another unit")
    CLOSED = "closed", _("Shut down")
    RELOCATED = "relocated", _("Relocated out of Shanghai")


class EventKind(models.TextChoices):
    MERGER = "merger", _("Merger")
    SPLIT = "split", _("Split")
    SHUTDOWN = "shutdown", _("Shutdown")
    RELOCATION = "relocation", _("Relocation out of Shanghai")


class EmissionSource(models.TextChoices):
    """How trustworthy an emissions figure on record is; a determination outranks the rest."""

    HISTORICAL = "historical", _("Historical statistics")
    REPORTED = "reported", _("Reported by the unit")
    DETERMINED = "determined", _("Determined by the bureau")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    PUBLISHED = "published", _("Published")


class EntryCategory(models.TextChoices):
    REGULATED = "regulated", _("Regulated unit")
    REPORTING = "reporting", _("Reporting unit")


class EntryOrigin(models.TextChoices):
    CRITERIA = "criteria", _("Meets the criteria")
    MANUAL = "manual", _("Added by the bureau")
