"""A person's day through the modules: the dashboard, the roster, a meeting, the year-end overview."""

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e


def test_zone_admin_reads_the_dashboard_with_its_charts(page, server_url):
    login(page, server_url, "admin")
    page.goto(f"{server_url}/reports/?year=2023")
    expect(page.locator('[data-metric="orgs.grassroots"]')).to_contain_text("81")
    expect(page.locator('[data-metric="members.on_roll"]')).to_contain_text("1,623")
    # ECharts draws into the chart containers from the locally served library.
    expect(page.locator(".report-chart svg").first).to_be_visible(timeout=10_000)
    page.screenshot(path=str(ROOT / "var" / "e2e-dashboard.png"), full_page=True)
    # Drilling into a figure lists it per branch.
    page.locator('[data-metric="members.on_roll"]').click()
    expect(page.get_by_role("link", name="姬庄村党总支").first).to_be_visible()


def test_branch_secretary_searches_the_roster_and_opens_a_member(page, server_url):
    login(page, server_url, "jizhuang")
    page.goto(f"{server_url}/people/")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    first_name = rows.first.locator("a").first.inner_text()
    rows.first.locator("a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_name)
    # The ID number is masked on the page.
    expect(page.get_by_text("***********").first).to_be_visible()
    page.screenshot(path=str(ROOT / "var" / "e2e-person.png"), full_page=True)


def test_year_end_overview_reads_like_the_article(page, server_url):
    login(page, server_url, "admin")
    page.goto(f"{server_url}/reports/summary/?year=2023")
    body = page.locator("main")
    expect(body).to_contain_text("81个基层党组织")
    expect(body).to_contain_text("1600余名党员")
    expect(body).to_contain_text("主题党日活动22次")
    # Sentences of the second wave's modules, each from their records.
    expect(body).to_contain_text("实施农村党支部书记“一定三诺两评”承诺践诺机制")
    expect(body).to_contain_text("开展“示范集体”“示范岗”争创活动")
    expect(body).to_contain_text("创新开展“十面红旗”“和美社区”评选活动，拨付奖励资金600余万元")
    expect(body).to_contain_text("纳入“争先夺优”“项目建设”等五本台账")
    expect(body).to_contain_text("共发放分红108.5万元，受益群众1550名")
    # A past year names its period and when the data was taken (not "数据截至…" alone).
    expect(body).to_contain_text("统计期间：2023年1月1日至12月31日")
    expect(body).to_contain_text("数据提取于")
