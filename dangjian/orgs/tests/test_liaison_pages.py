import pytest
from django.urls import reverse

from dangjian.orgs.models import LiaisonGroup

pytestmark = pytest.mark.django_db


def test_zone_admin_defines_a_liaison_group_and_its_orgs(admin_client, admin_user):
    response = admin_client.post(
        reverse("orgs:liaison_group_new", args=["T"]),
        {
            "name": "第一联络组",
            "leader_name": "赵建国",
            "org_codes": "t-a，T-C\nT-B",
            "members": [admin_user.pk],
        },
    )
    assert response.status_code == 302
    group = LiaisonGroup.objects.get(name="第一联络组")
    assert sorted(group.orgs.values_list("code", flat=True)) == ["T-A", "T-B", "T-C"]
    page = admin_client.get(reverse("orgs:liaison_groups")).content.decode()
    assert "第一联络组" in page
    assert "联系3个组织" in page


def test_unknown_org_codes_are_named_and_nothing_is_saved(admin_client):
    response = admin_client.post(
        reverse("orgs:liaison_group_new", args=["T"]), {"name": "第一联络组", "org_codes": "T-A, NOPE"}
    )
    assert response.status_code == 200
    assert "NOPE" in response.content.decode()
    assert not LiaisonGroup.objects.exists()


def test_secretary_cannot_define_liaison_groups_for_the_zone(secretary_client, admin_user):
    response = secretary_client.post(
        reverse("orgs:liaison_group_new", args=["T"]), {"name": "x", "org_codes": ""}
    )
    assert response.status_code == 404
    assert not LiaisonGroup.objects.exists()
