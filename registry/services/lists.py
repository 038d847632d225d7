"""Art. 9 ¶2-3: compile, adjust, approve (four eyes) and publish the annual list."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit, jobs
from carbon_portal.permissions import require_bureau, require_second_bureau_user

from ..choices import EntryCategory, EntryOrigin, ListStatus
from ..models import ListEntry, Organisation, RegulatedList
from ..selectors import LISTABLE_TYPES, list_candidates
from ..transitions import LIST_EDITABLE, can_move

COMPILE_TASK = "registry.tasks.compile_regulated_list"
_CHUNK = 500


def _locked(regulated_list: RegulatedList) -> RegulatedList:
    return RegulatedList.objects.select_for_update().get(pk=regulated_list.pk)


def _require_editable(rl: RegulatedList) -> None:
    if rl.status not in LIST_EDITABLE:
        raise ValidationError(
            _("The %(year)s list is %(status)s and can no longer be changed.")
            % {"year": rl.year, "status": rl.get_status_display()}
        )
    if rl.job_id and not rl.job.is_finished:
        raise ValidationError(_("The %(year)s list is still being compiled.") % {"year": rl.year})


def _set_status(rl: RegulatedList, new: str, *, actor, verb: str, data: dict | None = None) -> None:
    if not can_move(rl.status, new):
        raise ValidationError(
            _("A list that is %(status)s cannot move to %(new)s.")
            % {"status": rl.get_status_display(), "new": ListStatus(new).label}
        )
    old = rl.status
    rl.status = new
    rl.save()
    audit.record(actor=actor, verb=verb, target=rl, data={"from": old, "to": new} | (data or {}))


@transaction.atomic
def regulated_list_compile(
    *, actor, year: int, basis_from_year: int | None = None, basis_to_year: int | None = None
) -> RegulatedList:
    """Starts (or restarts) compiling a draft list from emissions on record, as a Celery job."""
    require_bureau(actor)
    basis_to_year = basis_to_year or year - 1
    basis_from_year = basis_from_year or basis_to_year - 1
    if basis_from_year > basis_to_year or basis_to_year >= year:
        raise ValidationError(_("The basis years must come before the list's year."))
    rl = RegulatedList.objects.select_for_update().filter(year=year).first()
    if rl is None:
        rl = RegulatedList.objects.create(
            year=year, basis_from_year=basis_from_year, basis_to_year=basis_to_year, compiled_by=actor
        )
    else:
        _require_editable(rl)
        rl.basis_from_year, rl.basis_to_year, rl.compiled_by = basis_from_year, basis_to_year, actor
    rl.job = jobs.job_create(actor=actor, kind="registry.compile_list", task_name=COMPILE_TASK, target=rl)
    rl.save()
    audit.record(
        actor=actor,
        verb="list.compile",
        target=rl,
        data={"basis_from_year": basis_from_year, "basis_to_year": basis_to_year},
    )
    return rl


def regulated_list_build(*, job_id: int) -> None:
    """The job behind regulated_list_compile. Entries the bureau added or removed by hand
    keep their decision; everything else is recomputed from the criteria."""
    from carbon_portal.models import BackgroundJob

    job_row = BackgroundJob.objects.get(pk=job_id)
    rl = RegulatedList.objects.get(pk=job_row.target_id)
    job = jobs.job_start(job_id, total=0)  # running from here: selecting candidates takes a while
    if job is None:
        return
    candidates = list_candidates(rl)
    jobs.job_set_total(job, len(candidates))
    try:
        with transaction.atomic():
            rl = _locked(rl)
            if rl.status not in LIST_EDITABLE:
                raise ValidationError("list no longer editable")
            rl.entries.filter(origin=EntryOrigin.CRITERIA, is_removed=False).delete()
            kept = dict(rl.entries.values_list("organisation_id", "id"))
        # One transaction per chunk, so the progress bar moves while the job runs. The list
        # cannot be edited or submitted until the job is DONE, so nobody sees it half-built.
        for start in range(0, len(candidates), _CHUNK):
            chunk = candidates[start : start + _CHUNK]
            with transaction.atomic():
                _write_chunk(rl, chunk, kept)
                jobs.job_progress(job, start + len(chunk))
        RegulatedList.objects.filter(pk=rl.pk).update(compiled_at=timezone.now())
    except Exception as exc:
        jobs.job_finish(job, ok=False, message=str(exc))
        raise
    jobs.job_finish(job, ok=True)


def _write_chunk(rl: RegulatedList, chunk, kept: dict[int, int]) -> None:
    new_entries, updates = [], []
    for c in chunk:
        fields = {
            "category": c.category,
            "basis_emissions_tco2e": c.basis_emissions_tco2e,
            "basis_year": c.basis_year,
            "criterion": c.criterion,
        }
        if c.organisation_id in kept:
            updates.append((kept[c.organisation_id], fields))
        else:
            new_entries.append(
                ListEntry(regulated_list=rl, organisation_id=c.organisation_id, origin=EntryOrigin.CRITERIA, **fields)
            )
    ListEntry.objects.bulk_create(new_entries)
    for entry_id, fields in updates:
        # Only figures change: a manual removal or addition keeps the bureau's decision.
        ListEntry.objects.filter(pk=entry_id).update(
            basis_emissions_tco2e=fields["basis_emissions_tco2e"],
            basis_year=fields["basis_year"],
            criterion=fields["criterion"],
        )


@transaction.atomic
def regulated_list_add_entry(
    *, actor, regulated_list: RegulatedList, organisation: Organisation, category: str, reason: str
) -> ListEntry:
    require_bureau(actor)
    rl = _locked(regulated_list)
    _require_editable(rl)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for adding this unit.")})
    if organisation.org_type not in LISTABLE_TYPES:
        raise ValidationError({"organisation": _("Only enterprises and public institutions can be listed.")})
    if category not in EntryCategory.values:
        raise ValidationError({"category": _("Choose regulated unit or reporting unit.")})
    entry = rl.entries.filter(organisation=organisation).first()
    if entry and not entry.is_removed:
        raise ValidationError(
            {
                "organisation": _("%(name)s is already on the %(year)s list.")
                % {"name": organisation.name, "year": rl.year}
            }
        )
    if entry is None:
        entry = ListEntry(regulated_list=rl, organisation=organisation)
    entry.category, entry.origin, entry.reason = category, EntryOrigin.MANUAL, reason.strip()
    entry.is_removed, entry.removal_reason, entry.changed_by = False, "", actor
    entry.save()
    audit.record(
        actor=actor,
        verb="list.add_entry",
        target=rl,
        data={"uscc": organisation.uscc, "category": category, "reason": reason},
    )
    return entry


@transaction.atomic
def regulated_list_remove_entry(*, actor, entry: ListEntry, reason: str) -> ListEntry:
    require_bureau(actor)
    rl = _locked(entry.regulated_list)
    _require_editable(rl)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for removing this unit.")})
    entry.is_removed, entry.removal_reason, entry.changed_by = True, reason.strip(), actor
    entry.save()
    audit.record(
        actor=actor, verb="list.remove_entry", target=rl, data={"uscc": entry.organisation.uscc, "reason": reason}
    )
    return entry


@transaction.atomic
def regulated_list_restore_entry(*, actor, entry: ListEntry) -> ListEntry:
    require_bureau(actor)
    rl = _locked(entry.regulated_list)
    _require_editable(rl)
    entry.is_removed, entry.removal_reason, entry.changed_by = False, "", actor
    entry.save()
    audit.record(actor=actor, verb="list.restore_entry", target=rl, data={"uscc": entry.organisation.uscc})
    return entry


@transaction.atomic
def regulated_list_submit(*, actor, regulated_list: RegulatedList) -> RegulatedList:
    require_bureau(actor)
    rl = _locked(regulated_list)
    _require_editable(rl)
    if rl.job_id and rl.job.status != rl.job.Status.DONE:
        raise ValidationError(
            _("The last compilation of the %(year)s list did not finish: compile it again before submitting.")
            % {"year": rl.year}
        )
    if not rl.entries.filter(is_removed=False).exists():
        raise ValidationError(_("An empty list cannot be submitted for approval."))
    rl.submitted_by, rl.submitted_at, rl.return_reason = actor, timezone.now(), ""
    _set_status(rl, ListStatus.PENDING_APPROVAL, actor=actor, verb="list.submit")
    return rl


@transaction.atomic
def regulated_list_approve(*, actor, regulated_list: RegulatedList) -> RegulatedList:
    """Four eyes: a bureau approver other than the submitter approves, and the list is published."""
    rl = _locked(regulated_list)
    require_second_bureau_user(actor=actor, first_actor=rl.submitted_by)
    if rl.compiled_by_id == actor.pk:
        raise PermissionDenied(_("A second bureau user must approve: you compiled this list."))
    rl.approved_by, rl.published_at = actor, timezone.now()
    _set_status(rl, ListStatus.PUBLISHED, actor=actor, verb="list.approve_publish")
    return rl


@transaction.atomic
def regulated_list_return(*, actor, regulated_list: RegulatedList, reason: str) -> RegulatedList:
    rl = _locked(regulated_list)
    require_second_bureau_user(actor=actor, first_actor=rl.submitted_by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the list is returned.")})
    rl.return_reason = reason.strip()
    _set_status(rl, ListStatus.DRAFT, actor=actor, verb="list.return", data={"reason": reason})
    return rl
