import re

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login

pytestmark = pytest.mark.e2e


def test_zone_admin_logs_in_opens_the_tree_and_a_branch(page, server_url):
    login(page, server_url, "admin")
    page.goto(f"{server_url}/orgs/")
    tree = page.locator(".tree")
    expect(tree.get_by_role("link", name="示范区党工委")).to_be_visible()
    node = tree.locator("li", has=page.get_by_role("link", name="姬庄村党总支", exact=True)).last
    expect(node).to_be_visible()
    # Expanding a node loads its children in place (htmx), then the branch page opens.
    node.locator(".toggle").first.click()
    branch = tree.get_by_role("link", name="姬庄村第一党支部")
    expect(branch).to_be_visible()
    branch.click()
    expect(page).to_have_url(re.compile(r"/orgs/SFQ-V01-1/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("姬庄村第一党支部")
    expect(page.get_by_text("班子成员")).to_be_visible()
    page.screenshot(path=str(ROOT / "var" / "e2e-branch.png"), full_page=True)


def test_branch_secretary_sees_only_their_branch(page, server_url):
    login(page, server_url, "jizhuang")
    page.goto(f"{server_url}/orgs/")
    tree = page.locator(".tree")
    expect(tree.get_by_role("link", name="姬庄村党总支")).to_be_visible()
    expect(page.get_by_role("link", name="王屯村党总支")).to_have_count(0)
    response = page.goto(f"{server_url}/orgs/SFQ-V02/")
    assert response.status == 404


def test_wrong_password_shows_a_chinese_message(page, server_url):
    login(page, server_url, "admin", "not-the-Password-1")
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()
