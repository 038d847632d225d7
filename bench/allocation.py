"""Benchmark: an allocation run over 10,000 regulated units, in units per second.

    .venv/bin/python bench/allocation.py                 # about 30-60 s (most of it migrating)
    .venv/bin/python bench/allocation.py --help          # --units, --small, --keep, --sqlite

The database, as bench/ledger.py and bench/report_submit.py pick theirs: DATABASE_URL when set,
which must then name a scratch database (its name contains "bench" or "scratch"); otherwise a
throw-away PostgreSQL database created on the server at PGHOST/PGPORT (127.0.0.1:5432, user
postgres) and dropped at the end, when that server answers; otherwise SQLite in a temporary
directory. Production settings, migrated; Celery's jobs are not sent (the run's job is computed in
this process by calling the task's body, trading.services.runs.run_compute, directly).

For each size (`--small` then `--units` regulated units, on their own published list and year):
the units are written with bulk_create (a third of them in industries allocated by historical
emissions, a third by historical intensity, a third by benchmark, with the emissions on record,
some approved determinations and the submitted reports' output each method needs, an incentive
coefficient for one unit in 25 and no output for one benchmark unit in 100); then through the
services alice drafts the year's plan with six industry rules, and it prints:

1. what-if run: run_compute of a what-if run on the draft plan;
2. final run: bob approves the plan, run_compute of the final run, then run_adopt;

each with its time, units per second, and its SQL statements: the reads (the same at every size)
and the writes, which are an INSERT and a progress UPDATE per chunk of 200 units (SQLite splits each
INSERT into batches of its variable limit); and its ratio to the bare insert: the same rows written
with bulk_create in the same chunks and nothing else, measured in the same run.
"""

import argparse
import os
import secrets
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

# industry code -> method; two industries per method, units spread over them in turn
RULES = {"C26": "historical", "C28": "historical", "C31": "intensity", "C30": "intensity", "D44": "benchmark"}
RULES |= {"C22": "benchmark"}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--units", type=int, default=10_000, help="regulated units of the large run")
    parser.add_argument("--small", type=int, default=1_000, help="regulated units of the small run")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even when PostgreSQL answers")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database and directory")
    return parser.parse_args()


# -- the database --


def _pg_params() -> dict:
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER", "postgres"),
        "password": os.environ.get("PGPASSWORD", ""),
    }


