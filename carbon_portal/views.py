from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import dashboard, notifications
from .audit import entries_for
from .models import BackgroundJob
from .permissions import require_bureau


def home(request):
    return render(request, "carbon_portal/home.html")


@login_required
def dashboard_view(request):
    tasks = dashboard.tasks_for(request.user)
    return render(request, "carbon_portal/dashboard.html", {"tasks": tasks})


@never_cache
def health(request):
    """One query: the baseline the benchmarks compare pages against."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


@login_required
def audit_trail(request, content_type_id: int, object_id: str):
    require_bureau(request.user)
    ct = get_object_or_404(ContentType, pk=content_type_id)
    try:
        target = ct.get_object_for_this_type(pk=object_id)
    except ct.model_class().DoesNotExist:
        raise Http404 from None
    return render(request, "carbon_portal/audit_trail.html", {"target": target, "entries": entries_for(target)})


@login_required
@never_cache
def job_status(request, pk: int):
    job = get_object_or_404(BackgroundJob, pk=pk)
    if job.created_by_id != request.user.pk:
        require_bureau(request.user)
    response = render(request, "carbon_portal/_job_progress.html", {"job": job})
    if request.htmx and job.is_finished:
        response["HX-Refresh"] = "true"  # the page around the bar shows the job's results
    return response


@login_required
def inbox_view(request):
    """The user's messages, newest first."""
    page = Paginator(notifications.inbox(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "carbon_portal/inbox.html", {"page": page})


@login_required
def inbox_open(request, pk: int):
    """Opening a message marks it read and follows its link, if it stays on this portal."""
    note = get_object_or_404(notifications.inbox(request.user), pk=pk)
    notifications.mark_read(request.user, note.pk)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_all_read(request):
    count = notifications.mark_read(request.user)
    messages.success(
        request, ngettext("%(n)s message marked read.", "%(n)s messages marked read.", count) % {"n": count}
    )
    return redirect("inbox")
