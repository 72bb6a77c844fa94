"""The public request API and page: the contract, rate limits per client address, trusted proxies, and
tracking codes that cannot be guessed (wrong code and phone pairs reveal nothing)."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from dangjian.casework.models import Request, Status
from dangjian.casework.services import CODE_ALPHABET, new_tracking_code

from .factories import categories

pytestmark = pytest.mark.django_db
API = "/api/v1/public"


@pytest.fixture(autouse=True)
def public_zone(zone, settings):
    settings.DANGJIAN_ZONE_CODE = "T"
    settings.DANGJIAN_TRUSTED_PROXIES = []
    settings.DANGJIAN_PUBLIC_SUBMIT_LIMIT = 5
    settings.DANGJIAN_PUBLIC_LOOKUP_LIMIT = 30
    settings.DANGJIAN_PUBLIC_CODE_FAILURES = 10
    cache.clear()
    categories(zone)
    yield
    cache.clear()


def post(client, path, data, **extra):
    return client.post(path, json.dumps(data), content_type="application/json", **extra)


def submit(client=None, **extra):
    body = {"category": "environment", "description": "小区门口垃圾没人清运", "phone": "13912345678"}
    body.update(extra.pop("body", {}))
    return post(client or Client(), f"{API}/requests", body, **extra)


def test_categories_list_codes_and_names_without_a_token():
    response = Client().get(f"{API}/request-categories")
    assert response.status_code == 200
    rows = response.json()
    assert {"code": "environment", "name": "环境卫生"} in rows
    assert all(set(r) == {"code", "name"} for r in rows)


def test_public_places_list_where_to_go_without_a_token(zone, branch):
    from dangjian.projects.tests.factories import PlaceFactory

    PlaceFactory(
        org=branch, name="甲村智慧服务站", kind="station", opening_hours="24小时", services="证明开具"
    )
    PlaceFactory(org=branch, name="甲村档案室", public=False)
    rows = Client().get(f"{API}/places").json()
    assert rows == [
        {
            "name": "甲村智慧服务站",
            "kind": "智慧服务站",
            "address": "",
            "opening_hours": "24小时",
            "services": ["证明开具"],
            "phone": "",
        }
    ]


def test_submit_answers_201_with_a_long_code_from_the_unambiguous_alphabet():
    response = submit()
    assert response.status_code == 201
    code = response.json()["tracking_code"]
    assert len(code) >= 10 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OILUV")
    r = Request.objects.get()
    assert r.status == Status.RECEIVED and code not in r.code_digest


def test_lookup_with_code_and_last_four_digits_shows_status_and_reply_only():
    code = submit().json()["tracking_code"]
    response = post(Client(), f"{API}/requests/lookup", {"tracking_code": code, "phone_last4": "5678"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tracking_code", "status", "category", "submitted_at", "reply"}
    assert body["status"] == "received" and body["category"] == "environment" and body["reply"] == ""
    assert "13912345678" not in response.content.decode()


def test_lookup_accepts_lower_case_and_spaces_in_the_code():
    code = submit().json()["tracking_code"]
    spaced = " ".join([code[:4], code[4:8], code[8:]]).lower()
    response = post(Client(), f"{API}/requests/lookup", {"tracking_code": spaced, "phone_last4": "5678"})
    assert response.status_code == 200


def test_wrong_code_wrong_phone_or_both_give_one_identical_404():
    code = submit().json()["tracking_code"]
    other = new_tracking_code()
    bodies = set()
    for tracking, last4 in [(code, "0000"), (other, "5678"), (other, "0000"), ("", "5678"), (code, "567")]:
        response = post(Client(), f"{API}/requests/lookup", {"tracking_code": tracking, "phone_last4": last4})
        assert response.status_code == 404, (tracking, last4)
        bodies.add(response.content)
    assert len(bodies) == 1
    assert "未找到" in json.loads(bodies.pop())["message"]


def test_codes_are_unguessable_many_random_codes_find_nothing(settings):
    settings.DANGJIAN_PUBLIC_LOOKUP_LIMIT = 0  # no address limit: only the codes protect
    for _ in range(5):
        submit(REMOTE_ADDR=f"10.0.0.{_}")
    codes = {new_tracking_code() for _ in range(300)}
    assert len(codes) == 300
    client = Client()
    found = [
        c
        for c in codes
        if post(client, f"{API}/requests/lookup", {"tracking_code": c, "phone_last4": "5678"}).status_code
        != 404
    ]
    assert found == []


def test_a_code_is_locked_after_repeated_failures_even_with_the_right_phone_later(settings):
    settings.DANGJIAN_PUBLIC_CODE_FAILURES = 3
    code = submit().json()["tracking_code"]
    for n in range(3):
        wrong = post(
            Client(REMOTE_ADDR=f"10.1.0.{n}"),
            f"{API}/requests/lookup",
            {"tracking_code": code, "phone_last4": f"000{n}"},
        )
        assert wrong.status_code == 404
    right = post(
        Client(REMOTE_ADDR="10.1.0.9"),
        f"{API}/requests/lookup",
        {"tracking_code": code, "phone_last4": "5678"},
    )
    assert right.status_code == 404


def test_submissions_are_rate_limited_per_client_address_with_a_chinese_message(settings):
    settings.DANGJIAN_PUBLIC_SUBMIT_LIMIT = 2
    assert submit(REMOTE_ADDR="10.2.0.1").status_code == 201
    assert submit(REMOTE_ADDR="10.2.0.1").status_code == 201
    limited = submit(REMOTE_ADDR="10.2.0.1")
    assert limited.status_code == 429
    assert limited.json()["message"] == "操作过于频繁，请稍后再试。"
    assert int(limited["Retry-After"]) > 0
    assert submit(REMOTE_ADDR="10.2.0.2").status_code == 201
    assert Request.objects.count() == 3


def test_lookups_are_rate_limited_per_client_address(settings):
    settings.DANGJIAN_PUBLIC_LOOKUP_LIMIT = 2
    for expected in (404, 404, 429):
        response = post(
            Client(REMOTE_ADDR="10.3.0.1"),
            f"{API}/requests/lookup",
            {"tracking_code": "X" * 12, "phone_last4": "1234"},
        )
        assert response.status_code == expected


def test_forwarded_for_is_ignored_unless_the_request_comes_through_a_trusted_proxy(settings):
    settings.DANGJIAN_PUBLIC_SUBMIT_LIMIT = 1
    # Spoofing the header from outside does not give a fresh address.
    assert submit(REMOTE_ADDR="10.4.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 201
    assert submit(REMOTE_ADDR="10.4.0.1", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
    # Through our proxy, each client is counted on its own address.
    settings.DANGJIAN_TRUSTED_PROXIES = ["10.9.0.0/24"]
    assert submit(REMOTE_ADDR="10.9.0.5", HTTP_X_FORWARDED_FOR="3.3.3.3").status_code == 201
    assert submit(REMOTE_ADDR="10.9.0.5", HTTP_X_FORWARDED_FOR="4.4.4.4").status_code == 201
    assert submit(REMOTE_ADDR="10.9.0.6", HTTP_X_FORWARDED_FOR="9.9.9.9, 3.3.3.3").status_code == 429


def test_unknown_category_scripted_or_oversized_input_is_refused():
    assert submit(body={"category": "nope"}).status_code == 400
    assert submit(body={"description": "<script>alert(1)</script>"}).status_code == 400
    assert submit(body={"description": "长" * 5000}).status_code in (413, 422)
    assert Request.objects.count() == 0


def test_the_reply_shows_once_the_request_is_resolved(admin_user):
    from django.db import transaction

    from dangjian.casework import services

    code = submit().json()["tracking_code"]
    with transaction.atomic():
        services.resolve_request(actor=admin_user, request=Request.objects.get(), reply="已清运完毕。")
    body = post(Client(), f"{API}/requests/lookup", {"tracking_code": code, "phone_last4": "5678"}).json()
    assert body["status"] == "resolved" and body["reply"] == "已清运完毕。"


class TestPage:
    def test_a_resident_submits_on_the_page_and_sees_a_code(self):
        response = Client().post(
            "/service/", {"category": "policy", "description": "咨询养老补贴", "phone": "139 1234 5678"}
        )
        assert response.status_code == 200
        code = re.search(r"data-code>([^<]+)<", response.content.decode()).group(1)
        assert len(code) == 12
        found = Client().post("/service/lookup/", {"tracking_code": code, "phone_last4": "5678"})
        assert found.status_code == 200 and "已受理" in found.content.decode()

    def test_the_page_has_no_inline_script_and_no_english_status(self):
        html = Client().get("/service/").content.decode()
        assert "<script>" not in html and "onclick" not in html
        assert "received" not in html

    def test_the_page_lists_the_zones_public_places_with_hours_and_services(self, zone, branch):
        from dangjian.projects.tests.factories import PlaceFactory

        PlaceFactory(org=zone, name="示范区党群服务中心", kind="center", opening_hours="工作日 8:30-17:30")
        PlaceFactory(
            org=branch,
            name="甲村智慧服务站",
            kind="station",
            opening_hours="24小时",
            services="证明开具\n诉求登记",
        )
        PlaceFactory(org=branch, name="甲村档案室", public=False)
        html = Client().get("/service/").content.decode()
        assert "甲村智慧服务站" in html and "24小时" in html and "证明开具、诉求登记" in html
        assert "工作日 8:30-17:30" in html
        assert html.index("甲村智慧服务站") < html.index("示范区党群服务中心")  # stations first
        assert "甲村档案室" not in html

    def test_another_zones_places_are_not_offered(self, db):
        from dangjian.orgs.models import Kind, Level, Org
        from dangjian.projects.tests.factories import PlaceFactory

        elsewhere = Org.objects.add_root(
            instance=Org(code="Z", name="别区党工委", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
        )
        PlaceFactory(org=elsewhere, name="别区服务站")
        assert "别区服务站" not in Client().get("/service/").content.decode()

    def test_a_filled_honeypot_stores_nothing(self):
        response = Client().post(
            "/service/",
            {"category": "policy", "description": "x", "phone": "13912345678", "website": "http://spam"},
        )
        assert response.status_code == 400 and Request.objects.count() == 0

    def test_the_page_is_rate_limited_with_a_chinese_message(self, settings):
        settings.DANGJIAN_PUBLIC_SUBMIT_LIMIT = 1
        data = {"category": "policy", "description": "咨询", "phone": "13912345678"}
        Client().post("/service/", data)
        limited = Client().post("/service/", data)
        assert limited.status_code == 429 and "操作过于频繁" in limited.content.decode()
