import pytest
from django.urls import reverse

from dangjian.orgs.models import Kind, Level, LiaisonGroup, Org

pytestmark = pytest.mark.django_db


def _ids(*codes: str) -> list[int]:
    return [Org.objects.get(code=c).pk for c in codes]


def test_zone_admin_defines_a_liaison_group_and_its_orgs_picked_by_name(admin_client, admin_user):
    page = admin_client.get(reverse("orgs:liaison_group_new", args=["T"])).content.decode()
    assert "/pick/orgs.org/?cap=orgs.edit" in page and "组织代码" not in page
    response = admin_client.post(
        reverse("orgs:liaison_group_new", args=["T"]),
        {
            "name": "第一联络组",
            "leader_name": "赵建国",
            "orgs": _ids("T-A", "T-C", "T-B"),
            "members": [admin_user.pk],
        },
    )
    assert response.status_code == 302
    group = LiaisonGroup.objects.get(name="第一联络组")
    assert sorted(group.orgs.values_list("code", flat=True)) == ["T-A", "T-B", "T-C"]
    page = admin_client.get(reverse("orgs:liaison_groups")).content.decode()
    assert "第一联络组" in page
    assert "联系3个组织" in page


def test_an_org_out_of_scope_is_refused_and_nothing_is_saved(admin_client):
    outside = Org.objects.add_root(
        instance=Org(code="X", name="外区党工委", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )
    response = admin_client.post(
        reverse("orgs:liaison_group_new", args=["T"]),
        {"name": "第一联络组", "orgs": _ids("T-A") + [outside.pk]},
    )
    assert response.status_code == 200
    assert "不在您可选的范围内" in response.content.decode()
    assert not LiaisonGroup.objects.exists()


def test_secretary_cannot_define_liaison_groups_for_the_zone(secretary_client, admin_user):
    response = secretary_client.post(reverse("orgs:liaison_group_new", args=["T"]), {"name": "x"})
    assert response.status_code == 404
    assert not LiaisonGroup.objects.exists()
