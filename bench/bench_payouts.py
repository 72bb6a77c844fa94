"""Counter payments per second with 20 concurrent clients on PostgreSQL (goal: at least 200 a second,
never a double payment), and the reconciliation of a 100,000-line programme.

The counter is driven as tablets drive it: 20 concurrent HTTP clients POST to the API's pay endpoint
(``/api/v1/payouts/entitlements/{id}/pay`` with a bearer token, an ``Idempotency-Key`` and the
signature), served by gunicorn exactly as ``make run`` serves it (``--workers $WORKERS``, default 3,
sync workers; DEBUG off). The view calls ``pay_with_key``: lock the line, check the key, insert the
payment and the stored answer, one audit entry. Half the clients tap lines the others are also
paying, so the once-only rule is exercised under load. The signature is what the counter page's pad
sends from a tablet: a 1400×440 transparent PNG with two strokes (the 220-pixel-high pad at a
device-pixel ratio of 2).

Beside it, the reference: the same clients, server and endpoint, each POST carrying the same body
but no key, so it is authenticated, scoped and refused before paying — the ceiling of the stack on
the machine at that moment, which the payments figure is read against (the machine may be shared).
The CPU one payment costs (the server's workers and their PostgreSQL backends, read from /proc) is
printed too, and the reference POST's, and the load generator's (it runs on the same cores): they
depend far less than the rates on what else the machine runs, so compare those between runs. Sizes:
BENCH_PAYOUT_LINES (reconciliation, default 100000), BENCH_COUNTER_LINES (default 2000; each line
is tapped by two clients in each run), BENCH_CLIENTS (20), WORKERS (gunicorn's, default 3 as in the
Makefile).
"""

DATABASES = ("pg",)

import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PG_NAME, ROOT, figure, setup, timed  # noqa: E402

