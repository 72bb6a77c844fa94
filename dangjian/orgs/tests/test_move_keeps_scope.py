"""Scope follows an org when it moves: every row reaches its org's live path through foreign keys.

A stored copy of a path goes stale the moment ``move_org`` rewrites the tree: the old parent's
secretary would keep seeing the row and the new parent's would not. These tests enumerate every model
of every dangjian app that has a key to ``Org`` (directly or through its ``SCOPE_PATH``), build one
row under a branch, move the branch under another committee and ask ``scoped`` who sees it. A new
model is covered as soon as it exists; one the generic builder cannot make needs a builder here.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import models

from conftest import make_user
from dangjian.core.actors import SYSTEM
from dangjian.core.scoping import scope_paths, scoped
from dangjian.orgs.models import Kind, Level, Org
from dangjian.orgs.services import move_org
from dangjian.people.models import Transfer, TransferKind

# A path kept on purpose, and why it is not a scope copy. Anything else named like a path fails.
KEPT_PATHS = {
    # The audit log records where an action happened, at the time it happened; the value is part of
    # the hash chain and the table is append-only, so it cannot (and must not) follow a later move.
    "core.AuditEntry.org_path": "historical fact of the audit log, hashed and append-only",
    # The figure store is a derived cache keyed by path; move_org marks it all dirty and it is rebuilt
    # whole from the fact rows, which scope through their keys. It is never read through ``scoped``.
    "core.Figure.path": "derived cache, rebuilt whole by move_org (figures.mark_all)",
    "core.FigureDirty.path": "work queue of the figure cache, not a scope",
}

# A model whose scope is a stored path rather than keys to Org, and why (see KEPT_PATHS).
SCOPED_BY_RECORDED_PATH = {"core.AuditEntry"}

# Models with a key to Org that are not read through ``scoped`` by the org they point at.
NOT_SCOPED_BY_ORG = {
    # A role assignment's org is what the grant covers; after a move the grant covers the moved
    # subtree by construction (grants read the live Org.path). It is not a row "under" a parent.
    "accounts.RoleAssignment": "the grant itself: computed from the live Org.path",
}


def _dangjian_models():
    for model in apps.get_models():
        if model.__module__.startswith("dangjian.") and not model._meta.proxy:
            yield model


def _org_keys(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is Org]


def _scoped_models():
    """Every model with a foreign key to Org or a declared SCOPE_PATH (the org tree itself included)."""
    for model in _dangjian_models():
        label = model._meta.label
        if label in NOT_SCOPED_BY_ORG or label in SCOPED_BY_RECORDED_PATH:
            continue
        if hasattr(model, "SCOPE_PATH") or _org_keys(model):
            yield model


def _final_field(model, lookup: str):
    """The field a ``scoped`` lookup ends on, and the relations it crossed to get there."""
    crossed = []
    field = None
    for part in lookup.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            crossed.append(field)
            model = field.related_model
    return model, field, crossed


def test_no_model_stores_a_copy_of_an_org_path():
    found = set()
    for model in _dangjian_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and "path" in field.name:
                found.add(f"{model._meta.label}.{field.name}")
    copies = found - set(KEPT_PATHS) - {"orgs.Org.path"}
    assert not copies, f"path copies go stale when an org moves; scope through keys instead: {copies}"


@pytest.mark.parametrize("model", list(_scoped_models()), ids=lambda m: m._meta.label)
def test_every_scope_path_reaches_the_live_org_path_through_foreign_keys(model):
    for lookup in scope_paths(model):
        target, field, crossed = _final_field(model, lookup)
        assert target is Org and field.name == "path", f"{model._meta.label}: {lookup} is not Org.path"
        assert crossed or model is Org, f"{model._meta.label}: {lookup} reads a stored copy"


# --- building one row of any model under an org --------------------------------------------------

_seq = itertools.count(1)


def _value(field):
    """A plausible value for a required non-relation field."""
    n = next(_seq)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return datetime.combine(date(2023, 5, 10), time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
    if isinstance(field, models.DateField):
        return date(2023, 5, 10)
    if isinstance(field, models.TimeField):
        return time(10)
    if isinstance(field, models.DecimalField):
        return Decimal("1")
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.UUIDField):
        import uuid

        return uuid.uuid4()
    if isinstance(field, models.FileField):
        return f"test/{n}.txt"
    if isinstance(field, (models.CharField, models.TextField)):
        text = f"k{n}"
        return text[: field.max_length] if field.max_length else text
    raise NotImplementedError(f"{field.model._meta.label}.{field.name}: {type(field).__name__}")


def _needed_relations(model) -> set[str]:
    """The relations on the way to the org: every scope lookup's first hop."""
    return {lookup.split("__")[0] for lookup in scope_paths(model) if "__" in lookup}


