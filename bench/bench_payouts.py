"""Counter payments per second with 20 concurrent clients on PostgreSQL (goal: at least 200 a second,
never a double payment), and the reconciliation of a 100,000-line programme.

Each client is a thread with its own connection calling the same service as the counter page and the
API (``pay_with_key``: lock the line, check the key, insert the payment and the stored answer, one
audit entry). Half the clients tap lines the others are also paying, so the once-only rule is
exercised under load. Sizes: BENCH_PAYOUT_LINES (reconciliation, default 100000), BENCH_COUNTER_LINES
(default 4000), BENCH_CLIENTS (20).
"""

DATABASES = ("pg",)

import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure, setup, timed  # noqa: E402

LINES = int(os.environ.get("BENCH_PAYOUT_LINES", "100000"))
COUNTER_LINES = int(os.environ.get("BENCH_COUNTER_LINES", "4000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))


def _png() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (160, 60), 255).save(buf, format="PNG")
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


def bench_counter() -> None:
    from django.db import connections
    from django.db.models import Count

    from dangjian.payouts import services
    from dangjian.payouts.models import Payment

    programme, cashier = _world(COUNTER_LINES, "柜台压测")
    ids = list(programme.entitlements.order_by("line_no").values_list("pk", flat=True))
    png = _png()
    payload = {"method": "counter", "signature_png": png, "proxy_name": "", "proxy_id_number": ""}
    outcome = {"paid": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client(c: int) -> None:
        # Client c pays every line ≡ c (mod CLIENTS/2): two clients share each line, racing for it.
        mine = ids[c % (CLIENTS // 2) :: CLIENTS // 2]
        paid = refused = errors = 0
        try:
            barrier.wait()
            for pk in mine:
                try:
                    services.pay_with_key(actor=cashier, entitlement_id=pk, key=f"c{c}-{pk}", payload=payload)
                    paid += 1
                except services.PayoutError as exc:
                    if exc.code == "already_paid":
                        refused += 1
                    else:
                        errors += 1
        finally:
            connections.close_all()
            with lock:
                outcome["paid"] += paid
                outcome["refused"] += refused
                outcome["errors"] += errors

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    doubles = (
        Payment.objects.filter(entitlement__programme=programme, reversal__isnull=True)
        .values("entitlement")
        .order_by()
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    figure(
        f"counter payments, {CLIENTS} concurrent clients", f"{outcome['paid'] / elapsed:,.0f}", "payments/s"
    )
    figure(
        "lines paid / refused as already paid / other errors",
        f"{outcome['paid']} / {outcome['refused']} / {outcome['errors']}",
    )
    figure("entitlements paid twice", doubles)


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
