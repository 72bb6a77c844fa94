"""Casework in Chromium: a resident submits on a phone and looks the request up by its code; a secretary
picks her community by name and works her queue; the zone reads its totals and prints a ledger.
Every page must load without a console error (a CSP violation is one)."""

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def test_a_resident_submits_a_request_on_a_phone_and_looks_it_up_by_code(browser, server_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{server_url}/service/")
    expect(page.get_by_role("heading", level=1)).to_have_text("智慧服务站")
    page.select_option("#id_category", label="环境卫生")
    page.fill("#id_description", "小区东门垃圾桶满了两天没人清运")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_place", "三海社区东门")
    page.get_by_role("button", name="提交", exact=True).click()
    code = page.locator("[data-code]")
    expect(code).to_be_visible()
    tracking = code.inner_text().strip()
    assert len(tracking) == 12
    page.screenshot(path=str(ROOT / "var" / "e2e-service-submitted.png"), full_page=True)
    page.fill("#id_tracking_code", tracking.lower())
    page.fill("#id_phone_last4", "5678")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("[data-status]")).to_have_text("已受理")
    page.screenshot(path=str(ROOT / "var" / "e2e-service-lookup.png"), full_page=True)
    # A wrong phone reveals nothing.
    page.fill("#id_tracking_code", tracking)
    page.fill("#id_phone_last4", "0000")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("[data-not-found]")).to_be_visible()
    expect(page.locator("[data-found]")).to_have_count(0)
    assert errors == []
    context.close()


def test_a_secretary_picks_her_community_by_name_and_opens_an_overdue_request(page, server_url):
    errors = watch(page)
    login(page, server_url, "sanhai")
    page.goto(f"{server_url}/casework/")
    # The page opens on her whole community; she narrows it to one branch by typing part of its name.
    expect(page.locator("[data-picked]")).to_have_text("三海社区党委")
    # Typed key by key like a person: a fill() landing before htmx has bound the box (a loaded
    # machine) would go unheard and the list would never come.
    page.get_by_placeholder("输入组织名称或拼音首字母").press_sequentially("三海社区第一", delay=30)
    page.get_by_role("option", name="三海社区第一党支部", exact=True).click()
    expect(page.locator("[data-picked]")).to_have_text("三海社区第一党支部")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("h1")).to_contain_text("三海社区第一党支部")
    page.get_by_role("link", name="已逾期").click()
    page.screenshot(path=str(ROOT / "var" / "e2e-casework-queue.png"), full_page=True)
    rows = page.locator("table tbody tr a")
    if rows.count():
        rows.first.click()
        expect(page.get_by_text("办理过程")).to_be_visible()
        page.screenshot(path=str(ROOT / "var" / "e2e-casework-request.png"), full_page=True)
    assert errors == []


def test_the_zone_reads_totals_research_and_the_ledger(page, server_url):
    errors = watch(page)
    login(page, server_url, "admin")
    page.goto(f"{server_url}/casework/totals/?year=2023")
    expect(page.locator("main")).to_contain_text("按类别")
    page.screenshot(path=str(ROOT / "var" / "e2e-casework-totals.png"), full_page=True)
    page.goto(f"{server_url}/casework/research/?year=2023")
    expect(page.locator("main")).to_contain_text("46项课题，走访党员干部群众1500人，现场解决问题57个")
    page.goto(f"{server_url}/casework/ledger/requests/SFQ-C01/2023/")
    expect(page.locator("h1")).to_contain_text("三海社区党委2023年民生实事台账")
    page.screenshot(path=str(ROOT / "var" / "e2e-casework-ledger.png"))
    assert errors == []
