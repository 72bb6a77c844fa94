"""Issue 13's rules as a branch secretary meets them (jizhuang, 姬庄村党总支), on a desktop and on a
phone: the person page (留党察看, development history, waiver), the dues page, a 支部党员大会's
decisions, the compliance page's rule checks and the transfers page. No console errors."""

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def secretary_page(request, browser, server_url):
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[request.param])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, server_url, "jizhuang")
    yield page, request.param, errors
    context.close()


def _shot(page, name: str, size: str) -> None:
    page.screenshot(path=str(ROOT / "var" / f"e2e-rules-{name}-{size}.png"), full_page=True)


def test_secretary_walks_the_party_rule_pages(secretary_page, server_url):
    page, size, errors = secretary_page

    # The compliance page names the 党小组会, 书记讲党课 and 党章第九条 rules for the branches in scope.
    page.goto(f"{server_url}/activities/compliance/?year=2023")
    expect(page.locator("#branch-rules")).to_be_visible()
    expect(page.locator("main")).to_contain_text("党章第九条")
    _shot(page, "compliance", size)

    # The dues page: the six-month flag, and the waiver form's 少交 amount shown only for 少交.
    page.goto(f"{server_url}/people/dues/?month=2024-01")
    expect(page.locator("#waivers")).to_contain_text("经批准免交")
    details = page.locator("tbody details").first
    details.locator("summary").click()
    amount = details.locator("[data-waiver-amount]")
    expect(amount).to_be_hidden()
    details.locator("select[name=kind]").select_option("reduced")
    expect(amount).to_be_visible()
    _shot(page, "dues", size)

    # A member under 留党察看 and the waived member: from the waivers table to the person page.
    page.locator("#waivers + .table-responsive a").first.click()
    expect(page.locator("#waivers")).to_contain_text("享受低保")
    _shot(page, "person-waiver", size)

    # The development case entered from the paper file: every step with its rule, recorder, 补录.
    page.goto(f"{server_url}/people/development/")
    _shot(page, "development", size)

    # The transfers page explains the temporary relationship.
    page.goto(f"{server_url}/people/transfers/")
    expect(page.locator("main")).to_contain_text("在接收支部参加组织生活至")
    _shot(page, "transfers", size)

    # A quarterly 支部党员大会 of 2023: quorum from the roll and the decision form.
    page.goto(f"{server_url}/activities/?org=SFQ-V01-1&year=2023&kind=congress")
    page.locator("main table a").first.click()
    expect(page.locator("#decisions")).to_contain_text("有表决权的党员应到")
    page.select_option("#d-kind", "other")
    expect(page.locator("#d-subject")).to_be_visible()
    expect(page.locator("#d-case")).to_be_hidden()
    _shot(page, "congress", size)
    assert errors == []
