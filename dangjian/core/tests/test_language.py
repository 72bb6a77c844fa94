"""The interface is zh-hans whatever the browser asks for: an office PC set to English still reads
dates as 2024年3月20日 and Django's own messages in Chinese (the platform ships no English)."""

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from dangjian.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_an_english_browser_still_reads_dates_in_chinese(secretary_client, branch):
    from dangjian.payouts.tests.factories import person
    from dangjian.people import development

    with transaction.atomic():
        development.register_application(
            actor=SYSTEM,
            person=person(branch, "申请人", birth=date(1995, 3, 1)),
            org=branch,
            applied_on=date(2024, 3, 20),
            note="补录",
        )
    page = secretary_client.get(reverse("people:development"), **ENGLISH).content.decode()
    assert "2024年3月20日" in page and "March" not in page


def test_an_english_browser_still_gets_djangos_own_messages_in_chinese(secretary_client, branch):
    response = secretary_client.post(reverse("activities:new") + "?org=T-A", {"kind": "committee"}, **ENGLISH)
    page = response.content.decode()
    assert "这个字段是必填项" in page and "This field is required" not in page


def test_pages_do_not_vary_by_the_browsers_language(secretary_client, branch):
    response = secretary_client.get(reverse("people:development"), **ENGLISH)
    assert "Accept-Language" not in response.get("Vary", "")
    assert response.get("Content-Language", "zh-hans") == "zh-hans"