def build(model, org: Org, cache: dict | None = None):
    """One saved row of ``model`` whose keys to Org all point at ``org``; required relations are
    built the same way (one per model, shared)."""
    if model is Org:
        return org
    cache = {} if cache is None else cache
    if model in cache:
        return cache[model]
    if model._meta.label in BUILDERS:
        row = BUILDERS[model._meta.label](org, cache)
        cache[model] = row
        return row
    needed = _needed_relations(model)
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.auto_created:
            continue
        if field.is_relation:
            if field.related_model is Org:
                values[field.name] = org
            elif not field.null or field.name in needed:
                if field.related_model._meta.label == "accounts.User":
                    values[field.name] = make_user(f"u{next(_seq)}", org=org)
                else:
                    values[field.name] = build(field.related_model, org, cache)
            continue
        if (
            field.has_default()
            or field.null
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        ):
            continue
        if field.blank and isinstance(field, (models.CharField, models.TextField)):
            continue
        values[field.name] = FIELD_VALUES.get(f"{model._meta.label}.{field.name}") or _value(field)
    row = model.objects.create(**values)
    cache[model] = row
    return row


def _member(org, cache):
    from dangjian.people.tests.factories import MemberFactory

    return MemberFactory(org=org)


def _person(org, cache):
    from dangjian.people.tests.factories import PersonFactory

    return PersonFactory(org=org)


# Values a check constraint asks for that the generic builder cannot guess.
FIELD_VALUES = {
    "payouts.Reversal.amount_fen": -100,  # a reversal is negative
}

BUILDERS = {
    "people.Member": _member,
    "people.Person": _person,
}


# --- the move ------------------------------------------------------------------------------------


@pytest.fixture
def moved_tree(roles, zone, community):
    """丙社区第一党支部 (T-C1) under 丙社区党委 (T-C), and 丁社区党委 (T-D) beside it; a secretary on each
    committee (their subtrees do not overlap)."""
    new_parent = Org.objects.add_child(
        Org.objects.get(pk=zone.pk),
        instance=Org(code="T-D", name="丁社区党委", level=Level.COMMITTEE, kind=Kind.COMMUNITY),
    )
    old_parent = Org.objects.get(pk=community.pk)
    branch = Org.objects.get(code="T-C1")
    old = make_user("old_parent_secretary", roles["secretary"], old_parent)
    new = make_user("new_parent_secretary", roles["secretary"], new_parent)
    return branch, new_parent, old, new


def _sees(user, row) -> bool:
    user = type(user).objects.get(pk=user.pk)  # grants are cached per user object: a fresh one
    capability = "members.view"
    return scoped(type(row).objects.filter(pk=row.pk), user, capability).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(_scoped_models()), ids=lambda m: m._meta.label)
def test_after_move_org_the_new_parents_secretary_sees_the_row_and_the_old_parents_does_not(
    model, moved_tree
):
    branch, new_parent, old, new = moved_tree
    row = build(model, branch)
    assert _sees(old, row) and not _sees(new, row), "before the move the row is the old parent's"
    move_org(actor=SYSTEM, org=branch, new_parent=new_parent)
    assert _sees(new, row), f"{model._meta.label}: the new parent's secretary does not see the row"
    assert not _sees(old, row), f"{model._meta.label}: the old parent's secretary still sees the row"


@pytest.mark.django_db
@pytest.mark.parametrize("side", ["from_org", "to_org"])
def test_a_transfer_follows_whichever_side_moves_in_the_transfer_selector(side, moved_tree):
    """A transfer between two branches belongs to both; each side's scope follows its own org.
    The far side (甲村党支部, under the zone) is under neither committee."""
    from dangjian.people.selectors import transfers_visible_to
    from dangjian.people.tests.factories import MemberFactory

    branch, new_parent, old, new = moved_tree
    far = Org.objects.get(code="T-A")
    sides = {"from_org": branch, "to_org": far} if side == "from_org" else {"from_org": far, "to_org": branch}
    transfer = Transfer.objects.create(
        member=MemberFactory(org=sides["from_org"]),
        kind=TransferKind.FORMAL,
        applied_on=date(2023, 5, 10),
        **sides,
    )

    def sees(user):
        user = type(user).objects.get(pk=user.pk)
        return transfers_visible_to(user).filter(pk=transfer.pk).exists()

    assert sees(old) and not sees(new)
    move_org(actor=SYSTEM, org=branch, new_parent=new_parent)
    assert sees(new) and not sees(old)
