from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core.models import AuditEntry
from dangjian.orgs import services
from dangjian.orgs.models import Kind, Level, Org

pytestmark = pytest.mark.django_db


def org(code: str) -> Org:
    return Org.objects.get(code=code)


def test_admin_adds_a_branch_under_the_zone_with_one_audit_entry(admin_user):
    before = AuditEntry.objects.count()
    new = services.create_org(
        actor=admin_user,
        parent=org("T"),
        code="t-d",
        name="丁村党支部",
        level=Level.BRANCH,
        kind=Kind.VILLAGE,
    )
    assert new.code == "T-D"
    assert Org.objects.get_parent(new).code == "T"
    assert AuditEntry.objects.count() == before + 1


def test_duplicate_code_is_refused_and_nothing_is_added(admin_user):
    count = Org.objects.count()
    with pytest.raises(ValidationError, match="已被使用"):
        services.create_org(
            actor=admin_user, parent=org("T"), code="T-B", name="重复", level=Level.BRANCH, kind=Kind.VILLAGE
        )
    assert Org.objects.count() == count


def test_moving_an_org_under_its_own_descendant_is_refused(admin_user):
    with pytest.raises(ValidationError, match="下级组织"):
        services.move_org(actor=admin_user, org=org("T-C"), new_parent=org("T-C1"))
    assert Org.objects.get_parent(org("T-C1")).code == "T-C"


def test_moving_a_branch_carries_its_groups_along(admin_user):
    services.move_org(actor=admin_user, org=org("T-A"), new_parent=org("T-C"))
    assert org("T-A").path.startswith(org("T-C").path)
    assert org("T-A-G").path.startswith(org("T-A").path)


def test_secretary_cannot_move_own_branch_under_another_branch(secretary, other_branch, admin_user):
    with pytest.raises(ValidationError, match="无权"):
        services.move_org(actor=secretary, org=org("T-A"), new_parent=org("T-B"))


def test_a_party_group_only_sits_under_a_branch(admin_user):
    with pytest.raises(ValidationError, match="党小组只能"):
        services.create_org(
            actor=admin_user,
            parent=org("T-C"),
            code="T-C-G",
            name="小组",
            level=Level.GROUP,
            kind=Kind.COMMUNITY,
        )


def test_term_falls_due_after_its_years_and_shows_on_the_page(admin_client, admin_user):
    term = services.start_term(actor=admin_user, org=org("T-A"), elected_on=date(2021, 5, 10), term_years=5)
    assert term.due_on == date(2026, 5, 10)
    page = admin_client.get(reverse("orgs:detail", args=["T-A"])).content.decode()
    assert "2026年5月10日" in page
    assert "已超期未换届" in page


def test_term_elected_on_29_february_falls_due_on_28_february(admin_user):
    term = services.start_term(actor=admin_user, org=org("T-A"), elected_on=date(2024, 2, 29), term_years=3)
    assert term.due_on == date(2027, 2, 28)


def test_liaison_group_refuses_orgs_outside_the_zone(admin_user, zone):
    foreign = Org.objects.add_root(
        instance=Org(code="X", name="外区", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )
    with pytest.raises(ValidationError, match="不在本区范围内"):
        services.save_liaison_group(actor=admin_user, zone=org("T"), name="第一联络组", orgs=[foreign])


def test_move_form_reports_a_descendant_target_in_chinese(admin_client):
    response = admin_client.post(reverse("orgs:move", args=["T-C"]), {"target": org("T-C1").pk}, follow=True)
    assert "不能把组织移到它自己或它的下级组织之下" in response.content.decode()
    assert Org.objects.get_parent(org("T-C1")).code == "T-C"


def test_add_child_form_with_a_duplicate_code_shows_an_error(admin_client):
    response = admin_client.post(
        reverse("orgs:add_child", args=["T"]),
        {
            "code": "T-B",
            "name": "重复",
            "level": "branch",
            "kind": "village",
            "term_years": 5,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "已存在" in response.content.decode() or "已被使用" in response.content.decode()


def test_due_soon_lists_current_terms_only_and_in_scope(admin_user, secretary, time_machine):
    from dangjian.orgs.selectors import terms_due_soon

    time_machine.move_to("2026-04-01 10:00", tick=False)
    services.start_term(actor=admin_user, org=org("T-A"), elected_on=date(2021, 5, 10), term_years=5)
    services.start_term(actor=admin_user, org=org("T-B"), elected_on=date(2021, 3, 1), term_years=5)
    services.start_term(actor=admin_user, org=org("T-B"), elected_on=date(2026, 3, 1), term_years=5)
    assert [t.org.code for t in terms_due_soon(admin_user)] == ["T-A"]
    assert [t.org.code for t in terms_due_soon(secretary)] == ["T-A"]
    time_machine.move_to("2026-01-01 10:00", tick=False)
    assert terms_due_soon(admin_user) == []


def test_move_form_picks_the_new_parent_by_name_and_refuses_one_out_of_scope(
    secretary_client, admin_client, branch, other_branch
):
    page = admin_client.get(reverse("orgs:detail", args=["T-C"])).content.decode()
    assert "新的上级组织代码" not in page and "/pick/orgs.org/?cap=orgs.edit" in page
    group = org("T-A-G")
    response = secretary_client.post(
        reverse("orgs:move", args=["T-A-G"]), {"target": other_branch.pk}, follow=True
    )
    assert "不在您可选的范围内" in response.content.decode()
    assert Org.objects.get_parent(org("T-A-G")) == branch and group.pk
    admin_client.post(reverse("orgs:move", args=["T-A-G"]), {"target": other_branch.pk})
    assert Org.objects.get_parent(org("T-A-G")).code == "T-B"


def test_a_branch_page_links_to_its_members_meetings_ledger_and_compliance(secretary_client, branch):
    page = secretary_client.get(reverse("orgs:detail", args=["T-A"])).content.decode()
    for link in (
        "/people/?org=T-A",
        "/activities/?org=T-A",
        "/activities/ledger/T-A/",
        "/activities/compliance/?org=T-A",
    ):
        assert link in page, link
