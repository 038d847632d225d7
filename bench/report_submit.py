"""Benchmark: submitting an annual emission report with 50 source lines.

    .venv/bin/python bench/report_submit.py [--lines 50] [--rounds 15] [--keep]

In one process, on a throw-away SQLite database in a temporary directory (or DATABASE_URL,
which must then be a scratch database): a unit on the published 2026 list files reports of 1,
10 and `--lines` source lines through the services, then submits each through the portal's
own view (Django's test client: the whole request path, middleware, the declaration form, the
service, the template), `--rounds` times per size. It prints the median server time of the
submit request and of /health/, their ratio, and the number of SQL queries per submit, which
must be the same for every size. Work that runs after commit in Celery (the receipt email,
the PDF) is not part of the request in production; here its tasks are only counted, not run.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=50, help="source lines of the largest report")
    parser.add_argument("--rounds", type=int, default=15, help="reports submitted per size")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


def setup(tmp: Path) -> None:
    # Production settings, except static files are not collected: plain static URLs in pages.
    (tmp / "bench_settings.py").write_text(
        "from carbon_portal.settings import *  # noqa: F403\n"
        'STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}\n'
        f"STATIC_ROOT = {str(tmp / 'static')!r}\n"
    )
    (tmp / "static").mkdir()
    sys.path.insert(0, str(tmp))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench_settings",
        DJANGO_DEBUG="false",
        DJANGO_SECURE="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="testserver",
        CELERY_BROKER_URL="",
        PORTAL_PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def world():
    """A bureau user, a unit with one facility on a published 2026 list, and its staff member."""
    from django.utils import timezone

    from carbon_portal.models import User
    from carbon_portal.roles import Role
    from registry.choices import District, EntryCategory, EntryOrigin, ListStatus, OrganisationType
    from registry.models import Facility, Industry, ListEntry, Membership, Organisation, RegulatedList

    bureau = User.objects.create_user(email=f"bench-{secrets.token_hex(4)}@example.cn")
    unit = Organisation.objects.create(
        uscc=_uscc(),
        name_zh="上海基准测试化工有限公司",
        name_en="Bench Chemical Co.",
        org_type=OrganisationType.ENTERPRISE,
        industry=Industry.objects.get(code="C26"),
        district=District.JINSHAN,
        address="金山区",
    )
    facility = Facility.objects.create(organisation=unit, code="F1", name_zh="一号装置", district=District.JINSHAN)
    rl, _ = RegulatedList.objects.get_or_create(
        year=2026,
        defaults={
            "status": ListStatus.PUBLISHED,
            "basis_from_year": 2024,
            "basis_to_year": 2025,
            "compiled_by": bureau,
            "approved_by": bureau,
            "published_at": timezone.now(),
        },
    )
    ListEntry.objects.create(
        regulated_list=rl,
        organisation=unit,
        category=EntryCategory.REGULATED,
        origin=EntryOrigin.MANUAL,
        reason="bench",
    )
    staff = User.objects.create_user(email=f"unit-{secrets.token_hex(4)}@example.cn", full_name="张三")
    Membership.objects.create(user=staff, organisation=unit, role=Role.UNIT_STAFF)
    return unit, facility, staff


def _uscc() -> str:
    from stdnum.cn import uscc as uscc_std

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91310115" + "".join(secrets.choice(alphabet) for _ in range(9))
    return body + uscc_std.calc_check_digit(body)


def filed_report(unit, facility, staff, lines: int):
    from reporting import services

    report = services.report_create_draft(actor=staff, organisation=unit, year=2026)
    for i in range(lines):
        services.report_line_add(
            actor=staff,
            report=report,
            facility=facility,
            category="purchased_electricity" if i % 2 else "fuel_combustion",
            factor_code="sh_grid_electricity" if i % 2 else "natural_gas",
            activity_amount=str(1000 + i),
            activity_unit="mwh" if i % 2 else "10k_nm3",
            source_description=f"Source {i}",
        )
    return report


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        setup(tmp)
        from unittest import mock

        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        sent = []
        # Eager mode would run the tasks inside the request (apply); a worker runs them in production.
        queued = mock.patch("celery.app.task.Task.apply_async", lambda self, *a, **k: sent.append(self.name))
        eager = mock.patch("celery.app.task.Task.apply", lambda self, *a, **k: sent.append(self.name))
        by_name = mock.patch("celery.Celery.send_task", lambda self, name, *a, **k: sent.append(name))
        with queued, eager, by_name:
            client = Client()
            health = [timed_get(client, "/health/") for _ in range(5)]
            health = statistics.median([timed_get(client, "/health/") for _ in range(args.rounds * 4)])
            print(f"/health/: median {health * 1000:.2f} ms")
            for size in sorted({1, 10, args.lines}):
                times, queries = [], set()
                for _ in range(args.rounds):
                    unit, facility, staff = world()
                    report = filed_report(unit, facility, staff, size)
                    client.force_login(staff)
                    url = reverse("reporting:report_submit", args=[report.pk])
                    client.get(url)
                    with CaptureQueriesContext(connection) as ctx:
                        started = time.perf_counter()
                        response = client.post(url, {"declaration_confirmed": "on", "declared_by_name": "张三"})
                        times.append(time.perf_counter() - started)
                    assert response.status_code == 200 and b"AER-2026-" in response.content, response.status_code
                    queries.add(len(ctx.captured_queries))
                median = statistics.median(times)
                print(
                    f"submit, {size:>3} lines: median {median * 1000:7.2f} ms  "
                    f"ratio to /health/ {median / health:6.1f}  queries {sorted(queries)}"
                )
        print(f"background tasks queued (not run): {len(sent)}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
