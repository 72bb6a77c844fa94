"""Twenty tablets tapping "pay" for one entitlement at the same moment give exactly one payment.

Real concurrency needs real connections: each request runs in its own thread with its own database
connection against committed data, so this runs on PostgreSQL (SQLite serializes writers anyway)."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from dangjian.payouts.models import IdempotentAnswer, Payment

from . import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"),
]
CLIENTS = 20


def _storm(url: str, headers: dict, keys: list[str]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(keys))
    answers: list = [None] * len(keys)
    body = json.dumps({"method": "counter", "signature_png": f.png_b64()})

    def tap(i: int) -> None:
        client = Client()
        try:
            barrier.wait(timeout=30)
            r = client.post(
                url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=keys[i], **headers
            )
            answers[i] = (r.status_code, r.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


@pytest.fixture
def setup(roles, admin_user, branch, secretary, token_for):
    trio = f.signers(roles)
    prog = f.approved(branch, trio)
    return prog.entitlements.order_by("line_no").first(), token_for(secretary)


def test_twenty_concurrent_requests_with_different_keys_pay_once(setup):
    line, headers = setup
    answers = _storm(
        f"/api/v1/payouts/entitlements/{line.pk}/pay", headers, [f"tablet-{i}" for i in range(CLIENTS)]
    )
    statuses = sorted(a[0] for a in answers)
    assert statuses == [201] + [409] * (CLIENTS - 1)
    assert {a[1]["code"] for a in answers if a[0] == 409} == {"already_paid"}
    assert Payment.objects.filter(entitlement=line).count() == 1


def test_twenty_concurrent_replays_of_one_key_pay_once_and_all_get_the_first_answer(setup):
    line, headers = setup
    answers = _storm(f"/api/v1/payouts/entitlements/{line.pk}/pay", headers, ["lost-answer"] * CLIENTS)
    assert {a[0] for a in answers} == {201}
    assert len({json.dumps(a[1], sort_keys=True) for a in answers}) == 1
    assert Payment.objects.filter(entitlement=line).count() == 1
    assert IdempotentAnswer.objects.count() == 1


def test_payments_racing_on_many_lines_leave_one_payment_each_and_a_chain_that_verifies(setup, roles):
    from dangjian.core.audit import verify_chain
    from dangjian.core.models import AuditEntry

    line, headers = setup
    lines = list(line.programme.entitlements.order_by("line_no"))
    barrier = threading.Barrier(len(lines) * 2)
    body = json.dumps({"method": "counter", "signature_png": f.png_b64()})

    def tap(pk: int, key: str) -> None:
        client = Client()
        try:
            barrier.wait(timeout=30)
            client.post(
                f"/api/v1/payouts/entitlements/{pk}/pay",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
                **headers,
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap, args=(e.pk, f"{e.pk}-{t}")) for e in lines for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(Payment.objects.values_list("entitlement_id", flat=True)) == sorted(e.pk for e in lines)
    assert AuditEntry.objects.filter(action="payouts.pay").count() == len(lines)
    assert verify_chain()[1] == []
