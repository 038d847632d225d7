from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as uscc_std
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def normalise_uscc(value: str) -> str:
    return uscc_std.compact(value or "")


def validate_uscc(value: str) -> None:
    """GB 32100-2015: 18 characters from the code's alphabet, the last a check character."""
    try:
        uscc_std.validate(value)
    except InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; %(value)s has %(n)s."),
            code="uscc_length",
            params={"value": value, "n": len(value or "")},
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check character of %(value)s is wrong: please check the code on the business licence."),
            code="uscc_checksum",
            params={"value": value},
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("%(value)s is not a unified social credit code (digits and capitals, no I, O, Z, S or V)."),
            code="uscc_format",
            params={"value": value},
        ) from None
