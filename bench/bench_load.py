"""Load: 50 demo personas (locust) against gunicorn on loopback, with the worker beside it, on a seeded
PostgreSQL database — and Redis for the cache and the job queue when it is reachable, as in production.

Prints requests/s, p50 and p99 per page and overall, the errors (any answer but the page's own 200), the
server's logged errors and the load average beside them, and each page's p50 beside its reference
measured in the same run (one user alone, back to back): the machine is shared, so absolute figures are
only comparable within one run's context.

BENCH_LOAD_TIME=30s python bench/run.py load   # a quick run (default 2m)
BENCH_LOAD_REUSE=1 ...                          # keep an already seeded database (seeding takes minutes)
BENCH_LOAD_USERS / BENCH_LOAD_SPAWN / BENCH_LOAD_WORKERS   # 50 users, 10/s, 3 gunicorn workers
BENCH_LOAD_BASELINE_TIME=30s                    # the one-user reference run
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common import PG_ADMIN_URL, ROOT, figure

DATABASES = ("pg",)
PG_NAME = os.environ.get("BENCH_LOAD_PG_NAME", "bench_load")
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
BIN = Path(sys.executable).parent
# One user alone before the load (its p50 is the reference each page's p50 under load is set against).
BASELINE = os.environ.get("BENCH_LOAD_BASELINE_TIME", "30s")
PERSONAS = ["admin", "liaison1", "jizhuang", "sanhai", "auditor", "dangyuan"]
TOKENS_SCRIPT = """
import json
from dangjian.accounts.models import User
from dangjian.accounts.services import issue_token
from dangjian.core.actors import SYSTEM
print(json.dumps({u: issue_token(actor=SYSTEM, user=User.objects.get(username=u), name="bench load", days=1)
                  for u in %r}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return done.stdout if capture else ""


def _database(env: dict) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if exists and os.environ.get("BENCH_LOAD_REUSE"):
            figure("database", f"{PG_NAME} (reused, seeded earlier)")
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    start = time.perf_counter()
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_demo", "-v", "0")
    figure("database", f"{PG_NAME}, migrated and seeded in {time.perf_counter() - start:.0f} s")


def _redis_reachable() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.flushdb()  # our own database number: a clean queue and cache
        return True
    except Exception:
        return False


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds while the test runs (the machine is shared)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(5):
            self.samples.append(os.getloadavg()[0])


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited at start") from None
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def main(db: str) -> None:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{base}/{PG_NAME}",
        # As `make run`: demo logins skip the second factor; plain http on loopback.
        "DANGJIAN_DEMO": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DANGJIAN_DEFAULT_YEAR": "2023",
    }
    env.pop("DANGJIAN_TEST_DB", None)
    _database(env)
    if _redis_reachable():
        env.update(REDIS_URL=REDIS_URL, DANGJIAN_TASKS="rq")
        figure("cache, job queue", f"Redis {REDIS_URL} (RQ)")
    else:
        env.update(DANGJIAN_TASKS="db")
        env.pop("REDIS_URL", None)
        figure("cache, job queue", "local memory, database queue (Redis not reachable)")
    tokens = json.loads(
        _manage(env, "shell", "-c", TOKENS_SCRIPT % (PERSONAS,), capture=True).splitlines()[-1]
    )

    users = os.environ.get("BENCH_LOAD_USERS", "50")
    spawn = os.environ.get("BENCH_LOAD_SPAWN", "10")
    duration = os.environ.get("BENCH_LOAD_TIME", "2m")
    workers = os.environ.get("BENCH_LOAD_WORKERS", "3")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "tokens.json").write_text(json.dumps(tokens))
        server_log = tmpdir / "gunicorn.log"
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmpdir / "worker.log").open("w"),
        )
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", workers],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log.open("w"),
        )
        sampler = LoadSampler()

        def locust(n: str, rate: str, run_time: str, samples: str, **extra: str) -> None:
            subprocess.run(
                [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
                + ["-u", n, "-r", rate, "-t", run_time, "--host", url, "--only-summary"]
                + ["--loglevel", "WARNING"],
                cwd=ROOT,
                env={
                    **env,
                    "BENCH_LOAD_TOKENS": str(tmpdir / "tokens.json"),
                    "BENCH_LOAD_SAMPLES": str(tmpdir / samples),
                    **extra,
                },
                stdout=(tmpdir / "locust.log").open("a"),
                stderr=subprocess.STDOUT,
                check=False,  # it exits 1 on any failure; the figures below say which
            )

        try:
            _wait_healthy(url, server)
            # The reference, in the same run: one user alone reading the same pages back to back.
            locust("1", "1", BASELINE, "alone.csv", BENCH_LOAD_WAIT_MIN="0", BENCH_LOAD_WAIT_MAX="0")
            before = os.getloadavg()
            sampler.start()
            started = time.perf_counter()
            locust(users, spawn, duration, "samples.csv")
            elapsed = time.perf_counter() - started
        finally:
            sampler.stop.set()
            _stop(server)
            _stop(worker)
        after = os.getloadavg()
        _report(tmpdir, users, workers, duration, elapsed, before, after, sampler.samples)
        server_errors = [
            line for line in server_log.read_text(errors="replace").splitlines() if "Traceback" in line
        ]
        figure("server tracebacks logged", len(server_errors))


# Once per user while spawning: the login form, the login (Argon2 on purpose) and the member's redirect.
SETUP = ("login page", "login", "home redirect")


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _read(path: Path) -> list[tuple[float, str, float, str]]:
    if not path.exists():
        return []
    with path.open() as fh:
        return [(float(at), name, float(ms), error) for at, name, ms, error in csv.reader(fh)]


def _line(label: str, rows, seconds: float | None, alone=None) -> None:
    times = sorted(ms for _, _, ms, _ in rows)
    errors = sum(1 for *_, error in rows if error)
    rate = f"{len(rows) / seconds:6.1f} req/s" if seconds else " " * 12
    p50 = _percentile(times, 0.5)
    reference = ""
    if alone:
        alone_p50 = _percentile(sorted(ms for _, _, ms, _ in alone), 0.5)
        reference = f"   alone p50 {alone_p50:4.0f} ms ({p50 / max(alone_p50, 1):.1f}×)"
    figure(
        f"{label} ({len(rows)} requests)",
        f"{rate}   p50 {p50:5.0f} ms   p99 {_percentile(times, 0.99):6.0f} ms   errors {errors}{reference}",
    )


def _report(tmpdir: Path, users, workers, duration, elapsed, before, after, samples) -> None:
    figure("load", f"{users} users, gunicorn {workers} sync workers + 1 worker, {duration} ({elapsed:.0f} s)")
    rows = _read(tmpdir / "samples.csv")
    alone = [r for r in _read(tmpdir / "alone.csv") if r[1] not in SETUP]
    figure("reference", f"one user alone, no wait, {BASELINE} before the load ({len(alone)} requests)")
    # A user's first roster (its person links) counts among the rosters: a page read like any other.
    pages = [r for r in rows if r[1] not in SETUP]
    logins = [r for r in rows if r[1] == "login"]
    seconds = (max(r[0] for r in rows) - min(r[0] for r in rows)) if rows else 1.0
    for name in sorted({r[1] for r in pages}):
        _line(name, [r for r in pages if r[1] == name], seconds, [r for r in alone if r[1] == name])
    _line("overall (pages)", pages, seconds, alone)
    _line("logins (Argon2, while spawning)", logins, None)
    failed = {}
    for _, name, _, error in rows:
        if error:
            failed[(name, error)] = failed.get((name, error), 0) + 1
    for (name, error), count in sorted(failed.items())[:10]:
        print(f"  !! {name}: {error} ×{count}", flush=True)
    mean = sum(samples) / len(samples) if samples else after[0]
    figure(
        "load average (1 min) before · during mean/max · after",
        f"{before[0]:.2f} · {mean:.2f}/{max(samples, default=after[0]):.2f} · {after[0]:.2f}",
        f"on {os.cpu_count()} cores",
    )


if __name__ == "__main__":
    main(sys.argv[1])