def _admin(sql: str) -> None:
    import psycopg2

    params = _pg_params()
    conn = psycopg2.connect(dbname="postgres", **{k: v for k, v in params.items() if v != ""})
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def pick_database(args, tmp: Path) -> tuple[str, str | None]:
    """(DATABASE_URL, name of a throw-away PostgreSQL database this script created, or None)."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parsed = urlparse(url)
        name = Path(parsed.path).name if parsed.scheme == "sqlite" else parsed.path.lstrip("/")
        if "bench" not in name and "scratch" not in name:
            sys.exit(f"refusing to write 10,000 units into {name!r}: use a database named *bench* or *scratch*")
        return url, None
    params = _pg_params()
    try:
        socket.create_connection((params["host"], params["port"]), timeout=1).close()
    except OSError:
        args.sqlite = True
    if args.sqlite:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", None
    name = f"carbon_bench_allocation_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    auth = quote(params["user"]) + (f":{quote(params['password'])}" if params["password"] else "")
    return f"postgres://{auth}@{params['host']}:{params['port']}/{name}", name


def setup(tmp: Path, url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="carbon_portal.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECURE="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=url,
        CELERY_BROKER_URL="",
        PORTAL_PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# -- the world --


def _usccs(n: int) -> list[str]:
    from stdnum.cn import uscc as uscc_std

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    seen: set[str] = set()
    while len(seen) < n:
        body = "91310115" + "".join(secrets.choice(alphabet) for _ in range(9))
        seen.add(body + uscc_std.calc_check_digit(body))
    return sorted(seen)


def bureau():
    """alice drafts and runs; bob, an approver, approves the plans."""
    from carbon_portal.models import User
    from carbon_portal.roles import Role
    from registry.choices import District, OrganisationType
    from registry.models import Membership, Organisation

    tag = secrets.token_hex(4)
    org = Organisation.objects.create(
        uscc=_usccs(1)[0], name_zh=f"生态环境局 {tag}", org_type=OrganisationType.BUREAU, district=District.HUANGPU
    )
    alice = User.objects.create_user(email=f"bench-alice-{tag}@example.cn")
    bob = User.objects.create_user(email=f"bench-bob-{tag}@example.cn")
    Membership.objects.create(user=alice, organisation=org, role=Role.BUREAU_STAFF)
    Membership.objects.create(user=bob, organisation=org, role=Role.BUREAU_APPROVER)
    return alice, bob


def free_year() -> int:
    """A plan year with no list or plan yet (a scratch database may hold earlier runs)."""
    from registry.models import RegulatedList
    from trading.models import AllocationPlan

    taken = set(RegulatedList.objects.values_list("year", flat=True)) | set(
        AllocationPlan.objects.values_list("year", flat=True)
    )
    return next(y for y in range(2040, 2100) if y not in taken)


def units(n: int, year: int, alice, bob) -> list:
    """n regulated units with what their industry's method needs, written in bulk."""
    from django.utils import timezone

    from registry.choices import District, EmissionSource, OrganisationType
    from registry.models import EmissionRecord, Industry, Organisation
    from reporting.choices import ReportStatus
    from reporting.models import AnnualReport
    from verification.choices import DeterminationBasis, DeterminationStatus
    from verification.models import Determination

    industries = {i.code: i for i in Industry.objects.filter(code__in=RULES)}
    codes = list(RULES)
    districts = District.values
    tag = secrets.token_hex(3)
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                uscc=uscc,
                name_zh=f"上海基准{tag}单位{i:05d}有限公司",
                name_en=f"Bench {tag} Unit {i:05d} Co., Ltd.",
                org_type=OrganisationType.ENTERPRISE,
                industry=industries[codes[i % len(codes)]],
                district=districts[i % len(districts)],
            )
            for i, uscc in enumerate(_usccs(n))
        ],
        batch_size=1000,
    )
    now = timezone.now()
    base_years, output_year = (year - 3, year - 2), year - 1
    approved = {"basis": DeterminationBasis.REVIEW, "status": DeterminationStatus.APPROVED, "reasoning": "bench"}
    approved |= {"prepared_by": alice, "approved_by": bob, "approved_at": now}
    submitted = {"status": ReportStatus.SUBMITTED, "product_unit": "t", "declared_by_name": "负责人"}
    submitted |= {"declared_at": now, "submitted_at": now, "created_by": alice}
    records, determinations, reports = [], [], []
    for i, org in enumerate(orgs):
        method = RULES[codes[i % len(codes)]]
        tonnes = [Decimal(12_000 + (i * 37 + k * 911) % 80_000) for k in range(len(base_years))]
        if method != "benchmark":
            records += [
                EmissionRecord(organisation=org, year=y, emissions_tco2e=t, source=EmissionSource.HISTORICAL)
                for y, t in zip(base_years, tonnes, strict=True)
            ]
            if i % 10 == 0:
                determinations.append(
                    Determination(organisation=org, year=base_years[0], emissions_tco2e=tonnes[0] - 100, **approved)
                )
        output_years = (*base_years, output_year) if method == "intensity" else (output_year,)
        if method == "historical" or (method == "benchmark" and i % 100 == 0):
            output_years = ()  # historical needs no output; one benchmark unit in 100 has none: a problem
        reports += [
            AnnualReport(organisation=org, year=y, product_output=Decimal(20_000 + (i * 53 + y) % 90_000), **submitted)
            for y in output_years
        ]
    EmissionRecord.objects.bulk_create(records, batch_size=2000)
    Determination.objects.bulk_create(determinations, batch_size=2000)
    AnnualReport.objects.bulk_create(reports, batch_size=2000)
    return orgs


