"""The counter journey on a tablet and a phone: find a resident, sign with a finger, pay once — a double
tap, a lost answer and a dropped network never pay twice, and nothing sensitive stays in the browser."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def _unpaid_name(page, url: str) -> str:
    """The name of a 三海社区 shareholder not yet paid (the demo leaves some dividends uncollected)."""
    page.goto(f"{url}/payouts/?year=2023&kind=dividend")
    page.get_by_role("link", name="集体经济年终分红").click()
    page.get_by_label("发放状态").select_option("unpaid")
    page.get_by_role("button", name="查找").click()
    rows = page.locator("table[data-lines] tbody tr")
    expect(rows.first).to_contain_text("未发放")
    # A name that occurs once among the unpaid lines, so the counter search finds exactly one.
    names = [n.strip() for n in rows.locator("td:nth-child(2)").all_inner_texts()]
    return next(n for n in names if names.count(n) == 1)


def _sign(page) -> None:
    canvas = page.locator("[data-signature]")
    box = canvas.bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + i * 20, y + (15 if i % 2 else -15), steps=3)
    page.mouse.up()


def _open_counter(page, url: str, name: str):
    page.goto(f"{url}/payouts/counter/")
    page.get_by_label("查找领取人").fill(name)
    page.get_by_role("button", name="查找").click()
    row = page.locator("[data-line]", has_text=name)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="签领").click()
    expect(page.locator("[data-panel]")).to_be_visible()
    return row


def _payments_of(page, url: str, name: str) -> int:
    page.goto(f"{url}/payouts/?year=2023&kind=dividend")
    page.get_by_role("link", name="集体经济年终分红").click()
    page.get_by_label("查找").fill(name)
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=name).first.click()
    return page.locator("tbody tr", has_text="柜台本人签领").count()


@pytest.fixture
def tablet(browser):
    context = browser.new_context(locale="zh-CN", viewport=TABLET, has_touch=True)
    yield context
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, has_touch=True, is_mobile=True)
    yield context
    context.close()


def test_a_resident_signs_on_the_tablet_and_a_double_tap_pays_once(tablet, server_url):
    page = tablet.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, server_url, "sanhai")
    name = _unpaid_name(page, server_url)
    row = _open_counter(page, server_url, name)
    _sign(page)
    page.screenshot(path=str(ROOT / "var" / "e2e-counter-tablet.png"), full_page=True)
    page.locator("[data-pay]").dblclick()
    expect(page.locator("[data-status]")).to_contain_text("已发放", timeout=15_000)
    expect(row.locator("[data-paid-badge]")).to_be_visible()
    page.screenshot(path=str(ROOT / "var" / "e2e-counter-paid.png"), full_page=True)
    # htmx keeps the current path for its history; no ID number or signature may be kept.
    storage = page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "data:image" not in storage and not re.search(r"\d{17}[\dX]", storage) and name not in storage
    assert _payments_of(page, server_url, name) == 1
    assert errors == []


def test_a_lost_answer_is_retried_with_the_same_key_and_offline_pays_nothing(phone, server_url):
    context = phone
    page = context.new_page()
    login(page, server_url, "sanhai")
    name = _unpaid_name(page, server_url)
    _open_counter(page, server_url, name)
    _sign(page)
    # The network drops: the page refuses to pay and says so.
    context.set_offline(True)
    page.locator("[data-pay]").click()
    expect(page.locator("[data-status]")).to_contain_text("网络已断开")
    expect(page.locator("[data-offline]")).to_be_visible()
    page.screenshot(path=str(ROOT / "var" / "e2e-counter-phone-offline.png"), full_page=True)
    context.set_offline(False)
    # The request reaches the server but its answer is lost on the way back.
    keys = []

    def lose_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()
        route.abort()

    page.route(re.compile(r".*/payouts/counter/\d+/pay/$"), lose_answer)
    page.locator("[data-pay]").click()
    expect(page.locator("[data-status]")).to_contain_text("结果未知")
    page.unroute(re.compile(r".*/payouts/counter/\d+/pay/$"))
    sent = []
    page.on("request", lambda r: sent.append(r.headers.get("idempotency-key")) if "/pay/" in r.url else None)
    page.get_by_role("button", name="重试").click()
    expect(page.locator("[data-status]")).to_contain_text("已发放", timeout=15_000)
    assert sent == keys and len(keys) == 1
    page.screenshot(path=str(ROOT / "var" / "e2e-counter-phone.png"), full_page=True)
    assert _payments_of(page, server_url, name) == 1
