"""全部出席 on a phone (390 × 844, touch): a village secretary records a 主题党日 held today, marks the
one member on leave with a reason, and records everyone else present with one tap."""

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e


def test_a_secretary_records_a_whole_branch_present_in_one_tap_on_a_phone(browser, server_url):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, server_url, "jizhuang")

    page.goto(f"{server_url}/activities/new/?org=SFQ-V01-1&kind=theme_day")
    page.fill("#id_title", "今天的主题党日")
    page.select_option("#id_status", "held")
    page.click("button[type=submit]:has-text('保存')")
    page.get_by_role("link", name="登记出席").tap()

    rows = page.locator(".attendance-row")
    expect(rows.first).to_be_visible()
    total = rows.count()
    assert total > 20  # 姬庄村第一党支部's roll
    expect(page.locator("[data-all-present]")).to_contain_text(f"其余{total}人")
    # A reason field shows only where one is asked for.
    expect(rows.nth(0).locator(".attendance-reason")).to_be_hidden()
    rows.nth(2).locator("label", has_text="请假").tap()
    reason = rows.nth(2).locator(".attendance-reason")
    expect(reason).to_be_visible()
    reason.fill("外出务工")
    # The count follows the taps: one fewer left for 全部出席.
    expect(page.locator("[data-all-present]")).to_contain_text(f"其余{total - 1}人")

    with page.expect_navigation():
        page.locator("[data-all-present]").tap()
    expect(page.locator("main")).to_contain_text("已登记全部出席")
    expect(page.locator("[data-tally]")).to_contain_text(
        f"出席 {total - 1} 人 · 请假 1 人 · 缺席 0 人 · 未标记 0 人"
    )
    expect(rows.nth(2).locator(".attendance-reason")).to_have_value("外出务工")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ROOT / "var" / "e2e-attendance-all-present-phone.png"), full_page=True)

    # Saving from the sticky bar returns to the meeting, where 实到 is the whole roll but one.
    page.locator(".attendance-save button").tap()
    expect(page.locator("main")).to_contain_text("出席情况已保存")
    assert errors == []
    context.close()