def published_list(orgs, year: int, alice, bob):
    from django.utils import timezone

    from registry.choices import EntryCategory, EntryOrigin, ListStatus
    from registry.models import ListEntry, RegulatedList

    rl = RegulatedList.objects.create(
        year=year,
        status=ListStatus.PUBLISHED,
        basis_from_year=year - 2,
        basis_to_year=year - 1,
        compiled_by=alice,
        approved_by=bob,
        published_at=timezone.now(),
    )
    ListEntry.objects.bulk_create(
        [
            ListEntry(regulated_list=rl, organisation=o, category=EntryCategory.REGULATED, origin=EntryOrigin.CRITERIA)
            for o in orgs
        ],
        batch_size=2000,
    )


def draft_plan(orgs, year: int, alice):
    """alice's draft, through the services: six rules, two per method; coefficients in bulk."""
    from registry.models import Industry
    from trading.models import IncentiveAdjustment
    from trading.services import plans

    plan = plans.plan_create(
        actor=alice,
        year=year,
        cap_t=Decimal(10) ** 12,
        reserve_t=Decimal(10) ** 9,
        surrender_deadline=date(year + 1, 6, 30),
        offset_limit_pct=Decimal(5),
        offset_basis="allocation",
        eligible_offsets=["ccer"],
    )
    for code, method in RULES.items():
        extra = (
            {"benchmark_t_per_unit": Decimal("0.85"), "product_unit": "t"}
            if method == "benchmark"
            else {"base_years": [year - 3, year - 2], "product_unit": "t" if method == "intensity" else ""}
        )
        plans.rule_set(
            actor=alice,
            plan=plan,
            industry=Industry.objects.get(code=code),
            method=method,
            factor=Decimal("0.97"),
            paid_share_pct=Decimal(5),
            **extra,
        )
    IncentiveAdjustment.objects.bulk_create(
        [
            IncentiveAdjustment(
                plan=plan, organisation=o, coefficient=Decimal("1.02") if i % 2 else Decimal("0.98"), reason="bench"
            )
            for i, o in enumerate(orgs[::25])
        ]
    )
    return plan


# -- the measurements --


def _statements(captured) -> Counter:
    return Counter(q["sql"].lstrip().split(None, 1)[0].upper() for q in captured)


