"""Login: email + password, TOTP for bureau roles, throttling that cannot lock a filer out."""

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from carbon_portal.roles import Role
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _login(client, email, password=PASSWORD, ip="10.1.1.1"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_unit_staff_sign_in_with_email_and_password(client, carol):
    response = _login(client, carol.email)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_bureau_user_must_give_a_totp_code_after_the_password(client, alice):
    response = _login(client, alice.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard")).status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_bureau_user_with_a_wrong_totp_code_stays_signed_out(client, alice):
    _login(client, alice.email)
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_code_of_the_period_just_ended_is_still_accepted(client, alice):
    """Typed as its period ends, or on a phone a few seconds off: one step of tolerance."""
    import time

    _login(client, alice.email)
    previous = pyotp.TOTP(TOTP_SECRET).at(time.time() - 30)
    client.post(reverse("mfa_authenticate"), {"code": previous})
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_code_two_periods_old_is_refused(client, alice):
    import time

    _login(client, alice.email)
    old = pyotp.TOTP(TOTP_SECRET).at(time.time() - 90)
    if old in {pyotp.TOTP(TOTP_SECRET).at(time.time() + d) for d in (-30, 0, 30)}:
        pytest.skip("the old code happens to equal a current one")
    client.post(reverse("mfa_authenticate"), {"code": old})
    assert client.get(reverse("dashboard")).status_code == 302


def test_bureau_user_without_totp_is_sent_to_set_it_up(client, bureau_org):
    user = UserFactory(email="new@sthj.sh.gov.cn")
    MembershipFactory(user=user, organisation=bureau_org, role=Role.BUREAU_STAFF)
    client.force_login(user)
    response = client.get(reverse("registry:list_admin"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))


def test_repeated_failures_from_one_address_do_not_lock_the_user_out_elsewhere(client, carol):
    for _ in range(6):
        _login(client, carol.email, password="wrong-password", ip="203.0.113.9")
    blocked = _login(client, carol.email, ip="203.0.113.9")
    assert blocked.status_code == 200  # refused: too many attempts from this address
    client.logout()
    assert _login(client, carol.email, ip="198.51.100.7").status_code == 302


def test_self_signup_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200 and b'name="password1"' not in response.content


def test_django_admin_is_for_bureau_superusers_only(client, carol, alice):
    carol.is_staff = carol.is_superuser = True
    carol.save()
    client.force_login(carol)
    assert client.get("/admin/").status_code == 302
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_the_portal_login_with_mfa(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_totp_authenticator_is_stored_for_bureau_fixture(alice):
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()


def test_signed_in_user_without_admin_rights_is_refused_not_looped(client, bob):
    client.force_login(bob)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403 and len(response.redirect_chain) == 1
