"""The dashboard's drill-down into what was paid reads amounts in 元, as the tiles do, never raw 分."""

import io

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core.actors import SYSTEM
from dangjian.payouts import services
from dangjian.payouts.models import Method

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(roles, admin_user, branch):
    prog = f.approved(branch, f.signers(roles), amounts=[1234_56])
    with transaction.atomic():
        services.pay_entitlement(
            actor=SYSTEM,
            entitlement=prog.entitlements.get(),
            method=Method.COUNTER,
            signature_png=f.png_b64(),
        )
    return prog


def test_a_payouts_drill_down_shows_the_amount_in_yuan(admin_client, paid):
    page = admin_client.get(
        reverse("reports:drill", args=["payouts.reward_total"]), {"org": "T", "year": 2023}
    )
    html = page.content.decode()
    assert "金额（元）" in html and "1,234.56" in html
    assert "123456" not in html and "金额（分）" not in html


def test_a_payouts_drill_down_exports_the_amount_as_a_number_of_yuan(admin_client, paid):
    response = admin_client.get(
        reverse("reports:drill", args=["payouts.reward_total"]),
        {"org": "T", "year": 2023, "export": "xlsx", "table": "records"},
    )
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and "金额（元）" in r)
    amount = rows[rows.index(header) + 1][header.index("金额（元）")]
    assert amount == pytest.approx(1234.56)
