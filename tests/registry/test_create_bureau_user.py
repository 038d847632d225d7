import pytest
from django.core.management import CommandError, call_command

from carbon_portal.models import User
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def test_first_bureau_user_is_created_with_the_bureau(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-password-1")
    call_command("create_bureau_user", email="chief@sthj.sh.gov.cn", approver=True, bureau_uscc=make_uscc(7))
    user = User.objects.get(email="chief@sthj.sh.gov.cn")
    assert user.memberships.get().role == "bureau_approver"


def test_bureau_user_needs_a_valid_bureau_code(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-password-1")
    with pytest.raises(CommandError):
        call_command("create_bureau_user", email="chief@sthj.sh.gov.cn")
