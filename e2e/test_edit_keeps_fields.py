"""An edit changes what the user changed and nothing else (issue 9, point 1).

The browser's ``<input type="date">`` takes only ``YYYY-MM-DD``; a date filled in any other format
shows blank and is posted blank, so saving a person erased their 入党时间 and 转正时间.
"""

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.e2e

# Every date input whose HTML carries a value must show that value (the browser blanks any other format).
BLANKED_DATES = """() => Array.from(document.querySelectorAll('input[type=date]'))
    .filter(el => (el.getAttribute('value') || '') !== '' && el.value !== el.getAttribute('value'))
    .map(el => el.name + '=' + el.getAttribute('value'))"""

FORM_VALUES = """() => Object.fromEntries(Array.from(
    document.querySelectorAll('form[action$="/edit/"] input, form[action$="/edit/"] select, form[action$="/edit/"] textarea'))
    .filter(el => el.name && el.type !== 'hidden' && el.type !== 'submit')
    .map(el => [el.name, el.type === 'checkbox' ? el.checked : el.value]))"""


def _a_full_member_edit_page(page, url: str) -> str:
    """The edit page of a full member (入党 and 转正 dates both on file) of the secretary's roll."""
    page.goto(f"{url}/people/?status=full")
    links = page.locator("table tbody tr td a[href*='/people/p/']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 10))]
    for href in hrefs:
        page.goto(f"{url}{href}edit/")
        if page.locator("#id_full_on").count() and page.locator("#id_full_on").get_attribute("value"):
            return page.url
    raise AssertionError("no full member with a 转正 date on the first roster page")


def test_editing_one_field_of_a_person_keeps_every_other_field(page, server_url):
    login(page, server_url, "jizhuang")
    edit_url = _a_full_member_edit_page(page, server_url)
    # Every field set: fill what the seed left empty, save once.
    for name, value in {
        "ethnicity": "汉族",
        "education": "大专",
        "address": "姬庄村一组8号",
        "party_post": "组织委员",
    }.items():
        field = page.locator(f"[name={name}]")
        if not field.input_value():
            field.fill(value)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()

    page.goto(edit_url)
    assert page.evaluate(BLANKED_DATES) == []
    before = page.evaluate(FORM_VALUES)
    assert before["joined_on"] and before["full_on"], before
    assert all(v not in ("", None) for k, v in before.items() if k != "phone"), before

    page.locator("[name=work_post]").fill("姬庄村股份经济合作社 会计")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()

    page.goto(edit_url)
    after = page.evaluate(FORM_VALUES)
    assert after.pop("work_post") == "姬庄村股份经济合作社 会计"
    before.pop("work_post")
    assert after == before
    # The person page shows the dates too.
    page.goto(edit_url.removesuffix("edit/"))
    expect(page.locator("main")).to_contain_text(before["joined_on"][:4])


@pytest.mark.parametrize("path", ["/people/transfers/", "/people/development/", "/people/dues/"])
def test_date_inputs_show_their_dates(page, server_url, path):
    login(page, server_url, "jizhuang")
    page.goto(f"{server_url}{path}")
    assert page.evaluate(BLANKED_DATES) == []


def test_date_inputs_on_the_person_page_show_their_dates(page, server_url):
    login(page, server_url, "jizhuang")
    edit_url = _a_full_member_edit_page(page, server_url)
    page.goto(edit_url.removesuffix("edit/"))
    filled = page.evaluate(
        "() => Array.from(document.querySelectorAll('input[type=date]')).filter(e => e.value).length"
    )
    assert filled >= 1  # the transfer form's 申请日期 starts at today
    assert page.evaluate(BLANKED_DATES) == []