LINES = int(os.environ.get("BENCH_PAYOUT_LINES", "100000"))
COUNTER_LINES = int(os.environ.get("BENCH_COUNTER_LINES", "2000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
WORKERS = int(os.environ.get("WORKERS", "3"))


def _png() -> str:
    """A signature as the counter page's pad sends it (base64 PNG, transparent, black strokes)."""
    import base64
    import io

    from PIL import Image, ImageDraw

    width, height = 1400, 440
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    first = [(80 + i * 6, height / 2 + 120 * math.sin(i / 9) * math.cos(i / 23)) for i in range(200)]
    second = [(300 + i * 4, height / 2 + 90 * math.cos(i / 5)) for i in range(150)]
    draw.line(first, fill=(0, 0, 0, 255), width=5, joint="curve")
    draw.line(second, fill=(0, 0, 0, 255), width=4, joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _world(n: int, name: str):
    """A zone, three signers, a cashier and an approved programme of ``n`` lines (bulk inserted)."""
    from django.db import transaction

    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.accounts.services import ensure_default_roles
    from dangjian.core.actors import SYSTEM
    from dangjian.core.pii import blind_index
    from dangjian.orgs.models import Kind, Level, Org
    from dangjian.payouts import services
    from dangjian.payouts.models import Entitlement, Rule
    from dangjian.people.models import Person

    with transaction.atomic():
        ensure_default_roles(actor=SYSTEM)
        zone = Org.objects.filter(code="BZ").first() or Org.objects.add_root(
            instance=Org(code="BZ", name="基准区党工委", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
        )
        staff = Role.objects.get(identifier="staff")
        users = []
        for username in ("b-prep", "b-verify", "b-approve", "b-cashier"):
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password="x", display_name=username)
                role = Role.objects.get(identifier="zone_admin") if username == "b-approve" else staff
                RoleAssignment.objects.create(user=user, role=role, org=zone, subtree=True)
            users.append(user)
        programme = services.create_programme(
            actor=SYSTEM, org=zone, name=name, kind="reward", year=2023, rule=Rule.LISTED
        )
        start = Person.objects.count()
        Person.objects.bulk_create(
            [
                Person(
                    org=zone,
                    name=f"受益人{start + i}",
                    id_number=f"X{start + i:017d}",
                    id_index=blind_index("id", f"X{start + i:017d}"),
                )
                for i in range(n)
            ],
            batch_size=5000,
        )
        persons = Person.objects.filter(org=zone).order_by("-pk").values_list("pk", "name", "id_number")[:n]
        Entitlement.objects.bulk_create(
            [
                Entitlement(
                    programme=programme,
                    person_id=pk,
                    line_no=i,
                    name=nm,
                    id_number=num,
                    amount_fen=100_00 + i % 97,
                )
                for i, (pk, nm, num) in enumerate(persons, start=1)
            ],
            batch_size=5000,
        )
    # The sign-off goes through the service: three people, totals taken at approval.
    for user in users[:3]:
        with transaction.atomic():
            programme = services.advance_list(actor=user, programme=programme)
    return programme, users[3]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a local process, from /proc; 0 where unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pids(master: int) -> dict[str, set[int]]:
    """gunicorn's workers, and the PostgreSQL backends serving the benchmark's database."""
    found: dict[str, set[int]] = {"app": set(), "db": set()}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                title = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ppid == master:
            found["app"].add(int(entry))
        elif title.startswith("postgres: ") and f" {PG_NAME} " in title:
            found["db"].add(int(entry))
    return found


class CpuMeter:
    """CPU used by the server's workers and their database backends while it runs. Sampled twice a
    second, so a backend that ends (a worker's connection reaching its age) still counts."""

    def __init__(self, master: int):
        self.master = master
        self.start = {pid: _cpu_seconds(pid) for pids in _server_pids(master).values() for pid in pids}
        self.last: dict[str, dict[int, float]] = {"app": {}, "db": {}}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while True:
            for kind, pids in _server_pids(self.master).items():
                for pid in pids:
                    self.last[kind][pid] = _cpu_seconds(pid) or self.last[kind].get(pid, 0.0)
            if self.stop.wait(0.5):
                return

    def finish(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join()
        self._sample()
        return {
            kind: sum(max(0.0, cpu - self.start.get(pid, 0.0)) for pid, cpu in seen.items())
            for kind, seen in self.last.items()
        }


def _serve(log):
    """gunicorn as ``make run`` starts it (its workers, demo settings, DEBUG off) on a free port; its
    log goes to the file ``log`` (a pipe nobody reads would fill and stop every worker mid-request)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DANGJIAN_DEMO": "1", "DJANGO_DEBUG": "0", "DJANGO_SECURE_COOKIES": "0"}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        [*command, "--workers", str(WORKERS)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    for _ in range(300):
        try:
            if _request(port, "GET", "/healthz", b"", {})[0] == 200:
                return proc, port
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode(errors="replace")) from None
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not answer /healthz")


def _request(port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    """One HTTP/1.1 request on its own connection (gunicorn's sync workers close it after each answer
    anyway), written and read on a bare socket: the load generator shares the server's cores, and
    http.client's header parsing cost it more CPU than a refused request costs the server."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n{head}\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    header, _, answer = b"".join(chunks).partition(b"\r\n\r\n")
    lines = header.split(b"\r\n")
    if len(lines[0].split(b" ")) < 2:
        raise OSError(f"no HTTP answer: {header[:100]!r}")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    if fields.get(b"transfer-encoding") == b"chunked":
        answer = _dechunk(answer)
    elif b"content-length" in fields:
        answer = answer[: int(fields[b"content-length"])]
    return int(lines[0].split(b" ")[1]), answer


def _dechunk(data: bytes) -> bytes:
    out, pos = [], 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2


def _storm(port: int, ids: list[int], token: str, body: bytes, keyed: bool) -> tuple[float, dict]:
    """CLIENTS threads POSTing; client c takes every line ≡ c (mod CLIENTS/2), so two race for each."""
    counts = {"paid": 0, "refused": 0, "errors": 0}
    samples: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(c: int) -> None:
        mine = ids[c % (CLIENTS // 2) :: CLIENTS // 2]
        tally = {"paid": 0, "refused": 0, "errors": 0}
        barrier.wait()
        for pk in mine:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            if keyed:
                headers["Idempotency-Key"] = f"c{c}-{pk}"
            try:
                status, answer = _request(
                    port, "POST", f"/api/v1/payouts/entitlements/{pk}/pay", body, headers
                )
            except OSError as exc:
                status, answer = 0, str(exc).encode()
            code = json.loads(answer).get("code") if status in (400, 409) else None
            if status == 201 or (not keyed and code == "idempotency_key_required"):
                tally["paid"] += 1
            elif status == 409 and code == "already_paid":
                tally["refused"] += 1
            else:
                tally["errors"] += 1
                with lock:
                    samples.append(f"{status} {answer[:200]!r}")
        with lock:
            for k, v in tally.items():
                counts[k] += v

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for sample in samples[:3]:
        print(f"  !! {sample}", flush=True)
    return elapsed, counts


def bench_counter() -> None:
    from django.db import connections, transaction
    from django.db.models import Count

    from dangjian.accounts.services import issue_token
    from dangjian.core.actors import SYSTEM
    from dangjian.payouts.models import Payment

    programme, cashier = _world(COUNTER_LINES, "柜台压测")
    with transaction.atomic():
        token = issue_token(actor=SYSTEM, user=cashier)
    ids = list(programme.entitlements.order_by("line_no").values_list("pk", flat=True))
    body = json.dumps({"method": "counter", "signature_png": _png()}).encode()
    connections.close_all()
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as log:
        server, port = _serve(log)
        try:
            meter = CpuMeter(server.pid)
            client = time.process_time()
            ref_elapsed, ref = _storm(port, ids, token, body, keyed=False)
            ref_client, ref_cpu = time.process_time() - client, meter.finish()
            meter = CpuMeter(server.pid)
            client = time.process_time()
            elapsed, outcome = _storm(port, ids, token, body, keyed=True)
            client, cpu = time.process_time() - client, meter.finish()
        finally:
            server.terminate()
            server.wait(timeout=30)
    doubles = (
        Payment.objects.filter(entitlement__programme=programme, reversal__isnull=True)
        .values("entitlement")
        .order_by()
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    rate, ceiling = outcome["paid"] / elapsed, ref["paid"] / ref_elapsed
    figure(
        f"counter payments, {CLIENTS} HTTP clients, gunicorn {WORKERS} workers",
        f"{rate:,.0f}",
        "payments/s",
    )
    figure(
        "reference: the same POST without a key, refused at once",
        f"{ceiling:,.0f}/s (payments at {rate / ceiling:.0%} of it)",
    )
    figure(
        "lines paid / refused as already paid / other errors",
        f"{outcome['paid']} / {outcome['refused']} / {outcome['errors']}",
    )
    figure("entitlements paid twice", doubles)
    # Per payment paid, the refused second taps included: what the machine's load cannot change.
    app_ms, db_ms = (cpu[k] * 1000 / max(outcome["paid"], 1) for k in ("app", "db"))
    figure("CPU per payment: gunicorn workers + PostgreSQL backends", f"{app_ms:.1f} + {db_ms:.1f} ms")
    refused = max(ref["paid"], 1)
    figure(
        "CPU per refused POST (the reference): workers + backends",
        f"{ref_cpu['app'] * 1000 / refused:.1f} + {ref_cpu['db'] * 1000 / refused:.1f} ms",
    )
    # The load generator runs on the same cores: what it takes is not the server's to use.
    figure(
        "CPU of the load generator per payment / per refused POST",
        f"{client * 1000 / max(outcome['paid'], 1):.1f} / {ref_client * 1000 / refused:.1f} ms",
    )
    cores = os.cpu_count() or 1
    figure(f"so at most, on {cores} idle cores", f"{cores * 1000 / (app_ms + db_ms):,.0f}", "payments/s")
    figure("load average at the start (1 min), cores", f"{load:.2f}, {cores}")


def bench_reconcile() -> None:
    from dangjian.payouts import selectors
    from dangjian.payouts.models import Method, Payment

    t0 = time.perf_counter()
    programme, cashier = _world(LINES, "十万行对账")
    figure(f"build a {LINES:,}-line approved programme", f"{time.perf_counter() - t0:,.1f}", "s")
    from django.utils import timezone

    now = timezone.now()
    lines = list(
        programme.entitlements.order_by("line_no").values_list("pk", "amount_fen")[: LINES * 9 // 10]
    )
    Payment.objects.bulk_create(
        [Payment(entitlement_id=pk, amount_fen=a, method=Method.BANK, paid_at=now) for pk, a in lines],
        batch_size=5000,
    )
    ms, queries, r = timed(lambda: selectors.reconcile(programme), repeat=3)
    figure(f"reconcile {LINES:,} lines ({len(lines):,} paid)", f"{ms:,.0f} ms, {queries} queries")
    figure("reconciliation", "相符" if r.ok else f"不符 {[p[0] for p in r.problems]}")


def main(db: str) -> None:
    setup(db)
    bench_counter()
    bench_reconcile()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pg")
