"""The annual allocation plan (Art. 10, 13): drafted by the bureau, open for public comment,
approved by a second bureau user (four eyes) and published; the public sees only plans open for
comment and published ones."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry
from registry.models import Industry
from tests.factories import OrganisationFactory
from trading.choices import AllocationMethod, PlanStatus
from trading.models import AllocationPlan, IncentiveAdjustment, IndustryRule, PlanComment
from trading.services import plans as services
from trading.transitions import PLAN_TRANSITIONS, can_move, move

pytestmark = pytest.mark.django_db

YEAR = 2026


def today() -> date:
    return timezone.localdate()


def make_plan(actor, *, year=YEAR, cap_t=1_000_000, reserve_t=50_000, **overrides):
    values = {
        "actor": actor,
        "year": year,
        "cap_t": Decimal(cap_t),
        "reserve_t": Decimal(reserve_t),
        "surrender_deadline": date(year + 1, 6, 30),
        "offset_limit_pct": Decimal(5),
        "offset_basis": "allocation",
        "eligible_offsets": ["ccer", "inclusive"],
        "notes": "",
    }
    values.update(overrides)
    return services.plan_create(**values)


def update(actor, plan, **overrides):
    values = {
        "cap_t": plan.cap_t,
        "reserve_t": plan.reserve_t,
        "surrender_deadline": plan.surrender_deadline,
        "offset_limit_pct": plan.offset_limit_pct,
        "offset_basis": plan.offset_basis,
        "eligible_offsets": plan.eligible_offsets,
        "notes": plan.notes,
    }
    values.update(overrides)
    return services.plan_update(actor=actor, plan=plan, **values)


def add_rule(actor, plan, industry=None, **overrides):
    values = {
        "method": AllocationMethod.BENCHMARK,
        "benchmark_t_per_unit": Decimal("0.85"),
        "product_unit": "t clinker",
        "base_years": [],
        "factor": Decimal(1),
        "paid_share_pct": Decimal(3),
    }
    values.update(overrides)
    return services.rule_set(actor=actor, plan=plan, industry=industry or Industry.objects.first(), **values)


@pytest.fixture
def plan(alice):
    """alice's draft of the 2026 plan."""
    return make_plan(alice)


@pytest.fixture
def with_rule(alice, plan):
    add_rule(alice, plan)
    return plan


@pytest.fixture
def pending(alice, with_rule):
    return services.plan_submit(actor=alice, plan=with_rule)


@pytest.fixture
def published(bob, pending):
    return services.plan_approve(actor=bob, plan=pending)


@pytest.fixture
def consulting(alice, with_rule):
    return services.plan_open_consultation(actor=alice, plan=with_rule, until=today() + timedelta(days=14))


def comment(plan, **overrides):
    values = {"plan": plan, "author_name": "Wang Fang", "organisation_name": "", "email": "", "body": "Too low."}
    values.update(overrides)
    return services.comment_add(**values)


# -- the transition table -----------------------------------------------------------------------


def test_plan_transition_table_is_exactly_the_workflow():
    assert PLAN_TRANSITIONS == {
        PlanStatus.DRAFT: {PlanStatus.CONSULTATION, PlanStatus.PENDING},
        PlanStatus.CONSULTATION: {PlanStatus.PENDING},
        PlanStatus.PENDING: {PlanStatus.PUBLISHED, PlanStatus.DRAFT},
        PlanStatus.PUBLISHED: {PlanStatus.SUPERSEDED},
        PlanStatus.SUPERSEDED: set(),
    }
    assert set(PLAN_TRANSITIONS) == set(PlanStatus.values)


@pytest.mark.parametrize("current", PlanStatus.values)
@pytest.mark.parametrize("new", PlanStatus.values)
def test_move_allows_only_what_the_table_holds(current, new):
    plan = AllocationPlan(status=current)
    if can_move(PLAN_TRANSITIONS, current, new):
        move(plan, new, PLAN_TRANSITIONS)
        assert plan.status == new
    else:
        with pytest.raises(ValidationError):
            move(plan, new, PLAN_TRANSITIONS)
        assert plan.status == current


