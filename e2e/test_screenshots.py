"""Every main page of every demo persona, at a desk (1366 × 768) and on a phone (390 × 844): the page
answers 200, draws no console error and does not scroll sideways, and its screenshot is left in
var/screenshots/<persona>/ for a person to look at after `make e2e`."""

import re

import pytest

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "var" / "screenshots"
PERSONAS = ["admin", "liaison1", "jizhuang", "sanhai", "auditor", "xitong", "anquan", "shenji", "dangyuan"]
SIZES = {"desk": (1366, 768), "phone": (390, 844)}
# Where each persona lands, and who finds 待办 in the menu (a grassroots secretary lands on it).
LANDS_ON = {
    "admin": "/reports/",
    "liaison1": "/reports/",
    "jizhuang": "/reports/todo/",
    "sanhai": "/reports/todo/",
    "dangyuan": "/activities/mine/",
}
WITH_TODO = ("admin", "liaison1", "jizhuang", "sanhai")


def _main_pages(page, server_url) -> list[str]:
    """Home and what the top menu offers this persona (its items come from the views' own checks)."""
    page.goto(f"{server_url}/")
    hrefs = page.eval_on_selector_all(
        "header nav a[href^='/'], nav.navbar a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    pages = ["/"]
    for href in hrefs:
        if href not in pages and not re.match(r"^/accounts/(logout|password)", href):
            pages.append(href)
    return pages


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_main_page_fits_a_desk_and_a_phone_and_is_left_as_a_screenshot(browser, server_url, persona):
    folder = SHOTS / persona
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for size, (width, height) in SIZES.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        login(page, server_url, persona)
        pages = _main_pages(page, server_url)
        if persona in LANDS_ON and not page.url.endswith(LANDS_ON[persona]):
            problems.append(f"{size} home: lands on {page.url}, not {LANDS_ON[persona]}")
        if persona in WITH_TODO and "/reports/todo/" not in pages:
            problems.append(f"{size} menu: no 待办")
        for path in pages:
            response = page.goto(f"{server_url}{path}")
            page.wait_for_load_state("networkidle")
            name = (path.strip("/").replace("/", "-").split("?")[0] or "home") + f"-{size}.png"
            page.screenshot(path=str(folder / name))
            if response is None or response.status != 200:
                problems.append(f"{size} {path}: HTTP {response.status if response else '—'}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{size} {path}: {wide} px wide in a {width} px window")
            if errors:
                problems.append(f"{size} {path}: console {errors[:2]}")
                errors.clear()
        context.close()
    assert problems == []


def _phone(browser, server_url, persona):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    login(page, server_url, persona)
    return context, page


def test_a_record_page_with_a_wide_table_scrolls_the_table_not_the_page_on_a_phone(browser, server_url):
    # A person's facts and a user's grants are four-to-six-column tables that do not fit 390 px; the
    # development list's table holds forms with visually hidden labels (absolutely placed).
    # The rules table overflows only by its container's padding.
    context, page = _phone(browser, server_url, "admin")
    page.goto(f"{server_url}/people/")
    person = page.locator("table a[href^='/people/p/']").first.get_attribute("href")
    page.goto(f"{server_url}/accounts/users/")
    user = page.locator("a[href^='/accounts/users/']").nth(0).get_attribute("href")
    for path in (person, user, "/people/development/", "/activities/rules/SFQ/"):
        page.goto(f"{server_url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    context.close()


def test_a_picker_list_on_a_phone_floats_on_top_with_finger_sized_names_and_a_tap_picks_one(
    browser, server_url
):
    context, page = _phone(browser, server_url, "admin")
    page.goto(f"{server_url}/people/")
    page.goto(server_url + page.locator("table a[href^='/people/p/']").first.get_attribute("href"))
    page.locator("summary", has_text="登记转出").click()
    box = page.locator("[data-picker] input[type=search]").first
    box.fill("jz")
    option = page.locator("[data-picker-option]", has_text="姬庄村第二党支部")
    option.wait_for()
    assert option.bounding_box()["height"] >= 44
    on_top = "el => { const r = el.getBoundingClientRect(); return el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)); }"
    assert option.evaluate(on_top)
    option.tap()
    chip = page.locator(".picker-chip", has_text="姬庄村第二党支部")
    chip.wait_for()
    assert chip.locator("[data-picker-remove]").bounding_box()["height"] >= 24
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_the_org_tree_on_a_phone_has_finger_sized_rows_and_carets(browser, server_url):
    context, page = _phone(browser, server_url, "admin")
    page.goto(f"{server_url}/orgs/")
    assert page.locator(".tree li > a").nth(1).bounding_box()["height"] >= 44
    assert page.locator(".tree [data-tree-toggle]").first.bounding_box()["height"] >= 44
    context.close()
