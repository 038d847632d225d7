"""Benchmark: transfers through the ledger, against pgbench, and verifying the chain.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carbon_bench_ledger .venv/bin/python bench/ledger.py
    .venv/bin/python bench/ledger.py --help     # --clients, --seconds, --accounts, --keep-pgbench

PostgreSQL only: DATABASE_URL must name a scratch database (its name must contain "bench" or
"scratch": the ledger is append-only, so what this writes stays there). The script migrates it,
opens `--accounts` holding accounts each with its own staff member, and issues 1,000,000 t to
each. Then, on the same machine, with the same number of clients:

1. transfers: `--clients` threads (each its own connection) call trading.services.acts.transfer
   between random pairs of those accounts for `--seconds` seconds, first with one client, then
   with `--clients`; it prints transfers per second, p50/p95 latency and refusals;
2. pgbench: `pgbench -i -s 1` into its own scratch database (`<name>_pgbench`, created and dropped
   here), then `pgbench -c C -j C -T seconds -n`, tpcb-like, with 1 and `--clients` clients;
   it prints the TPS and the ratio of transfers per second to it;
3. the chain: verify_chain over every transaction in the database, in entries per second, and
   holdings_mismatches over every holding.
"""

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

ISSUED_T = 1_000_000


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (threads; pgbench -c/-j)")
    parser.add_argument("--seconds", type=int, default=15, help="length of each timed run")
    parser.add_argument("--accounts", type=int, default=200, help="holding accounts transferring between them")
    parser.add_argument("--keep-pgbench", action="store_true", help="keep pgbench's scratch database")
    return parser.parse_args()


def scratch_url() -> tuple[str, dict]:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"} or not name:
        sys.exit(
            "DATABASE_URL must point to a scratch PostgreSQL database, e.g. postgres://...:5432/carbon_bench_ledger"
        )
    if "bench" not in name and "scratch" not in name:
        sys.exit(f"refusing to write an append-only ledger into {name!r}: use a database named *bench* or *scratch*")
    libpq = {
        "PGHOST": parsed.hostname or "127.0.0.1",
        "PGPORT": str(parsed.port or 5432),
        "PGUSER": unquote(parsed.username or "postgres"),
    }
    if parsed.password:
        libpq["PGPASSWORD"] = unquote(parsed.password)
    return name, libpq


def setup(tmp: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="carbon_portal.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECURE="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        CELERY_BROKER_URL="",
        PORTAL_PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _uscc() -> str:
    from stdnum.cn import uscc as uscc_std

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91310115" + "".join(secrets.choice(alphabet) for _ in range(9))
    return body + uscc_std.calc_check_digit(body)


def world(accounts: int):
    """A bureau user, `accounts` units each with a staff member and an account holding 1,000,000 t."""
    from carbon_portal.models import User
    from carbon_portal.roles import Role
    from registry.choices import District, OrganisationType
    from registry.models import Industry, Membership, Organisation
    from trading.services.accounts import account_open, allowance
    from trading.services.acts import issue

    run = secrets.token_hex(4)
    bureau_org = Organisation.objects.create(
        uscc=_uscc(), name_zh=f"生态环境局 {run}", org_type=OrganisationType.BUREAU, district=District.HUANGPU
    )
    bureau = User.objects.create_user(email=f"bench-bureau-{run}@example.cn")
    Membership.objects.create(user=bureau, organisation=bureau_org, role=Role.BUREAU_STAFF)
    shea = allowance(2026)
    industry = Industry.objects.get(code="C26")
    holders = []
    for n in range(accounts):
        org = Organisation.objects.create(
            uscc=_uscc(),
            name_zh=f"上海基准测试化工有限公司{run}-{n}",
            org_type=OrganisationType.ENTERPRISE,
            industry=industry,
            district=District.JINSHAN,
            address="金山区",
        )
        staff = User.objects.create_user(email=f"bench-{run}-{n}@example.cn")
        Membership.objects.create(user=staff, organisation=org, role=Role.UNIT_STAFF)
        account = account_open(actor=bureau, organisation=org)
        issue(actor=bureau, to_account=account, instrument=shea, quantity_t=ISSUED_T, idempotency_key=f"{run}-{n}")
        holders.append((staff, account))
    return shea, holders


def transfers(shea, holders, clients: int, seconds: int) -> dict:
    """`clients` threads transferring between random pairs of accounts for `seconds` seconds."""
    import random

    from django.core.exceptions import ValidationError
    from django.db import connections

    from trading.services.acts import transfer

    latencies: list[float] = []
    refused: list[str] = []
    failures: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def work(n: int) -> None:
        rng = random.Random(n)
        mine: list[float] = []
        try:
            start.wait()
            while time.perf_counter() < deadline[0]:
                (staff, source), (_, target) = rng.sample(holders, 2)
                began = time.perf_counter()
                try:
                    transfer(
                        actor=staff,
                        from_account=source,
                        to_account=target,
                        instrument=shea,
                        quantity_t=rng.randint(1, 10),
                        idempotency_key=uuid.uuid4().hex,
                    )
                    mine.append(time.perf_counter() - began)
                except ValidationError as exc:
                    refused.append(getattr(exc, "code", "") or str(exc))
        except Exception as exc:  # counted and printed
            failures.append(repr(exc))
        finally:
            latencies.extend(mine)
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "tps": len(latencies) / elapsed,
        "done": len(latencies),
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p95": latencies[int(len(latencies) * 0.95)] if latencies else 0.0,
        "refused": len(refused),
        "failures": failures,
    }


