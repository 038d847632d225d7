import pytest
from django.core.exceptions import ValidationError

from registry.validators import validate_uscc
from tests.factories import make_uscc


def test_valid_credit_code_passes():
    validate_uscc("91310000MA1FL8LQ34")


def test_credit_code_with_wrong_check_character_is_refused():
    good = make_uscc(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_uscc(bad)
    assert exc.value.error_list[0].code == "uscc_checksum"


def test_credit_code_of_wrong_length_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91310000MA1FL8LQ3")
    assert exc.value.error_list[0].code == "uscc_length"


@pytest.mark.parametrize("code", ["91310000MA1FL8LQ3I", "9131000OMA1FL8LQ34", "91310000ma1fl8lq3!"])
def test_credit_code_with_forbidden_characters_is_refused(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_check_character_message_is_translated_to_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            validate_uscc(make_uscc(2)[:-1] + "Y" if make_uscc(2)[-1] != "Y" else make_uscc(2)[:-1] + "X")
        message = exc.value.messages[0]  # a lazy message: read it while Chinese is active
    assert "校验" in message
