"""The allocation run's live progress bar, driven by a real Celery worker (Art. 10).

Everywhere else the tests run Celery eagerly, so a run is finished within the request that starts
it and its progress bar is never seen moving. Here the live server publishes the job to Redis and
a `celery -A carbon_portal worker --pool solo` subprocess computes it against the same PostgreSQL
test database, while Chromium watches the bar: queued (the worker is started only after the job is
on the queue), then part done, then done and the page reloaded with the results table.

The worker is slowed down in this test only: it is started through a few lines (WORKER_BOOT) that
make the run's chunks small and pause after each progress update, so the run takes ten seconds or
so whatever the machine. Nothing here asserts a duration: every wait is generous and fails with
the worker's log.

Needs PostgreSQL (the worker is another process: it cannot see an SQLite in-memory test database)
and Redis; both skip on a laptop without them and fail in CI (tests/conftest.py).
"""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from carbon_portal.models import BackgroundJob
from registry.choices import District, OrganisationType
from registry.models import EmissionRecord, Industry, Organisation
from tests.factories import make_uscc
from tests.trading.test_runs import make_plan, publish_list, rule
from trading.choices import PlanStatus, RunStatus
from trading.models import AllocationRun

from .test_bureau_list import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own, emptied before and after: no other test publishes there, and a
# message left by an interrupted earlier run must not reach this worker.
BROKER_URL = "redis://127.0.0.1:6379/12"
YEAR = 2026
UNITS = 300
CHUNK = 10  # 30 progress steps
PAUSE_S = 0.3  # after each step: about 9 s of visible progress
WAIT_S = 240  # generous: a loaded two-core machine, a cold worker start

# The worker, as `celery -A carbon_portal worker`, with the slow-down applied in its own process.
WORKER_BOOT = """
import os, sys, threading, time
parent = os.getppid()
def _exit_with_the_test_run():  # never left behind holding a connection to the test database
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)
threading.Thread(target=_exit_with_the_test_run, daemon=True).start()
import django
django.setup()
from carbon_portal import jobs
from trading.services import runs
runs.CHUNK = int(os.environ["TEST_ALLOCATION_CHUNK"])
_progress = jobs.job_progress
def _slow_progress(job, done):
    _progress(job, done)
    time.sleep(float(os.environ["TEST_ALLOCATION_PAUSE_S"]))
jobs.job_progress = _slow_progress
from celery.bin.celery import main
sys.argv = ["celery", *sys.argv[1:]]
sys.exit(main())
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """The Celery worker subprocess and its log."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "carbon_portal.test_settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "PYTHONPATH": str(ROOT),
            "TEST_ALLOCATION_CHUNK": str(CHUNK),
            "TEST_ALLOCATION_PAUSE_S": str(PAUSE_S),
        }
        args = [
            sys.executable, "-c", WORKER_BOOT,
            "-A", "carbon_portal", "worker", "--pool", "solo", "--concurrency", "1", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"allocation-test-{os.getpid()}@%h",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # warm shutdown: closes its database connection
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def broker(celery_broker):
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    try:
        with celery_broker(BROKER_URL):
            yield
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def worker(transactional_db, broker, tmp_path):
    """Stopped before the test database is flushed: it holds a connection to it."""
    w = Worker(tmp_path / "worker.log")
    yield w
    w.stop()


def _units(n: int) -> list[Organisation]:
    """n chemical units (historical method) with emissions on record for both base years."""
    c26 = Industry.objects.get(code="C26")
    orgs = Organisation.objects.bulk_create(
        Organisation(
            uscc=make_uscc(9000 + i),
            name_zh=f"上海进度测试化工有限公司{i:03d}",
            name_en=f"Progress Test Chemical Co. {i:03d}",
            org_type=OrganisationType.ENTERPRISE,
            industry=c26,
            district=District.JINSHAN,
        )
        for i in range(n)
    )
    EmissionRecord.objects.bulk_create(
        EmissionRecord(organisation=o, year=y, emissions_tco2e=Decimal(10000 + i), source="historical")
        for i, o in enumerate(orgs)
        for y in (YEAR - 3, YEAR - 2)
    )
    return orgs


def _bar(page) -> tuple[str, int] | None:
    """(status shown on the bar, percent) or None when there is no bar (or the page is reloading)."""
    try:
        found = page.evaluate(
            """() => {
                const box = document.querySelector('.job-progress');
                if (!box) return null;
                const bar = box.querySelector('[role=progressbar]');
                return [box.querySelector('.tag').textContent.trim(), Number(bar.getAttribute('aria-valuenow'))];
            }"""
        )
    except PlaywrightError:  # the execution context went away with the reload
        return None
    return tuple(found) if found else None


def _wait(condition, worker: Worker, what: str):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if (found := condition()) is not None:
            return found
        if not worker.alive():
            pytest.fail(f"the worker stopped while waiting for {what}:\n{worker.log()}")
        time.sleep(0.2)
    pytest.fail(f"no {what} within {WAIT_S} s; worker log:\n{worker.log()}")


def test_the_progress_bar_moves_while_a_worker_computes_the_run(live_server, new_page, shots, alice, bob, worker):
    publish_list(alice, bob, _units(UNITS), year=YEAR)
    plan = make_plan(alice, bob, status=PlanStatus.DRAFT, year=YEAR, cap_t=5_000_000)
    rule(plan)

    page = new_page(locale="en")
    page.set_default_timeout(WAIT_S * 1000)  # a loaded machine: slow is not wrong here
    sign_in(page, live_server.url, alice.email)
    page.goto(f"{live_server.url}{reverse('trading:run_list', args=[plan.pk])}")
    page.click("button[name=action][value=what_if]")
    page.wait_for_url("**/admin/allocation/runs/*/")

    # 1. On the queue, no worker yet: the bar says so, at 0 %.
    run = AllocationRun.objects.get(plan=plan)
    assert run.job.status == BackgroundJob.Status.QUEUED
    assert _bar(page) == ("Queued", 0)
    assert page.locator("table.data").count() == 0
    page.screenshot(path=shots / "allocation-progress-queued.png", full_page=True)

    # 2. The worker starts and takes the job: htmx polls the bar part of the way.
    worker.start()

    def part_done():
        bar = _bar(page)
        return bar if bar and bar[0] == "Running" and 0 < bar[1] < 100 else None

    _wait(part_done, worker, "progress part of the way")
    page.screenshot(path=shots / "allocation-progress-running.png", full_page=True)

    # 3. Done: the last poll reloads the page, which shows the results instead of the bar.
    _wait(lambda: page.locator("table.data tbody tr").count() or None, worker, "results table")
    page.screenshot(path=shots / "allocation-progress-done.png", full_page=True)
    assert page.locator(".job-progress").count() == 0
    assert "Done" in page.locator("h1 .tag").inner_text()
    assert page.locator(".summary-list .tag-green").inner_text() == "Yes"  # within the cap
    assert page.locator("table.data tbody tr").count() == 50  # the first page of 300 units
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert (run.status, run.units, run.total_t) == (RunStatus.DONE, UNITS, sum(10000 + i for i in range(UNITS)))
    assert (run.job.status, run.job.progress_done, run.job.progress_total) == (BackgroundJob.Status.DONE, UNITS, UNITS)
