"""Writing a plan: the bureau and the cast of users, every organisation through the registry's
services (each act audited, as in production), then the annual lists the way the bureau makes
them: alice compiles and submits, bob approves and publishes.
"""

import functools
import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.db import transaction

from carbon_portal import audit
from carbon_portal import demo as demo_steps
from carbon_portal.models import BackgroundJob, User
from carbon_portal.roles import Role

from .. import services
from ..choices import District, EmissionSource, ListStatus, OrganisationType
from ..models import Contact, EmissionRecord, Facility, Industry, Membership, Organisation, RegulatedList
from ..selectors import list_counts
from ..validators import validate_uscc
from .plan import YEARS, OrgPlan, Plan, build_plan
from .words import org_code, with_check

DEMO_PASSWORD = "carbon-demo-2026"  # noqa: S105 - printed for everyone trying the demo
# A fixed, published secret so anyone trying the demo can sign in as bureau staff. Demo only.
TOTP_SECRET = "SHCARBONDEMOTOTPSECRETFORBUREAUX"  # noqa: S105
TOTP_COMMAND = f".venv/bin/python -c \"import pyotp;print(pyotp.TOTP('{TOTP_SECRET}').now())\""
BUREAU_DOMAIN = "sthj.sh.gov.cn"
BUREAU_USCC = with_check("11" + "310000" + org_code("00248722"))  # 11: a government organ
ALICE, BOB, ADMIN = (f"{n}@{BUREAU_DOMAIN}" for n in ("alice", "bob", "admin"))
# ivy, the exchange's staff, is written by trading/demo_exchange.py.
CAST = ("alice", "bob", "admin", "carol", "dave", "erin", "frank", "grace", "henry", "ivy")
# From this many units the plan is written in bulk (see _write_units_in_bulk).
BULK_FROM = 1000


def seed_demo(*, units: int = 240, seed: int = 2026, log: Callable[[str], None] = print) -> list[dict]:
    """Writes the demo population once (a second run keeps it), then brings the lists to their
    demo state. Returns the logins to print."""
    if User.objects.filter(email=ALICE).exists():
        log("Demo organisations and users are already there: leaving them as they are.")
    else:
        plan = build_plan(units=units, seed=seed)
        # One transaction: either the whole population is there (alice marks it) or none of it.
        with transaction.atomic():
            _write_population(plan, log)
    _lists(log)
    demo_steps.run_steps(log=log)
    return demo_logins()


def demo_logins() -> list[dict]:
    """The cast's logins as they are in the database (a rerun may follow another seed)."""
    users = User.objects.filter(email__regex=r"^(" + "|".join(CAST) + ")@").prefetch_related(
        "memberships__organisation"
    )
    with_totp = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user_id", flat=True))
    in_cast_order = sorted(users, key=lambda u: CAST.index(u.email.split("@")[0]))
    return [_login(user, has_totp=user.pk in with_totp) for user in in_cast_order]


def _login(user: User, *, has_totp: bool) -> dict:
    membership = next(iter(user.memberships.all()), None)
    role = str(Role(membership.role).label) if membership else "-"
    org = membership.organisation if membership else None
    return {
        "email": user.email,
        "role": role + (" + Django admin" if user.is_superuser else ""),
        "organisation": org.name_zh if org else "-",
        "mfa": "TOTP" if has_totp else "-",
    }


# ---- Users ----------------------------------------------------------------------------------


@functools.cache
def _password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # once: hashing per user costs ~0.3 s each


def _user(email: str, full_name: str, *, totp: bool = False, superuser: bool = False) -> User:
    user = User.objects.create(
        email=email, full_name=full_name, password=_password_hash(), is_staff=superuser, is_superuser=superuser
    )
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def _staff(email: str, name: str, role: str, org: Organisation | None, actor: User) -> User:
    user = _user(email, name)
    services.membership_grant(actor=actor, user=user, role=role, organisation=org)
    return user


def _bootstrap_bureau() -> tuple[Organisation, User]:
    """The first bureau organisation and user, written directly: every registry service needs
    a bureau actor, and before these two rows exist there is none (as with createsuperuser)."""
    bureau = Organisation.objects.filter(uscc=BUREAU_USCC).first()
    if bureau is None:
        bureau = Organisation(
            uscc=BUREAU_USCC,
            name_zh="上海市生态环境局",
            name_en="Shanghai Municipal Bureau of Ecology and Environment",
            org_type=OrganisationType.BUREAU,
            district=District.HUANGPU,
            address="上海市黄浦区大沽路100号",
        )
        bureau.full_clean()
        bureau.save()
    alice = _user(ALICE, "Alice Wang 王丽", totp=True)
    membership = Membership(user=alice, organisation=bureau, role=Role.BUREAU_STAFF)
    membership.full_clean()
    membership.save()
    return bureau, alice


