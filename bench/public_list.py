"""Benchmark: the public list page against /health/ on a published list of 10,000 units.

    .venv/bin/python bench/public_list.py [--requests 400] [--threads 4] [--units 10000] [--keep]

Builds a throw-away SQLite database in a temporary directory (or uses DATABASE_URL, which must
then be a scratch database), serves the portal with gunicorn (2 workers) on 127.0.0.1 only,
and measures requests per second for /health/ (one query: the baseline), page 1 of the list,
a filtered search, and the time of a full CSV and XLSX download. It prints each figure and the
ratio page/health, which is what to compare between machines. The server is always stopped.

Settings: carbon_portal.settings with DEBUG off, as in production, through a two-line module
in the temporary directory that only points STATIC_ROOT there (settings.py reads no variable
for it), so collectstatic never writes into the checkout.
"""

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
YEAR = 2026
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per measured URL")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--units", type=int, default=10_000, help="units on the published list")
    parser.add_argument("--downloads", type=int, default=3, help="timed downloads per format")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def environment(tmp: Path) -> dict[str, str]:
    # Same manifest lookups for {% static %} as production; whitenoise's gzip/brotli copies are
    # left out because no static file is requested, and they were most of the setup time.
    (tmp / "bench_settings.py").write_text(
        "from carbon_portal.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(tmp / 'static')!r}\n"
        'STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}\n'
    )
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(tmp), str(BASE_DIR)]),
        DJANGO_DEBUG="false",
        DJANGO_SECURE="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        CELERY_BROKER_URL="",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    return env


def manage(env, *args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603 (fixed argv)


def uscc(i: int) -> str:
    from stdnum.cn import uscc as uscc_std

    digits = ""
    for _ in range(9):
        i, r = divmod(i, len(_ALPHABET))
        digits = _ALPHABET[r] + digits
    body = "91310115" + digits
    return body + uscc_std.calc_check_digit(body)


def build(units: int) -> bool:
    """One published list with `units` entries, written with bulk_create. False if it existed."""
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from carbon_portal.models import User
    from registry.choices import District, EntryCategory, EntryOrigin, ListStatus
    from registry.models import Industry, ListEntry, Organisation, RegulatedList
    from registry.selectors import criteria_in_force

    if RegulatedList.objects.filter(year=YEAR).exists():
        connection.close()
        return False
    criteria = criteria_in_force(YEAR)
    industries = [i for i in Industry.objects.order_by("code") if i.group_id in criteria]
    districts = District.values
    with transaction.atomic():
        user = User.objects.create_user(email="bench@example.cn", password=None)
        rl = RegulatedList.objects.create(
            year=YEAR,
            status=ListStatus.PUBLISHED,
            basis_from_year=YEAR - 2,
            basis_to_year=YEAR - 1,
            compiled_by=user,
            approved_by=user,
            published_at=timezone.now(),
        )
        orgs = Organisation.objects.bulk_create(
            (
                Organisation(
                    uscc=uscc(i),
                    name_zh=f"上海示例{industries[i % len(industries)].name_zh}有限公司{i:05d}",
                    name_en=f"Shanghai Example {industries[i % len(industries)].name_en} Co. {i:05d}",
                    org_type="enterprise",
                    industry=industries[i % len(industries)],
                    district=districts[i % len(districts)],
                )
                for i in range(units)
            ),
            batch_size=1000,
        )
        entries = []
        for i, org in enumerate(orgs):
            criterion = criteria[org.industry.group_id]
            regulated = i % 3 != 0
            low = criterion.regulated_threshold_tco2e if regulated else criterion.reporting_threshold_tco2e
            entries.append(
                ListEntry(
                    regulated_list=rl,
                    organisation=org,
                    category=EntryCategory.REGULATED if regulated else EntryCategory.REPORTING,
                    origin=EntryOrigin.CRITERIA,
                    basis_emissions_tco2e=low + Decimal(i % 997) + Decimal("0.125"),
                    basis_year=YEAR - 1,
                    criterion=criterion,
                )
            )
        ListEntry.objects.bulk_create(entries, batch_size=1000)
    connection.close()  # the file is the server's from now on
    return True


def get(port: int, path: str) -> tuple[int, int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        size = len(response.read())
        return response.status, size, time.perf_counter() - start
    finally:
        conn.close()


def wait_until_up(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if get(port, "/health/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer /health/ within {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def measure(port: int, path: str, requests: int, threads: int) -> dict:
    for _ in range(min(20, requests)):  # warm up both workers (imports, templates, caches)
        get(port, path)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        start = time.perf_counter()
        results = list(pool.map(lambda _: get(port, path), range(requests)))
        elapsed = time.perf_counter() - start
    bad = [status for status, _, _ in results if status != 200]
    if bad:
        sys.exit(f"{path}: {len(bad)} of {requests} answers were not 200 (first: {bad[0]})")
    latencies = sorted(t for _, _, t in results)
    return {
        "rps": requests / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "bytes": results[0][1],
    }


def time_download(port: int, path: str, times: int) -> dict:
    results = [get(port, path) for _ in range(times)]
    if any(status != 200 for status, _, _ in results):
        sys.exit(f"{path}: download failed")
    return {"seconds": statistics.median(t for _, _, t in results), "bytes": results[0][1]}


def serve(env: dict, tmp: Path) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = tmp / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            [str(BIN / "gunicorn"), "carbon_portal.wsgi", "-w", "2", "-b", f"{HOST}:{port}", "--timeout", "120"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, port, log


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: gunicorn's graceful shutdown stops its workers too
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-public-list-"))
    env = environment(tmp)
    proc = None
    try:
        t0 = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "createcachetable", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        t1 = time.perf_counter()
        os.environ.update({k: env[k] for k in env if k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "LOG_"))})
        sys.path[:0] = [str(tmp), str(BASE_DIR)]
        built = build(args.units)
        t2 = time.perf_counter()
        print(f"database: {env['DATABASE_URL']}")
        print(f"setup (migrate, cache table, collectstatic): {t1 - t0:.1f}s")
        print(f"data: {'built' if built else 'reused'} {args.units:,} units in {t2 - t1:.1f}s")

        proc, port, log = serve(env, tmp)
        wait_until_up(port, proc, log)
        print(f"gunicorn: 2 workers on {HOST}:{port}; client: {args.threads} threads, {args.requests} requests/URL")

        search = urlencode({"q": "数据中心", "category": "regulated"})
        urls = {
            "health": "/health/",
            "list page 1": f"/registry/lists/{YEAR}/",
            "list search": f"/registry/lists/{YEAR}/?{search}",
        }
        results = {name: measure(port, path, args.requests, args.threads) for name, path in urls.items()}
        health = results["health"]["rps"]
        for name, r in results.items():
            print(
                f"{name:<12} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms"
                f"   {r['bytes']:>8,} B   ratio to health {r['rps'] / health:.3f}"
            )
        print(f"RATIO list page 1 / health: {results['list page 1']['rps'] / health:.3f}")
        print(f"RATIO list search / health: {results['list search']['rps'] / health:.3f}")
        for fmt in ("csv", "xlsx"):
            d = time_download(port, f"/registry/lists/{YEAR}/download.{fmt}", args.downloads)
            print(
                f"download {fmt:<4} all {args.units:,} rows: {d['seconds']:.2f}s (median of {args.downloads})"
                f"   {d['bytes']:,} B"
            )
    finally:
        if proc is not None:
            stop(proc)
            print("gunicorn stopped")
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
