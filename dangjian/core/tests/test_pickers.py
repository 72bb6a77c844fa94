"""The one picker (core.pickers): found by name or pinyin initials, scoped like the pages, and a
posted value out of scope refused — the field checks against the queryset the search lists."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import forms as core_forms
from dangjian.core.pickers import OrgField, OrgsField, PersonField, PickerSource
from dangjian.core.registry import register_picker
from dangjian.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _pick(client, source: str, cap: str = "members.view", **params) -> str:
    params = {"cap": cap, "field": "f", "box": "id_f", **params}
    response = client.get(f"/pick/{source}/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def people(branch, other_branch):
    return {
        "mine": PersonFactory(name="王凤侠", org=branch),
        "theirs": PersonFactory(name="王芳", org=other_branch),
    }


def test_an_org_is_found_by_part_of_its_name_and_by_its_pinyin_initials(admin_client):
    assert "甲村党支部" in _pick(admin_client, "orgs.org", "orgs.view", q="甲村")
    assert "甲村党支部" in _pick(admin_client, "orgs.org", "orgs.view", q="jcdzb")
    assert "乙村党支部" in _pick(admin_client, "orgs.org", "orgs.view", q="YC")


def test_a_person_is_found_by_name_and_by_pinyin_initials_with_their_branch(admin_client, people):
    assert "王凤侠（甲村党支部）" in _pick(admin_client, "people.person", q="凤侠")
    html = _pick(admin_client, "people.person", q="wfx")
    assert "王凤侠" in html and "王芳" not in html


def test_a_branch_secretary_is_never_offered_another_branchs_orgs_or_people(secretary_client, people):
    orgs = _pick(secretary_client, "orgs.org", "orgs.view", q="村")
    assert "甲村党支部" in orgs and "乙村党支部" not in orgs
    persons = _pick(secretary_client, "people.person", q="王")
    assert "王凤侠" in persons and "王芳" not in persons
    assert "王芳" not in _pick(secretary_client, "people.person", q="wf")


def test_choosing_a_record_out_of_scope_answers_404(secretary_client, other_branch, people):
    params = {"cap": "members.view", "field": "f", "box": "id_f"}
    assert secretary_client.get("/pick/orgs.org/", {**params, "choose": other_branch.pk}).status_code == 404
    assert (
        secretary_client.get("/pick/people.person/", {**params, "choose": people["theirs"].pk}).status_code
        == 404
    )
    chip = secretary_client.get(
        "/pick/people.person/", {**params, "choose": people["mine"].pk}
    ).content.decode()
    assert 'name="f"' in chip and f'value="{people["mine"].pk}"' in chip and "王凤侠" in chip


def test_the_pick_endpoint_refuses_unknown_sources_fields_and_values(secretary_client):
    base = {"cap": "orgs.view", "field": "f", "box": "id_f", "q": "村"}
    assert secretary_client.get("/pick/orgs.nothing/", base).status_code == 404
    assert secretary_client.get("/pick/orgs.org/", {**base, "field": "<x>"}).status_code == 404
    assert secretary_client.get("/pick/orgs.org/", {**base, "by": "path"}).status_code == 404
    assert secretary_client.get("/pick/people.person/", {**base, "by": "code"}).status_code == 404


def test_the_pick_endpoint_needs_a_login(client):
    response = client.get("/pick/orgs.org/", {"cap": "orgs.view", "field": "f", "box": "b", "q": "村"})
    assert response.status_code == 302


class _Form(core_forms.Form):
    org = OrgField(label="组织", capability="orgs.view")
    orgs = OrgsField(label="组织", capability="orgs.view", required=False)
    person = PersonField(label="人员", required=False)
    code = OrgField(label="组织", capability="orgs.view", to_field_name="code", required=False)


def test_a_posted_org_or_person_out_of_scope_is_refused_with_a_chinese_message(
    secretary, branch, other_branch, people
):
    form = _Form(
        {"org": other_branch.pk, "orgs": [branch.pk, other_branch.pk], "person": people["theirs"].pk},
        actor=secretary,
    )
    assert not form.is_valid()
    for name in ("org", "orgs", "person"):
        assert "不在您可选的范围内" in form.errors[name][0], name
    assert str(other_branch.pk) not in form.errors["org"][0]


def test_picked_values_in_scope_clean_to_records(secretary, branch, people):
    form = _Form(
        {"org": branch.pk, "orgs": [branch.pk], "person": people["mine"].pk, "code": branch.code},
        actor=secretary,
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["org"] == branch and data["orgs"] == [branch] and data["person"] == people["mine"]
    assert data["code"] == branch


def test_the_widget_shows_the_chosen_name_never_the_code(secretary, branch):
    html = str(_Form(initial={"code": branch, "org": branch.pk}, actor=secretary)["code"])
    assert "甲村党支部" in html and f'value="{branch.code}"' in html and "/pick/orgs.org/" in html


def test_a_picker_used_without_an_actor_fails_loudly_rather_than_listing_everything(branch):
    form = _Form({"org": branch.pk})
    with pytest.raises(ImproperlyConfigured):
        form.is_valid()
    with pytest.raises(ImproperlyConfigured):
        str(_Form()["org"])


def test_a_picker_source_must_be_a_picker_source_with_callables():
    with pytest.raises(ImproperlyConfigured):
        register_picker({"key": "x.y"})
    with pytest.raises(ImproperlyConfigured):
        register_picker(PickerSource("x.y", choices=None, search=len, label=str))  # type: ignore[arg-type]


def test_a_form_that_is_not_the_platforms_can_still_bind_its_pickers(secretary, branch):
    from dangjian.core.pickers import bind_pickers

    class Plain(forms.Form):
        org = OrgField(capability="orgs.view")

    form = Plain({"org": branch.pk})
    bind_pickers(form, secretary)
    assert form.is_valid()


def test_the_zone_wide_sources_serve_only_the_transfer_forms(secretary_client, other_branch):
    """orgs.zone lists branches beyond the secretary's scope (where a request may be transferred):
    never for any other capability she holds."""
    base = {"field": "f", "box": "id_f", "q": "乙村"}
    assert "乙村党支部" in _pick(secretary_client, "orgs.zone", "casework.edit", **base)
    assert secretary_client.get("/pick/orgs.zone/", {**base, "cap": "orgs.view"}).status_code == 404
    assert secretary_client.get("/pick/orgs.zone_branch/", {**base, "cap": "orgs.view"}).status_code == 404