def test_workflow_walk_draft_consultation_pending_returned_pending_published(alice, bob):
    plan = make_plan(alice)
    assert (plan.status, plan.version) == (PlanStatus.DRAFT, 1)
    add_rule(alice, plan)
    plan = services.plan_open_consultation(actor=alice, plan=plan, until=today() + timedelta(days=7))
    assert plan.status == PlanStatus.CONSULTATION
    comment(plan)
    plan = services.plan_submit(actor=alice, plan=plan)
    assert plan.status == PlanStatus.PENDING and plan.submitted_at
    plan = services.plan_return(actor=bob, plan=plan, reason="Reserve too small.")
    assert (plan.status, plan.returned_reason) == (PlanStatus.DRAFT, "Reserve too small.")
    plan = update(alice, plan, reserve_t=Decimal(80_000))
    plan = services.plan_submit(actor=alice, plan=plan)
    assert plan.returned_reason == ""
    plan = services.plan_approve(actor=bob, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert plan.approved_by == bob and plan.approved_at
    verbs = list(AuditEntry.objects.filter(target_id=str(plan.pk)).values_list("verb", flat=True))
    for verb in ("plan.create", "plan.consultation", "plan.submit", "plan.return", "plan.approve"):
        assert verb in verbs


def test_a_new_version_copies_the_published_plan_with_rules_and_adjustments(alice, published, unit):
    IncentiveAdjustment.objects.create(plan=published, organisation=unit, coefficient=Decimal("1.02"), reason="x")
    copy = services.plan_new_version(actor=alice, plan=published)
    assert (copy.status, copy.version, copy.year) == (PlanStatus.DRAFT, 2, YEAR)
    assert copy.cap_t == published.cap_t and copy.eligible_offsets == published.eligible_offsets
    assert list(copy.rules.values_list("industry_id", "method")) == list(
        published.rules.values_list("industry_id", "method")
    )
    assert copy.adjustments.get().coefficient == Decimal("1.02")
    published.refresh_from_db()
    assert published.status == PlanStatus.PUBLISHED


def test_approving_a_new_version_replaces_the_published_plan_and_keeps_it(alice, bob, published):
    draft = services.plan_new_version(actor=alice, plan=published)
    services.plan_submit(actor=alice, plan=draft)
    approved = services.plan_approve(actor=bob, plan=draft)
    published.refresh_from_db()
    assert approved.status == PlanStatus.PUBLISHED and approved.version == published.version + 1
    assert published.status == PlanStatus.SUPERSEDED and published.superseded_at is not None


def test_a_new_version_is_refused_while_another_is_open(alice, published):
    services.plan_new_version(actor=alice, plan=published)
    with pytest.raises(ValidationError):
        services.plan_new_version(actor=alice, plan=published)


def test_a_draft_cannot_be_copied_as_a_new_version(alice, plan):
    with pytest.raises(ValidationError):
        services.plan_new_version(actor=alice, plan=plan)


# -- guards -------------------------------------------------------------------------------------


def test_a_second_open_plan_for_the_year_is_refused(alice, plan):
    with pytest.raises(ValidationError, match="still being prepared"):
        make_plan(alice)


def test_reserve_above_the_cap_is_refused(alice):
    with pytest.raises(ValidationError) as exc:
        make_plan(alice, cap_t=100, reserve_t=101)
    assert "reserve_t" in exc.value.error_dict
    assert not AllocationPlan.objects.exists()


def test_a_fraction_of_a_tonne_is_refused(alice, plan):
    with pytest.raises(ValidationError) as exc:
        update(alice, plan, cap_t=Decimal("1000.5"))
    assert "cap_t" in exc.value.error_dict
    plan.refresh_from_db()
    assert plan.cap_t == 1_000_000


def test_a_cap_of_zero_is_refused(alice):
    with pytest.raises(ValidationError) as exc:
        make_plan(alice, cap_t=0, reserve_t=0)
    assert "cap_t" in exc.value.error_dict


def test_an_offset_limit_above_100_percent_is_refused(alice, plan):
    with pytest.raises(ValidationError) as exc:
        update(alice, plan, offset_limit_pct=Decimal(101))
    assert "offset_limit_pct" in exc.value.error_dict


def test_the_auction_reserve_price_is_kept_with_the_year_settings(alice, plan):
    update(alice, plan, auction_reserve_price_yuan=Decimal("45.50"))
    plan.refresh_from_db()
    assert plan.auction_reserve_price_yuan == Decimal("45.50")


@pytest.mark.parametrize("price", ["0", "-3", "12.345", "abc"])
def test_an_auction_reserve_price_that_is_not_a_positive_amount_is_refused(alice, plan, price):
    with pytest.raises(ValidationError) as exc:
        update(alice, plan, auction_reserve_price_yuan=price)
    assert "auction_reserve_price_yuan" in exc.value.error_dict
    plan.refresh_from_db()
    assert plan.auction_reserve_price_yuan is None


def test_a_new_version_keeps_the_auction_reserve_price(alice, bob, with_rule):
    update(alice, with_rule, auction_reserve_price_yuan=Decimal("50"))
    services.plan_submit(actor=alice, plan=with_rule)
    services.plan_approve(actor=bob, plan=with_rule)
    copy = services.plan_new_version(actor=alice, plan=with_rule)
    assert copy.auction_reserve_price_yuan == Decimal("50")


def test_allowances_are_not_an_eligible_offset(alice, plan):
    with pytest.raises(ValidationError) as exc:
        update(alice, plan, eligible_offsets=["allowance"])
    assert "eligible_offsets" in exc.value.error_dict


def test_only_a_draft_can_be_updated(alice, pending):
    with pytest.raises(ValidationError, match="Only a draft"):
        update(alice, pending, notes="late change")


def test_a_paid_share_above_8_percent_is_a_warning_not_an_error(alice, plan):
    rule = add_rule(alice, plan, paid_share_pct=Decimal(10))
    assert rule.paid_share_pct == 10
    warnings = services.paid_share_warnings(plan.rules.select_related("industry"))
    assert len(warnings) == 1 and "8%" in warnings[0]
    assert services.paid_share_warnings([add_rule(alice, plan, paid_share_pct=Decimal(8))]) == []


def test_a_benchmark_without_its_benchmark_is_refused(alice, plan):
    with pytest.raises(ValidationError) as exc:
        add_rule(alice, plan, benchmark_t_per_unit=None)
    assert "benchmark_t_per_unit" in exc.value.error_dict


def test_a_benchmark_without_its_unit_of_output_is_refused(alice, plan):
    with pytest.raises(ValidationError) as exc:
        add_rule(alice, plan, product_unit="")
    assert "product_unit" in exc.value.error_dict
    assert not IndustryRule.objects.exists()


@pytest.mark.parametrize("method", [AllocationMethod.INTENSITY, AllocationMethod.HISTORICAL])
@pytest.mark.parametrize(
    "years",
    [[], [2019, 2020, 2021, 2022, 2023, 2024], [YEAR], [YEAR + 1], [2023, 2023]],
    ids=["none", "six", "the plan year", "after", "repeated"],
)
def test_historical_methods_need_one_to_five_base_years_before_the_plan_year(alice, plan, method, years):
    with pytest.raises(ValidationError) as exc:
        add_rule(alice, plan, method=method, benchmark_t_per_unit=None, base_years=years)
    assert "base_years" in exc.value.error_dict


def test_historical_emissions_with_base_years_are_accepted(alice, plan):
    rule = add_rule(
        alice, plan, method=AllocationMethod.HISTORICAL, benchmark_t_per_unit=None, base_years=[2025, 2023, 2024]
    )
    assert rule.base_years == [2023, 2024, 2025]
    assert rule.benchmark_t_per_unit is None


def test_setting_an_industry_again_changes_its_rule(alice, plan):
    add_rule(alice, plan)
    add_rule(alice, plan, benchmark_t_per_unit=Decimal("0.9"))
    assert IndustryRule.objects.get().benchmark_t_per_unit == Decimal("0.9")


def test_rules_cannot_change_outside_a_draft(alice, pending):
    with pytest.raises(ValidationError):
        add_rule(alice, pending, industry=Industry.objects.last())
    with pytest.raises(ValidationError):
        services.rule_remove(actor=alice, rule=pending.rules.get())


@pytest.mark.parametrize("coefficient", [Decimal(0), Decimal("-1"), Decimal("2.0001"), Decimal(3)])
def test_a_coefficient_outside_0_to_2_is_refused(alice, plan, unit, coefficient):
    with pytest.raises(ValidationError) as exc:
        services.adjustment_set(actor=alice, plan=plan, organisation=unit, coefficient=coefficient, reason="x")
    assert "coefficient" in exc.value.error_dict


def test_a_coefficient_needs_a_reason(alice, plan, unit):
    with pytest.raises(ValidationError) as exc:
        services.adjustment_set(actor=alice, plan=plan, organisation=unit, coefficient=Decimal("1.1"), reason=" ")
    assert "reason" in exc.value.error_dict


def test_a_coefficient_of_2_is_set_and_removed(alice, plan, unit):
    adjustment = services.adjustment_set(
        actor=alice, plan=plan, organisation=unit, coefficient=Decimal(2), reason="Efficiency leader"
    )
    assert adjustment.coefficient == 2
    services.adjustment_remove(actor=alice, adjustment=adjustment)
    assert not IncentiveAdjustment.objects.exists()


def test_comments_open_on_a_day_in_the_future_only(alice, with_rule):
    with pytest.raises(ValidationError) as exc:
        services.plan_open_consultation(actor=alice, plan=with_rule, until=today())
    assert "until" in exc.value.error_dict


def test_a_comment_on_a_draft_is_refused(plan):
    with pytest.raises(ValidationError, match="not open for comment"):
        comment(plan)
    assert not PlanComment.objects.exists()


def test_a_comment_after_the_closing_day_is_refused(consulting):
    AllocationPlan.objects.filter(pk=consulting.pk).update(consultation_until=today() - timedelta(days=1))
    with pytest.raises(ValidationError, match="not open for comment"):
        comment(consulting)


def test_a_comment_on_the_closing_day_is_taken(consulting):
    AllocationPlan.objects.filter(pk=consulting.pk).update(consultation_until=today())
    assert comment(consulting).pk


def test_a_comment_needs_a_body_of_at_most_5000_characters(consulting):
    with pytest.raises(ValidationError) as exc:
        comment(consulting, body="  ")
    assert "body" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        comment(consulting, body="x" * 5001)
    assert "body" in exc.value.error_dict
    assert comment(consulting, body="x" * 5000).pk


def test_a_plan_without_rules_cannot_be_submitted(alice, plan):
    with pytest.raises(ValidationError, match="at least one industry"):
        services.plan_submit(actor=alice, plan=plan)


def test_the_preparer_cannot_approve_their_own_plan(bob, with_rule):
    # bob (an approver) prepares the plan himself: he may not approve it.
    AllocationPlan.objects.filter(pk=with_rule.pk).update(prepared_by=bob)
    plan = services.plan_submit(actor=bob, plan=with_rule)
    with pytest.raises(PermissionDenied, match="second bureau user"):
        services.plan_approve(actor=bob, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING


def test_a_bureau_user_who_is_not_an_approver_cannot_approve(alice, bob, with_rule):
    AllocationPlan.objects.filter(pk=with_rule.pk).update(prepared_by=bob)
    plan = services.plan_submit(actor=bob, plan=with_rule)
    with pytest.raises(PermissionDenied, match="approver"):
        services.plan_approve(actor=alice, plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_return(actor=alice, plan=plan, reason="no")


def test_a_return_needs_a_reason(bob, pending):
    with pytest.raises(ValidationError) as exc:
        services.plan_return(actor=bob, plan=pending, reason="")
    assert "reason" in exc.value.error_dict


def test_a_draft_cannot_be_approved(bob, with_rule):
    with pytest.raises(ValidationError, match="send it for approval first"):
        services.plan_approve(actor=bob, plan=with_rule)


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_only_the_bureau_drafts_a_plan(request, who):
    with pytest.raises(PermissionDenied):
        make_plan(request.getfixturevalue(who))


# -- pages: permission matrix -------------------------------------------------------------------


def _bureau_pages(plan):
    rule = plan.rules.first()
    return [
        reverse("trading:plan_admin"),
        reverse("trading:plan_new"),
        reverse("trading:plan_edit", args=[plan.pk]),
        reverse("trading:plan_rule_add", args=[plan.pk]),
        reverse("trading:plan_rule_edit", args=[plan.pk, rule.pk]),
        reverse("trading:plan_consultation", args=[plan.pk]),
        reverse("trading:plan_approval", args=[plan.pk]),
        reverse("trading:plan_comments", args=[plan.pk]),
    ]


def _bureau_posts(plan):
    rule = plan.rules.first()
    return [
        reverse("trading:plan_submit", args=[plan.pk]),
        reverse("trading:plan_new_version", args=[plan.pk]),
        reverse("trading:plan_rule_remove", args=[plan.pk, rule.pk]),
    ]


def test_anonymous_users_are_sent_to_log_in_for_bureau_pages(client, with_rule):
    for url in _bureau_pages(with_rule) + _bureau_posts(with_rule):
        response = client.get(url) if url in _bureau_pages(with_rule) else client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_units_and_agencies_get_403_on_bureau_pages(request, client_for, with_rule, who):
    client = client_for(request.getfixturevalue(who))
    for url in _bureau_pages(with_rule):
        assert client.get(url).status_code == 403, url
    for url in _bureau_posts(with_rule):
        assert client.post(url).status_code == 403, url
    assert IndustryRule.objects.filter(plan=with_rule).exists()


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_the_bureau_sees_its_pages(request, client_for, with_rule, who):
    client = client_for(request.getfixturevalue(who))
    for url in _bureau_pages(with_rule):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", [None, "carol", "dave", "alice"])
def test_everyone_reads_the_public_pages(request, client, client_for, consulting, who):
    if who:
        client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("trading:plan_public_index")).status_code == 200
    response = client.get(reverse("trading:plan_public", args=[YEAR]))
    assert response.status_code == 200
    assert "Comment on this draft" in response.content.decode()


def test_an_unknown_plan_is_404_for_the_bureau(client_for, alice):
    assert client_for(alice).get(reverse("trading:plan_edit", args=[999])).status_code == 404


# -- bureau pages -------------------------------------------------------------------------------


def test_plan_list_shows_every_version_with_its_status(client_for, alice, published):
    services.plan_new_version(actor=alice, plan=published)
    page = client_for(alice).get(reverse("trading:plan_admin")).content.decode()
    assert "Version 1" in page and "Version 2" in page
    assert "Approved and published" in page and "Draft" in page


def test_creating_a_plan_from_the_page(client_for, alice):
    response = client_for(alice).post(
        reverse("trading:plan_new"),
        {
            "year": YEAR,
            "cap_t": "1000000",
            "reserve_t": "20000",
            "surrender_deadline": f"{YEAR + 1}-06-30",
            "offset_limit_pct": "5",
            "offset_basis": "allocation",
            "eligible_offsets": ["ccer"],
        },
    )
    plan = AllocationPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("trading:plan_edit", args=[plan.pk])
    assert plan.eligible_offsets == ["ccer"] and plan.prepared_by == alice


def test_a_refused_plan_keeps_what_was_typed(client_for, alice):
    response = client_for(alice).post(
        reverse("trading:plan_new"),
        {
            "year": YEAR,
            "cap_t": "1000",
            "reserve_t": "2000",
            "surrender_deadline": f"{YEAR + 1}-06-30",
            "offset_limit_pct": "5",
            "offset_basis": "allocation",
            "notes": "my notes",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The reserve cannot be more than the total allowances." in page
    assert 'value="2000"' in page and "my notes" in page
    assert not AllocationPlan.objects.exists()


def test_adding_a_rule_from_the_page(client_for, alice, plan):
    industry = Industry.objects.first()
    response = client_for(alice).post(
        reverse("trading:plan_rule_add", args=[plan.pk]),
        {
            "industry": industry.pk,
            "method": "intensity",
            "product_unit": "MWh",
            "base_years": "2023, 2024",
            "factor": "0.98",
            "paid_share_pct": "9",
        },
        follow=True,
    )
    rule = IndustryRule.objects.get()
    assert (rule.method, rule.base_years, rule.factor) == ("intensity", [2023, 2024], Decimal("0.98"))
    page = response.content.decode()
    assert "above the 8%" in page
    assert "output x base intensity x factor 0.98 x coefficient" in page


def test_a_refused_rule_shows_the_error_beside_the_field(client_for, alice, plan):
    response = client_for(alice).post(
        reverse("trading:plan_rule_add", args=[plan.pk]),
        {"industry": Industry.objects.first().pk, "method": "benchmark", "factor": "1", "paid_share_pct": "0"},
    )
    assert response.status_code == 200
    assert "Enter the benchmark for the benchmark method." in response.content.decode()
    assert not IndustryRule.objects.exists()


def test_an_adjustment_is_set_by_credit_code(client_for, alice, plan, unit):
    client_for(alice).post(
        reverse("trading:plan_edit", args=[plan.pk]),
        {"action": "adjustment", "adj-uscc": unit.uscc, "adj-coefficient": "1.05", "adj-reason": "Leader"},
    )
    assert IncentiveAdjustment.objects.get(plan=plan).organisation == unit


def test_an_unknown_credit_code_is_an_error_on_the_field(client_for, alice, plan):
    response = client_for(alice).post(
        reverse("trading:plan_edit", args=[plan.pk]),
        {"action": "adjustment", "adj-uscc": "91310000XXXXXXXXXX", "adj-coefficient": "1.05", "adj-reason": "Leader"},
    )
    assert "No organisation has this credit code." in response.content.decode()


def test_only_an_approver_other_than_the_preparer_sees_the_decision(client_for, alice, bob, pending):
    url = reverse("trading:plan_approval", args=[pending.pk])
    assert "Approve and publish the plan" not in client_for(alice).get(url).content.decode()
    assert "Approve and publish the plan" in client_for(bob).get(url).content.decode()


def test_approving_from_the_page_publishes_the_plan(client_for, bob, pending):
    client_for(bob).post(reverse("trading:plan_approval", args=[pending.pk]), {"action": "approve"})
    pending.refresh_from_db()
    assert pending.status == PlanStatus.PUBLISHED


def test_the_preparer_posting_approve_is_refused(client_for, alice, pending):
    response = client_for(alice).post(reverse("trading:plan_approval", args=[pending.pk]), {"action": "approve"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == PlanStatus.PENDING


def test_the_bureau_sees_commenters_emails(client_for, alice, consulting):
    comment(consulting, email="wang@example.cn")
    page = client_for(alice).get(reverse("trading:plan_comments", args=[consulting.pk])).content.decode()
    assert "wang@example.cn" in page


# -- public pages -------------------------------------------------------------------------------


def test_the_public_page_shows_no_draft(client, alice, plan):
    add_rule(alice, plan)
    assert client.get(reverse("trading:plan_public", args=[YEAR])).status_code == 404
    assert str(YEAR) not in client.get(reverse("trading:plan_public_index")).content.decode()


def test_the_public_page_shows_no_plan_awaiting_approval(client, pending):
    assert client.get(reverse("trading:plan_public", args=[YEAR])).status_code == 404


def test_the_public_page_shows_the_published_plan_and_not_its_new_draft(client, alice, published):
    draft = services.plan_new_version(actor=alice, plan=published)
    update(alice, draft, cap_t=Decimal(777_777))
    page = client.get(reverse("trading:plan_public", args=[YEAR])).content.decode()
    assert "1,000,000" in page or "1000000" in page
    assert "777" not in page and "Version 2" not in page


def test_the_public_page_shows_the_settings_and_rules_in_plain_words(client, published):
    page = client.get(reverse("trading:plan_public", args=[YEAR])).content.decode()
    assert f"{YEAR + 1}-06-30" in page
    assert "Share of the unit&#x27;s allocation" in page or "Share of the unit's allocation" in page
    assert "China certified emission reduction (CCER)" in page
    assert "allocation = output x 0.85 tCO2 per t clinker x factor 1 x coefficient" in page
    assert "3% of the allocation is paid for" in page


def test_the_index_links_each_public_year(client, published):
    page = client.get(reverse("trading:plan_public_index")).content.decode()
    assert reverse("trading:plan_public", args=[YEAR]) in page


def test_a_public_comment_is_taken_and_shown_without_the_email(client, consulting):
    url = reverse("trading:plan_public", args=[YEAR])
    response = client.post(
        url,
        {"author_name": "Li Lei", "organisation_name": "Green NGO", "email": "li@example.cn", "body": "More reserve."},
        follow=True,
    )
    page = response.content.decode()
    assert "your comment has been received" in page
    assert "More reserve." in page and "Green NGO" in page
    assert "li@example.cn" not in page
    assert PlanComment.objects.get().email == "li@example.cn"


def test_a_refused_comment_keeps_what_was_typed(client, consulting):
    response = client.post(
        reverse("trading:plan_public", args=[YEAR]),
        {"author_name": "Li Lei", "organisation_name": "Green NGO", "email": "", "body": ""},
    )
    page = response.content.decode()
    assert "Enter your comment." in page
    assert 'value="Li Lei"' in page and 'value="Green NGO"' in page
    assert not PlanComment.objects.exists()


def test_a_comment_after_the_closing_day_is_refused_on_the_page(client, consulting):
    AllocationPlan.objects.filter(pk=consulting.pk).update(consultation_until=today() - timedelta(days=1))
    response = client.post(reverse("trading:plan_public", args=[YEAR]), {"author_name": "Li", "body": "Late."})
    page = response.content.decode()
    assert "This plan is not open for comment." in page and "Comments are closed." in page
    assert not PlanComment.objects.exists()


def test_a_comment_on_a_year_without_a_plan_open_for_comment_is_404(client, published):
    response = client.post(reverse("trading:plan_public", args=[YEAR]), {"author_name": "Li", "body": "Hi"})
    assert response.status_code == 404


def _public_queries(client, plan_year) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("trading:plan_public", args=[plan_year])).status_code == 200
    return len(ctx.captured_queries)


def test_public_page_queries_do_not_grow_with_rules(client, alice, bob):
    industries = list(Industry.objects.all()[:10])
    assert len(industries) == 10

    def published_with(year, n):
        plan = make_plan(alice, year=year)
        for industry in industries[:n]:
            add_rule(alice, plan, industry=industry)
        services.adjustment_set(
            actor=alice, plan=plan, organisation=OrganisationFactory(), coefficient=Decimal("1.1"), reason="x"
        )
        services.plan_approve(actor=bob, plan=services.plan_submit(actor=alice, plan=plan))

    published_with(2026, 1)
    published_with(2027, 10)
    assert _public_queries(client, 2026) == _public_queries(client, 2027)


def test_changing_a_rule_from_the_page_keeps_its_industry(client_for, alice, with_rule):
    rule = with_rule.rules.get()
    client_for(alice).post(
        reverse("trading:plan_rule_edit", args=[with_rule.pk, rule.pk]),
        {
            "industry": Industry.objects.last().pk,
            "method": "historical",
            "base_years": "2024 2025",
            "factor": "0.95",
            "paid_share_pct": "2",
        },
    )
    rule.refresh_from_db()
    assert (rule.industry_id, rule.method, rule.base_years) == (Industry.objects.first().pk, "historical", [2024, 2025])


def test_removing_a_rule_and_an_adjustment_from_the_page(client_for, alice, with_rule, unit):
    adjustment = services.adjustment_set(
        actor=alice, plan=with_rule, organisation=unit, coefficient=Decimal("0.9"), reason="Laggard"
    )
    client = client_for(alice)
    client.post(reverse("trading:plan_rule_remove", args=[with_rule.pk, with_rule.rules.get().pk]))
    client.post(reverse("trading:plan_adjustment_remove", args=[with_rule.pk, adjustment.pk]))
    assert not IndustryRule.objects.exists() and not IncentiveAdjustment.objects.exists()


def test_opening_for_comment_and_submitting_from_the_pages(client_for, alice, with_rule):
    client = client_for(alice)
    until = (today() + timedelta(days=10)).isoformat()
    client.post(reverse("trading:plan_consultation", args=[with_rule.pk]), {"until": until})
    with_rule.refresh_from_db()
    assert with_rule.status == PlanStatus.CONSULTATION
    client.post(reverse("trading:plan_submit", args=[with_rule.pk]))
    with_rule.refresh_from_db()
    assert with_rule.status == PlanStatus.PENDING