def timed_compute(run) -> dict:
    """run_compute of the run's job, timed, with its statements counted by kind."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trading.choices import RunStatus
    from trading.services.runs import run_compute

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        run_compute(job_id=run.job_id)
        seconds = time.perf_counter() - started
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, (run.status, run.message)
    return {"seconds": seconds, "kinds": _statements(ctx.captured_queries)}


def start(alice, plan, *, what_if: bool):
    from carbon_portal import jobs
    from trading.services.runs import run_start

    # The job is computed below, in this process and timed, not sent to Celery after commit.
    with mock.patch.object(jobs, "job_send", lambda job_id: True):
        return run_start(actor=alice, plan=plan, what_if=what_if)


def row(label: str, n: int, result: dict) -> dict:
    kinds = result["kinds"]
    reads, writes, total = kinds["SELECT"], kinds["INSERT"] + kinds["UPDATE"] + kinds["DELETE"], kinds.total()
    text = (
        f"{label:<18} {n:>6,} units {result['seconds']:6.2f} s {n / result['seconds']:7,.0f} units/s   "
        f"{total:>3} statements = {reads:>2} reads + {writes:>3} writes (INSERT {kinds['INSERT']}, "
        f"UPDATE {kinds['UPDATE']}, DELETE {kinds['DELETE']}) + {total - reads - writes} BEGIN/COMMIT;  "
        f"{total / n:.4f} per unit"
    )
    return {"label": label, "reads": reads, "seconds": result["seconds"], "text": text}


def insert_only(run) -> float:
    """The floor: writing the same rows with bulk_create, chunk by chunk, and nothing else."""
    from django.db import transaction

    from trading.choices import RunStatus
    from trading.models import AllocationRun, UnitAllocation
    from trading.services.runs import CHUNK

    copy = AllocationRun.objects.create(
        plan=run.plan, is_what_if=True, status=RunStatus.FAILED, created_by=run.created_by
    )
    fields = ("organisation_id", "industry_id", "method", "inputs", "coefficient", "total_t", "free_t", "paid_t")
    fields += ("problem",)
    rows = [
        UnitAllocation(run_id=copy.pk, **dict(zip(fields, values, strict=True)))
        for values in run.allocations.order_by("organisation_id").values_list(*fields)
    ]
    started = time.perf_counter()
    for i in range(0, len(rows), CHUNK):
        with transaction.atomic():
            UnitAllocation.objects.bulk_create(rows[i : i + CHUNK])
    seconds = time.perf_counter() - started
    copy.allocations.all().delete()
    copy.delete()
    return seconds


def measure(n: int, year: int, alice, bob) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trading.models import UnitAllocation
    from trading.services import plans
    from trading.services.runs import run_adopt

    started = time.perf_counter()
    orgs = units(n, year, alice, bob)
    published_list(orgs, year, alice, bob)
    plan = draft_plan(orgs, year, alice)
    print(f"{n:,} units, their data, list and draft plan for {year} written in {time.perf_counter() - started:.1f} s")

    what_if = start(alice, plan, what_if=True)
    rows = [row("what-if run", n, timed_compute(what_if))]
    problems = UnitAllocation.objects.filter(run=what_if).exclude(problem="").count()

    plans.plan_submit(actor=alice, plan=plan)
    plan = plans.plan_approve(actor=bob, plan=plan)
    final = start(alice, plan, what_if=False)
    computed = timed_compute(final)
    with CaptureQueriesContext(connection) as ctx:
        began = time.perf_counter()
        run_adopt(actor=alice, run=final)
        adopt_s = time.perf_counter() - began
    kinds = computed["kinds"] + _statements(ctx.captured_queries)
    rows.append(row("final run", n, computed))
    rows.append(row("final run + adopt", n, {"seconds": computed["seconds"] + adopt_s, "kinds": kinds}))
    floor_s = insert_only(final)
    for r in rows:
        r["text"] += f";  {r['seconds'] / floor_s:.1f} x the bare insert"
    final.refresh_from_db()
    print(
        f"  {final.units:,} units allocated {final.total_t:,} t; {problems} without the output their rule needs "
        f"(one benchmark unit in 100, on purpose); adopting took {adopt_s * 1000:.0f} ms"
    )
    return rows


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-allocation-"))
    created = None
    try:
        url, created = pick_database(args, tmp)
        setup(tmp, url)
        from django.db import connection

        from trading.services.runs import CHUNK

        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        alice, bob = bureau()
        rows = []
        for n in sorted({args.small, args.units}):
            rows += measure(n, free_year(), alice, bob)
        print()
        for r in rows:
            print(r["text"])
        reads = {(r["label"], r["reads"]) for r in rows}
        same = len(reads) == len({r["label"] for r in rows})
        print(
            f"reads the same at every size: {'yes' if same else 'NO'}; writes grow with the chunks of {CHUNK} units "
            "only: an INSERT (SQLite splits it into batches) and a progress UPDATE per chunk"
        )
        assert same, sorted(reads)
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()  # or DROP DATABASE waits for this process's connection
        if args.keep:
            print(f"kept {tmp}" + (f" and database {created}" if created else ""))
        else:
            if created:
                _admin(f'DROP DATABASE IF EXISTS "{created}"')
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