def _write_bureau_users() -> tuple[Organisation, User]:
    """alice (bootstrapped), bob the approver and the portal admin, all with TOTP."""
    bureau, alice = _bootstrap_bureau()
    bob = _user(BOB, "Bob Li 李强", totp=True)
    services.membership_grant(actor=alice, user=bob, role=Role.BUREAU_APPROVER, organisation=bureau)
    admin = _user(ADMIN, "Portal administrator 系统管理员", totp=True, superuser=True)
    services.membership_grant(actor=alice, user=admin, role=Role.BUREAU_STAFF, organisation=bureau)
    return bureau, alice


def _write_cast(plan: Plan, orgs: dict[str, Organisation], alice: User) -> None:
    """A verifier for every agency (and dave at the first), then the cast of named users."""
    for i, agency in enumerate(plan.agencies):
        _staff(f"verifier@{agency.domain}", agency.contact.name, Role.AGENCY_STAFF, orgs[agency.uscc], alice)
        if i == 0:
            _staff(f"dave@{agency.domain}", "Dave Chen 陈杰", Role.AGENCY_STAFF, orgs[agency.uscc], alice)
    cast = [
        ("carol", plan.carol_unit, "Carol Zhang 张敏", Role.UNIT_STAFF),
        ("erin", plan.erin_unit, "Erin Zhou 周艳", Role.UNIT_STAFF),
        ("frank", plan.implementing_entity, "Frank Xu 徐明", Role.IMPLEMENTING_ENTITY),
        ("henry", plan.merchant, "Henry Zhao 赵磊", Role.MERCHANT),
    ]
    for name, p, full_name, role in cast:
        _staff(f"{name}@{p.domain}", full_name, role, orgs[p.uscc], alice)
    _staff("grace@mail.example.cn", "Grace Lin 林芳", Role.INDIVIDUAL, None, alice)


# ---- Organisations --------------------------------------------------------------------------


def _write_population(plan: Plan, log: Callable[[str], None]) -> None:
    bureau, alice = _write_bureau_users()
    industries = {i.code: i for i in Industry.objects.all()}
    started = time.monotonic()
    if len(plan.units) >= BULK_FROM:
        _write_units_in_bulk(plan.units, alice, bureau, industries)
    else:
        for p in plan.units:
            _write_org(p, alice, industries)
    log(f"  {len(plan.units)} units written in {time.monotonic() - started:.1f} s")
    orgs = {p.uscc: _write_org(p, alice, industries) for p in [*plan.agencies, plan.implementing_entity, plan.merchant]}
    orgs |= {u.uscc: u for u in Organisation.objects.filter(uscc__in=[plan.carol_unit.uscc, plan.erin_unit.uscc])}
    _write_cast(plan, orgs, alice)


def _source(size: str, year: int) -> str:
    if size == "small":
        return EmissionSource.HISTORICAL
    if year == YEARS[-1] or size == "reporting":
        return EmissionSource.REPORTED  # the latest year is reported, not yet determined
    return EmissionSource.DETERMINED


def _org_fields(p: OrgPlan, industries: dict[str, Industry]) -> dict:
    return {
        "uscc": p.uscc,
        "name_zh": p.name_zh,
        "name_en": p.name_en,
        "org_type": p.org_type,
        "industry": industries.get(p.industry_code),
        "district": p.district,
        "address": p.address,
    }


def _write_org(p: OrgPlan, actor: User, industries: dict[str, Industry]) -> Organisation:
    org = services.organisation_create(actor=actor, **_org_fields(p, industries))
    for f in p.facilities:
        services.facility_create(
            actor=actor, organisation=org, code=f.code, name_zh=f.name_zh, name_en=f.name_en,
            district=f.district, address=f.address,
        )  # fmt: skip
    c = p.contact
    services.contact_create(
        actor=actor, organisation=org, name=c.name, position=c.position, phone=c.phone, email=c.email, is_primary=True
    )
    for year, tonnes in p.emissions:
        services.emission_record_set(
            actor=actor, organisation=org, year=year, emissions_tco2e=tonnes, source=_source(p.size, year)
        )
    return org


