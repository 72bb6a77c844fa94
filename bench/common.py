"""Shared plumbing for benchmarks: a fresh database per run, timing and query counting.

A benchmark is ``bench/bench_<name>.py`` with ``DATABASES = ("sqlite", "pg")`` (the ones it runs on)
and ``def main(db: str) -> None`` that prints figures with ``figure()``. ``bench/run.py`` runs each in
its own process per database. Benchmarks print figures; they never pass or fail on time.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_NAME = os.environ.get("BENCH_PG_NAME", "dangjian_bench")


def setup(db: str, fresh: bool = True) -> None:
    """Point Django at a benchmark database (``sqlite`` or ``pg``), recreate it and migrate."""
    if db == "sqlite":
        path = Path(os.environ.get("BENCH_SQLITE_PATH", ROOT / "var" / "bench.sqlite3"))
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    elif db == "pg":
        import psycopg

        if fresh:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{PG_NAME}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/{PG_NAME}"
    else:
        raise ValueError(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def figure(label: str, value, unit: str = "") -> None:
    print(f"  {label:<58} {value}{(' ' + unit) if unit else ''}", flush=True)


def timed(fn: Callable[[], object], repeat: int = 5) -> tuple[float, int, object]:
    """Median wall time in ms and the query count of one call (queries counted on the last run)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # A full query log (over 9,000 queries, say after seed_demo) would make every count below 0.
    reset_queries()
    times = []
    result = None
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries, result


def page(user, path: str, repeat: int = 5) -> tuple[float, int, int]:
    """Server time (ms, median), query count and status of GET ``path`` as ``user``."""
    from django.test import Client, override_settings

    client = Client()
    client.force_login(user)
    # The page's own cost: the login policy (second factor, first-login password change) would
    # answer every request of a freshly made bench user with a 302 to its own pages.
    with override_settings(LOGIN_POLICY_ENFORCED=False):
        client.get(path)  # warm caches and the session
        ms, queries, response = timed(lambda: client.get(path), repeat)
    if response.status_code != 200:
        print(f"  !! {path} answered {response.status_code}: the figure above is not the page's", flush=True)
    return ms, queries, response.status_code


def cpu_clock() -> Callable[[], float]:
    """A clock of the CPU seconds spent on this process's work: its own (all threads) plus, on
    PostgreSQL, the server backend's that answers its queries, read from /proc (the bench's server
    runs on this machine). On a shared machine wall time charges a neighbour's minute to whichever
    side of a comparison it fell in; CPU time does not, and the backend's share keeps a query's cost
    in the figure of the side that runs it."""
    from django.db import connection

    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = f"/proc/{cursor.fetchone()[0]}/stat"
    tick = os.sysconf("SC_CLK_TCK")

    def backend_seconds() -> float:
        if backend is None:
            return 0.0
        try:
            with open(backend) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # another machine's server, or the connection was replaced
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    return lambda: time.process_time() + backend_seconds()


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> float | None:
    """Linux: set this process's peak RSS (VmHWM) back to its RSS now, and return that RSS in MB; so
    ``own_peak_rss_mb()`` then measures one phase, not the process's whole past (ru_maxrss cannot be
    reset). None where /proc is not there."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return None
    return _status_mb("VmRSS")


def own_peak_rss_mb() -> float | None:
    """Linux: this process's peak RSS since it started or since ``reset_peak_rss`` (VmHWM), or None."""
    return _status_mb("VmHWM")


# Run a script (argv[1:]) and print its own peak RSS on stderr as it exits. A child's ru_maxrss
# (RUSAGE_CHILDREN) starts at its parent's peak: Linux keeps the peak of the memory the child had
# before exec, which after vfork is the parent's, so a bench that held 360 MB saw every command it
# ran "peak" at 360 MB. VmHWM is the child's own memory's.
PEAK_REPORTING = """
import atexit, runpy, sys
def report():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                sys.stderr.write("PEAK_RSS_KB " + line.split()[1] + "\\n")
    except OSError:
        pass
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def reported_peak_rss_mb(stderr: str) -> float | None:
    """The peak RSS a ``PEAK_REPORTING`` child printed, in MB."""
    for line in reversed(stderr.splitlines()):
        if line.startswith("PEAK_RSS_KB "):
            return int(line.split()[1]) / 1024
    return None
