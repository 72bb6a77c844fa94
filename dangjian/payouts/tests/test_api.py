"""The payouts API: scoped lists and paying once per entitlement, replayed per Idempotency-Key."""

import json

import pytest

from dangjian.payouts.models import Payment

from . import factories as f

pytestmark = pytest.mark.django_db
PAY = "/api/v1/payouts/entitlements/{}/pay"


@pytest.fixture
def trio(roles, admin_user):
    return f.signers(roles)


@pytest.fixture
def prog(branch, trio):
    return f.approved(branch, trio)


def _post(client, headers, pk, key="k-1", **body):
    body.setdefault("method", "counter")
    body.setdefault("signature_png", f.png_b64())
    extra = {**headers, "HTTP_IDEMPOTENCY_KEY": key} if key else headers
    return client.post(PAY.format(pk), data=json.dumps(body), content_type="application/json", **extra)


def test_entitlements_list_unpaid_of_a_programme_as_items_and_count(client, token_for, admin_user, prog):
    line = prog.entitlements.order_by("line_no").first()
    headers = token_for(admin_user)
    assert _post(client, headers, line.pk).status_code == 201
    r = client.get(f"/api/v1/payouts/entitlements?status=unpaid&programme={prog.pk}", **headers)
    data = r.json()
    assert r.status_code == 200 and data["count"] == 2
    assert [i["name"] for i in data["items"]] == ["受益人1", "受益人2"]
    assert all("*" in i["masked_id"] for i in data["items"])
    assert "id_number" not in data["items"][0]


def test_an_outsider_sees_no_entitlements_and_cannot_pay(client, token_for, outsider, prog):
    headers = token_for(outsider)
    r = client.get(f"/api/v1/payouts/entitlements?programme={prog.pk}", **headers)
    assert r.status_code == 404
    assert client.get("/api/v1/payouts/entitlements", **headers).json()["count"] == 0
    line = prog.entitlements.first()
    assert _post(client, headers, line.pk).status_code == 404
    assert not Payment.objects.exists()


def test_paying_answers_201_with_the_payment_and_the_same_key_replays_it(client, token_for, secretary, prog):
    headers = token_for(secretary)
    line = prog.entitlements.order_by("line_no").first()
    first = _post(client, headers, line.pk, key="tablet-1-0001")
    assert first.status_code == 201
    body = first.json()
    assert (
        body["amount_fen"] == 100_00 and body["method"] == "counter" and len(body["signature_sha256"]) == 64
    )
    again = _post(client, headers, line.pk, key="tablet-1-0001")
    assert (again.status_code, again.json()) == (201, body)
    assert Payment.objects.count() == 1


def test_another_key_for_a_paid_entitlement_answers_409_already_paid(client, token_for, secretary, prog):
    headers = token_for(secretary)
    line = prog.entitlements.first()
    _post(client, headers, line.pk, key="a")
    r = _post(client, headers, line.pk, key="b")
    assert r.status_code == 409 and r.json()["code"] == "already_paid"


def test_an_unapproved_list_answers_409_not_approved(client, token_for, secretary, branch, trio):
    prog = f.programme(branch, name="未审批")
    r = _post(client, token_for(secretary), prog.entitlements.first().pk)
    assert r.status_code == 409 and r.json()["code"] == "not_approved"


def test_a_key_reused_for_another_request_is_refused(client, token_for, secretary, prog):
    headers = token_for(secretary)
    a, b = prog.entitlements.order_by("line_no")[:2]
    _post(client, headers, a.pk, key="same")
    r = _post(client, headers, b.pk, key="same")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"


def test_paying_without_a_key_or_signature_is_a_400(client, token_for, secretary, prog):
    headers = token_for(secretary)
    line = prog.entitlements.first()
    assert _post(client, headers, line.pk, key="").json()["code"] == "idempotency_key_required"
    r = _post(client, headers, line.pk, signature_png="")
    assert r.status_code == 400 and r.json()["code"] == "signature_required"


def test_a_proxy_payment_answers_the_proxy_id_masked(client, token_for, secretary, prog, branch):
    from datetime import date

    number = f.person(branch, "代领人", birth=date(1981, 2, 3), seq=7).id_number
    r = _post(
        client,
        token_for(secretary),
        prog.entitlements.first().pk,
        method="proxy",
        proxy_name="代领人",
        proxy_id_number=number,
    )
    assert r.status_code == 201
    assert r.json()["proxy_masked_id"] != number and "*" in r.json()["proxy_masked_id"]
    assert number not in r.content.decode()


def test_reconciliation_over_the_api(client, token_for, admin_user, prog):
    r = client.get(f"/api/v1/payouts/programmes/{prog.pk}/reconciliation", **token_for(admin_user))
    assert r.json()["ok"] is True and r.json()["unpaid_count"] == 3