def _write_units_in_bulk(units: list[OrgPlan], actor: User, bureau: Organisation, industries) -> None:
    """The benchmark sizes only. Each service call checks permission, runs full_clean and writes
    an audit entry: some 30 queries per unit, many minutes for --units 10000. The plan is valid by
    construction (codes are still checked here), so it goes in with bulk_create and one audit
    entry that records the whole load."""
    for p in units:
        validate_uscc(p.uscc)
    Organisation.objects.bulk_create([Organisation(**_org_fields(p, industries)) for p in units], batch_size=500)
    ids = dict(Organisation.objects.values_list("uscc", "id"))
    Facility.objects.bulk_create(
        [
            Facility(organisation_id=ids[p.uscc], code=f.code, name_zh=f.name_zh, name_en=f.name_en,
                     district=f.district, address=f.address)
            for p in units for f in p.facilities
        ],
        batch_size=1000,
    )  # fmt: skip
    Contact.objects.bulk_create(
        [
            Contact(organisation_id=ids[p.uscc], name=p.contact.name, position=p.contact.position,
                    phone=p.contact.phone, email=p.contact.email, is_primary=True)
            for p in units
        ],
        batch_size=1000,
    )  # fmt: skip
    EmissionRecord.objects.bulk_create(
        [
            EmissionRecord(organisation_id=ids[p.uscc], year=y, emissions_tco2e=t, source=_source(p.size, y))
            for p in units for y, t in p.emissions
        ],
        batch_size=1000,
    )  # fmt: skip
    audit.record(actor=actor, verb="demo.bulk_load", target=bureau, data={"organisations": len(units)})


# ---- Lists ----------------------------------------------------------------------------------


def _lists(log: Callable[[str], None]) -> None:
    """Art. 9: the 2025 and 2026 lists published through four eyes (so units have live 2026
    deadlines), and the 2027 list left as alice's draft for the bureau to finish."""
    alice, bob = User.objects.get(email=ALICE), User.objects.get(email=BOB)
    lists = [
        _published(alice, bob, 2025, basis_from_year=2023, basis_to_year=2024),
        _published(alice, bob, 2026, basis_from_year=2024, basis_to_year=2025),
        _compiled(alice, 2027, basis_from_year=2024, basis_to_year=2025),
    ]
    for each in lists:
        counts = list_counts(each)
        log(
            f"  {each.year} list ({each.get_status_display()}): {counts['regulated']} regulated units, "
            f"{counts['reporting']} reporting units"
        )


def _published(alice: User, bob: User, year: int, **basis) -> RegulatedList:
    rl = _compiled(alice, year, **basis)
    if rl.status == ListStatus.DRAFT:
        rl = services.regulated_list_submit(actor=alice, regulated_list=rl)
    if rl.status == ListStatus.PENDING_APPROVAL:
        rl = services.regulated_list_approve(actor=bob, regulated_list=rl)
    return rl


def _compiled(alice: User, year: int, **basis) -> RegulatedList:
    rl = RegulatedList.objects.filter(year=year).first()
    if rl is None:
        rl = services.regulated_list_compile(actor=alice, year=year, **basis)
    if rl.status == ListStatus.DRAFT:
        _wait_until_built(rl)
    return RegulatedList.objects.get(pk=rl.pk)


def _wait_until_built(rl: RegulatedList, timeout_s: float = 600) -> None:
    """With Celery eager (no broker) the list is built once the compile commits. Otherwise a
    worker may not have the job yet (or, in a test, on-commit hooks never run): build it here.
    The job is claimed atomically, so if a worker got there first this is a no-op and we wait."""
    job = BackgroundJob.objects.get(pk=rl.job_id)
    if not job.is_finished:
        services.regulated_list_build(job_id=job.pk)
    deadline = time.monotonic() + timeout_s
    while not (job := BackgroundJob.objects.get(pk=rl.job_id)).is_finished:
        if time.monotonic() > deadline:
            raise RuntimeError(f"compiling the {rl.year} list did not finish in {timeout_s:.0f} s")
        time.sleep(1)
    if job.status != BackgroundJob.Status.DONE:
        raise RuntimeError(f"compiling the {rl.year} list failed: {job.message}")
