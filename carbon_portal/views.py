from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import dashboard
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
