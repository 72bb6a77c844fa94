"""Issue 8, breaches 6-8: person-page reads audited, no open redirects, no production start on
development keys, OpenAPI docs behind a login, no ID numbers in query strings; demo mode's limits."""

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.models import AuditEntry
from dangjian.core.tests.test_settings import run_manage
from dangjian.people.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PRODUCTION_KEYS = {
    "DJANGO_SECRET_KEY": "p" * 60,
    "DANGJIAN_PII_KEYS": "5HvxDpOcqTPc0LOyk0xG4zWf7mNfn6k1i0lq4xwYo4U=",
    "DANGJIAN_PII_INDEX_KEY": "i" * 64,
    "DANGJIAN_AUDIT_KEY": "a" * 64,
    "DANGJIAN_BACKUP_KEY": "nR8Cq1wB2u2B0Q7dEJ1T2fKZpjWgYq3o0i6sVhVqk1c=",
}


def test_a_person_page_view_is_audited(secretary, secretary_client, branch):
    person = MemberFactory(org=branch).person
    secretary_client.get(reverse("people:person", args=[person.pk]))
    entry = AuditEntry.objects.get(action="people.view_person")
    assert (entry.actor_id, entry.object_id, entry.org_path) == (secretary.pk, str(person.pk), branch.path)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_on_a_post_never_leaves_the_site(secretary_client, branch, target):
    member = MemberFactory(org=branch)
    response = secretary_client.post(
        reverse("people:dues_pay"),
        {"member_id": member.pk, "month": "2023-05", "paid_on": "2023-05-10", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("people:dues")


def test_next_on_a_post_may_stay_on_the_site(secretary_client, branch):
    member = MemberFactory(org=branch)
    back = reverse("people:person", args=[member.person_id])
    response = secretary_client.post(
        reverse("people:dues_pay"),
        {"member_id": member.pk, "month": "2023-05", "paid_on": "2023-05-10", "next": back},
    )
    assert response["Location"] == back


def test_the_openapi_schema_and_docs_need_a_login(client, secretary_client):
    for url in ("/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert secretary_client.get("/api/v1/openapi.json").status_code == 200


def test_the_api_refuses_an_id_number_in_the_query_string_and_finds_it_by_post(
    client, secretary, token_for, branch
):
    person = MemberFactory(org=branch).person
    header = token_for(secretary)
    response = client.get("/api/v1/members", {"q": person.id_number}, **header)
    assert response.status_code == 400
    found = client.post(
        "/api/v1/members/find", {"id_number": person.id_number}, content_type="application/json", **header
    )
    assert found.status_code == 200 and found.json()["person_id"] == person.pk
    assert found.json()["id_number"] == person.masked_id
    assert AuditEntry.objects.filter(action="people.search_id").count() == 1


def test_production_mode_refuses_to_start_on_the_development_keys():
    result = run_manage("check", DJANGO_DEBUG="0", DANGJIAN_DEMO="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_DEBUG=0 on the generated development keys" in result.stderr


def test_production_mode_starts_on_real_keys():
    result = run_manage("check", DJANGO_DEBUG="0", DANGJIAN_DEMO="0", **PRODUCTION_KEYS)
    assert result.returncode == 0, result.stderr


def test_demo_mode_runs_on_the_development_keys_but_never_on_production_ones():
    assert run_manage("check", DJANGO_DEBUG="0", DANGJIAN_DEMO="1").returncode == 0
    result = run_manage("check", DJANGO_DEBUG="0", DANGJIAN_DEMO="1", **PRODUCTION_KEYS)
    assert result.returncode != 0
    assert "DANGJIAN_DEMO=1 with production keys" in result.stderr


def test_demo_mode_shows_the_banner_and_serves_the_loopback_address_only(settings, secretary):
    settings.DANGJIAN_DEMO = True
    local = Client(REMOTE_ADDR="127.0.0.1")
    local.force_login(secretary)
    assert "演示环境" in local.get(reverse("orgs:tree")).content.decode()
    remote = Client(REMOTE_ADDR="10.1.2.3")
    assert remote.get(reverse("accounts:login")).status_code == 403


def test_outside_demo_mode_there_is_no_banner(secretary_client):
    assert "演示环境" not in secretary_client.get(reverse("orgs:tree")).content.decode()


SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def test_a_token_call_to_the_api_carries_the_same_security_headers_as_a_page(
    client, secretary, secretary_client, token_for
):
    page = secretary_client.get(reverse("core:home"))
    api = client.get("/api/v1/orgs", **token_for(secretary))
    assert api.status_code == 200
    for header in SECURITY_HEADERS:
        assert api[header] == page[header], header
    assert "frame-ancestors 'none'" in api["Content-Security-Policy"]
    # The shorter chain opens no session: nothing is set on the caller.
    assert not api.cookies


def test_the_shorter_chain_is_taken_only_by_token_calls_to_the_api_without_a_session_cookie(rf):
    from django.conf import settings

    from dangjian.core.middleware import BearerApiMiddleware

    middleware = BearerApiMiddleware(lambda request: "full chain")
    middleware.lean = lambda request: "shorter chain"
    token = {"HTTP_AUTHORIZATION": "Bearer abc"}
    assert middleware(rf.get("/api/v1/orgs", **token)) == "shorter chain"
    assert middleware(rf.get("/api/v1/orgs")) == "full chain"
    assert middleware(rf.get("/api/v1/orgs", HTTP_AUTHORIZATION="Basic abc")) == "full chain"
    assert middleware(rf.get("/people/", **token)) == "full chain"
    with_session = rf.get("/api/v1/orgs", **token)
    with_session.COOKIES[settings.SESSION_COOKIE_NAME] = "s"
    assert middleware(with_session) == "full chain"


def test_a_changed_content_security_policy_is_sent_at_once(client, secretary, token_for, settings):
    header = token_for(secretary)
    assert "img-src 'self' data: blob:" in client.get("/api/v1/orgs", **header)["Content-Security-Policy"]
    policy = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'"]}}
    settings.CONTENT_SECURITY_POLICY = policy
    sent = client.get("/api/v1/orgs", **header)["Content-Security-Policy"]
    assert "img-src 'self';" in sent and "data:" not in sent


def test_every_api_operation_is_found_at_its_route_after_grouping():
    """The API's URLs are grouped by first segment (api.DangjianAPI._get_urls): each of ninja's
    operations still resolves, from its own route, to its own pattern (route and name)."""
    import re

    from django.urls import URLPattern, resolve
    from ninja import NinjaAPI

    from dangjian.api.api import api

    flat: dict[str, URLPattern] = {}
    for p in NinjaAPI._get_urls(api):
        if isinstance(p, URLPattern):
            flat.setdefault(str(p.pattern), p)  # a route given twice: Django takes the first
    assert len(flat) > 40
    for pattern in flat.values():
        route = re.sub(r"<(?:\w+:)?(\w+)>", "7", str(pattern.pattern))
        found = resolve(f"/api/v1/{route}")
        assert found.route == f"api/v1/{pattern.pattern}", route
        assert found.url_name == pattern.name