def pgbench(db: str, libpq: dict, clients: int, seconds: int) -> float:
    env = {**os.environ, **libpq}
    out = subprocess.run(  # noqa: S603
        ["pgbench", "-c", str(clients), "-j", str(clients), "-T", str(seconds), "-n", db],  # noqa: S607
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if not match:
        sys.exit(f"could not read pgbench's TPS from:\n{out}")
    return float(match.group(1))


def psql(sql: str, libpq: dict) -> None:
    subprocess.run(  # noqa: S603
        ["psql", "-X", "-q", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],  # noqa: S607
        env={**os.environ, **libpq},
        check=True,
        capture_output=True,
    )


def main() -> None:
    args = parse_args()
    name, libpq = scratch_url()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    pgbench_db = f"{name}_pgbench"
    try:
        setup(tmp)
        from django.db import connections

        from trading.models import Holding, LedgerEntry, LedgerTransaction
        from trading.selectors.chain import holdings_mismatches, verify_chain

        started = time.perf_counter()
        shea, holders = world(args.accounts)
        connections.close_all()
        print(f"{args.accounts} accounts opened and funded in {time.perf_counter() - started:.1f} s")

        psql(f'DROP DATABASE IF EXISTS "{pgbench_db}"', libpq)
        psql(f'CREATE DATABASE "{pgbench_db}"', libpq)
        subprocess.run(  # noqa: S603
            ["pgbench", "-i", "-s", "1", "-q", pgbench_db],  # noqa: S607
            env={**os.environ, **libpq},
            check=True,
            capture_output=True,
        )

        results = {}
        for clients in sorted({1, args.clients}):
            ledger = transfers(shea, holders, clients, args.seconds)
            tpcb = pgbench(pgbench_db, libpq, clients, args.seconds)
            results[clients] = (ledger, tpcb)
            print(
                f"{clients} client(s): transfers {ledger['tps']:7.1f}/s "
                f"(p50 {ledger['p50'] * 1000:.1f} ms, p95 {ledger['p95'] * 1000:.1f} ms, {ledger['done']} done, "
                f"{ledger['refused']} refused, {len(ledger['failures'])} failed)  "
                f"pgbench tpcb-like {tpcb:7.1f} TPS  ratio {ledger['tps'] / tpcb:.3f}"
            )
            for failure in ledger["failures"][:5]:
                print(f"  failure: {failure}")
        if args.clients > 1:
            one, many = results[1], results[args.clients]
            print(
                f"scaling 1 -> {args.clients} clients: transfers x{many[0]['tps'] / one[0]['tps']:.2f}, "
                f"pgbench x{many[1] / one[1]:.2f}"
            )

        transactions, entries = LedgerTransaction.objects.count(), LedgerEntry.objects.count()
        started = time.perf_counter()
        check = verify_chain()
        verify_s = time.perf_counter() - started
        print(
            f"verify_chain: {check.checked} transactions, {entries} entries in {verify_s:.2f} s: "
            f"{entries / verify_s:,.0f} entries/s, {check.checked / verify_s:,.0f} transactions/s, "
            f"ok={check.ok}"
        )
        assert check.ok and check.checked == transactions, check.problems[:5]
        started = time.perf_counter()
        mismatches = holdings_mismatches()
        print(
            f"holdings_mismatches: {Holding.objects.count()} holdings in {time.perf_counter() - started:.2f} s, "
            f"{len(mismatches)} mismatches"
        )
        assert not mismatches, mismatches[:5]
    finally:
        if not args.keep_pgbench:
            try:
                psql(f'DROP DATABASE IF EXISTS "{pgbench_db}"', libpq)
            except subprocess.CalledProcessError as exc:
                print(f"could not drop {pgbench_db}: {exc}")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
