"""Holdings after mergers and splits (Art. 14), the bureau's pages: every merger and split with
what became of its holdings, and a split's division, recorded once. Anyone else gets a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from carbon_portal.forms import add_service_error
from registry.choices import EventKind

from ..forms_succession import DivisionForm
from ..permissions import require_registrar
from ..selectors import succession as selectors
from ..services.succession import holdings_divide, holdings_merge

PAGE_SIZE = 50
STATE_LABELS = (("pending", gettext_lazy("To be recorded")), ("recorded", gettext_lazy("Recorded")))


def _filters(request) -> dict[str, str]:
    raw = {key: request.GET.get(key, "").strip()[:100] for key in ("q", "kind", "state")}
    if raw["kind"] not in selectors.SUCCESSION_KINDS:
        raw["kind"] = ""
    if raw["state"] not in selectors.STATES:
        raw["state"] = ""
    return {key: value for key, value in raw.items() if value}


@login_required
@require_GET
def succession_list(request):
    require_registrar(request.user)
    filters = _filters(request)
    page = Paginator(selectors.successions(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "query": urlencode(filters),
        "kinds": [(k.value, k.label) for k in (EventKind.MERGER, EventKind.SPLIT)],
        "states": STATE_LABELS,
    }
    return render(request, "trading/succession_list.html", context)


@login_required
def succession_event(request, pk: int):
    """A merger's moved holdings, or a split's division: the form until it is recorded, then the record."""
    require_registrar(request.user)
    event = selectors.succession_event(pk)
    succession = getattr(event, "holdings_succession", None)
    if succession is not None:
        context = {"event": event, "succession": succession, "table": selectors.division_table(succession)}
        return render(request, "trading/succession_event.html", context)
    if event.kind == EventKind.MERGER:
        return _merger_pending(request, event)
    plan = selectors.division_plan(event)
    form = DivisionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            holdings_divide(actor=request.user, event=event, division=form.division(), note=form.cleaned_data["note"])
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_divided":
                messages.info(request, " ".join(exc.messages))
                return redirect("trading:succession_event", pk=event.pk)
            add_service_error(form, exc)
        else:
            messages.success(request, _("The division of the holdings is recorded."))
            return redirect("trading:succession_event", pk=event.pk)
    context = {"event": event, "plan": plan, "form": form, "kept": plan.kept()}
    return render(request, "trading/succession_event.html", context)


def _merger_pending(request, event):
    """A merger recorded before its holdings moved with it (older records): the bureau moves them."""
    error = None
    if request.method == "POST":
        try:
            holdings_merge(actor=request.user, event=event)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The holdings of the merged unit have moved to the surviving unit."))
            return redirect("trading:succession_event", pk=event.pk)
    return render(request, "trading/succession_event.html", {"event": event, "merger_error": error})
