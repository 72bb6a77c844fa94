"""Key tasks, supervision and ledgers in the browser, for each persona: no console error on any page,
the org picker finds names, and screenshots land in var/e2e-checklists/ for a person to look at."""

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "var" / "e2e-checklists"

PAGES = {
    "admin": [
        "/checklists/?org=SFQ&year=2023",
        "/checklists/matrix/?org=SFQ&year=2023",
        "/checklists/reviews/",
        "/checklists/tasks/new/?org=SFQ&year=2023",
        "/checklists/supervision/?all=1&year=2023",
        "/checklists/ledgers/?org=SFQ&year=2023",
    ],
    "jizhuang": ["/checklists/?year=2023", "/checklists/matrix/?year=2023", "/checklists/ledgers/?year=2023"],
    "liaison1": ["/checklists/supervision/?year=2023"],
}


@pytest.mark.parametrize("persona", sorted(PAGES))
def test_checklists_pages_load_without_console_errors(page, server_url, persona):
    errors: list[str] = []
    login(page, server_url, persona)
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(PAGES[persona]):
        response = page.goto(f"{server_url}{path}")
        assert response.status == 200, path
        page.screenshot(path=str(SHOTS / f"{persona}-{n}.png"), full_page=True)
    assert errors == []


def test_the_zone_admin_picks_an_owner_by_name(page, server_url):
    login(page, server_url, "admin")
    page.goto(f"{server_url}/checklists/tasks/new/?org=SFQ&year=2023")
    # Typed key by key like a person (a fill() landing before htmx binds the box would go unheard).
    page.locator("#id_owners").press_sequentially("姬庄", delay=30)
    page.locator("#id_owners_list button").first.click()
    expect(page.locator("#id_owners_chosen input[name=owners]")).to_have_count(1)
    expect(page.locator("#id_owners_chosen")).to_contain_text("姬庄村")
    # A second owner by its pinyin initials joins the first.
    page.locator("#id_owners").press_sequentially("sh", delay=30)
    page.locator("#id_owners_list button").first.click()
    expect(page.locator("#id_owners_chosen input[name=owners]")).to_have_count(2)


def test_the_ledger_prints_with_a_cover(page, server_url):
    login(page, server_url, "jizhuang")
    page.goto(f"{server_url}/checklists/ledgers/?year=2023")
    page.get_by_role("link", name="打印").first.click()
    expect(page.locator(".cover")).to_contain_text("制表日期")
