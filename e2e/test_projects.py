"""Issue 18 as its users meet it, on a desktop and on a phone: the zone admin and two branch secretaries
(jizhuang, sanhai) read the project list and its chart, a project, the commando teams, the enterprises,
the service places and the 项目建设台账; a resident finds where to go on the public request page.
No console errors, and no page scrolls sideways at 390 wide."""

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


def _open(browser, viewport):
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    return context, page, errors


def _check(page, name: str, size: str) -> None:
    scroll, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll} > {width})"
    # Laid out for the phone, not a desktop page shrunk to fit (a page without a viewport meta tag).
    assert width <= VIEWPORTS[size]["width"], f"{page.url} is laid out {width} wide"
    page.screenshot(path=str(ROOT / "var" / f"e2e-projects-{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize("username", ["admin", "jizhuang", "sanhai"])
def test_staff_read_the_project_pages(browser, server_url, username, viewport):
    context, page, errors = _open(browser, viewport)
    try:
        login(page, server_url, username)
        page.goto(f"{server_url}/projects/?year=2023")
        main = page.locator("main")
        expect(main).to_contain_text("项目（不含子项目）")
        # The chart is drawn from the locally served ECharts, in the unit its title names.
        expect(page.locator("#projects-investment svg")).to_be_visible(timeout=10_000)
        _check(page, f"{username}-list", viewport)

        page.locator("main table tbody a").first.click()
        expect(page.locator("main")).to_contain_text("总投资")
        _check(page, f"{username}-project", viewport)

        page.goto(f"{server_url}/projects/teams/?year=2023")
        _check(page, f"{username}-teams", viewport)
        team_links = page.locator("main table tbody a[href*='/projects/teams/']")
        if team_links.count():
            team_links.first.click()
            expect(page.locator("main")).to_contain_text("所在支部")
            _check(page, f"{username}-team", viewport)

        page.goto(f"{server_url}/projects/enterprises/?year=2023")
        _check(page, f"{username}-enterprises", viewport)
        page.goto(f"{server_url}/projects/places/")
        _check(page, f"{username}-places", viewport)

        page.goto(f"{server_url}/projects/")
        page.get_by_role("link", name="项目建设台账").click()
        expect(page.locator("h2")).to_contain_text("年项目建设台账")
        expect(page.locator("thead th").first).to_have_text("序号")
        _check(page, f"{username}-ledger", viewport)
        assert errors == []
    finally:
        context.close()


def test_a_resident_finds_where_to_go_on_the_public_page(browser, server_url, viewport):
    context, page, errors = _open(browser, viewport)
    try:
        page.goto(f"{server_url}/service/")
        places = page.locator("#places [data-place]")
        expect(places.first).to_contain_text("智慧服务站")
        expect(page.locator("#places")).to_contain_text("开放时间：24小时")
        expect(page.locator("#places")).to_contain_text("可办理：")
        _check(page, "public", viewport)
        assert errors == []
    finally:
        context.close()
