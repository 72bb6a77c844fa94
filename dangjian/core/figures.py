"""Marking stored figures dirty: the write side of the figure store (the reports app reads and rebuilds).

Every registered metric names the model of its facts and the lookup from a fact to its org's path. A
save or delete of such a row marks (model, path) dirty in the writing transaction itself, through the
model's signals, so no write commits without its mark and no app has to remember it. Writes the signals
do not see — ``bulk_create``, ``bulk_update``, ``QuerySet.update`` — call ``mark`` with the paths they
touched. After the commit the refresh is queued (once per transaction); the worker recomputes the
marked orgs' figures within seconds. Until it has, pages say the figure is being recomputed.

Figures that move with the date alone (ages, overdue, the compliance calendar) are rebuilt by the
daily schedule; a change of a rule or of the tree asks for a whole rebuild with ``mark_all``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from django.core.cache import cache as shared_cache
from django.db import models, transaction
from django.db.models import Model, signals
from django.db.models.fields.mixins import FieldCacheMixin
from django.utils import timezone

from . import registry
from .models import FigureDirty
from .rows import insert_row

logger = logging.getLogger(__name__)

QUEUED_KEY = "figures:refresh-queued"
ANY_YEAR = 2000  # metrics' facts(year) are only asked for their model here


def label_of(model: type[Model]) -> str:
    return model._meta.label_lower


@cache
def _graph() -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    """From the stored metrics: each model a figure depends on → the lookups from its rows to an org
    path, and → the metric keys its changes affect. A metric depends on its facts' model and on every
    model its path lookup passes through (an attendance counts once its meeting is held; a payment
    belongs to its programme's org), the org itself included (its kind, its place in the tree)."""
    from .metrics import all_metrics, is_stored

    lookups: dict[str, list[str]] = {}
    affects: dict[str, set[str]] = {}
    for metric in all_metrics():
        if not is_stored(metric):
            continue
        model = metric.facts(ANY_YEAR).model
        parts = metric.path_field.split("__")
        for i in range(len(parts)):
            label = label_of(model)
            lookup = "__".join(parts[i:])
            found = lookups.setdefault(label, [])
            if lookup not in found:
                found.append(lookup)
            affects.setdefault(label, set()).add(metric.key)
            if i == len(parts) - 1:
                break
            model = model._meta.get_field(parts[i]).related_model
        for label, lookup in metric.depends_on:
            found = lookups.setdefault(label, [])
            if lookup not in found:
                found.append(lookup)
            affects.setdefault(label, set()).add(metric.key)
    return (
        {label: tuple(found) for label, found in lookups.items()},
        {label: frozenset(keys) for label, keys in affects.items()},
    )


def path_fields() -> dict[str, tuple[str, ...]]:
    """model label → the lookups from its rows to the org paths whose figures they feed."""
    return _graph()[0]


def affected_metrics(label: str) -> frozenset[str]:
    """The stored metrics a change of ``label``'s rows can move."""
    return _graph()[1].get(label, frozenset())


def _resolve(instance: Model, lookup: str) -> str | None:
    """The path ``lookup`` reaches from ``instance``: through related objects already loaded (no
    query), else one query by primary key."""
    current: object = instance
    for part in lookup.split("__"):
        if isinstance(current, Model):
            field = current._meta.get_field(part)
            if field.is_relation and isinstance(field, FieldCacheMixin) and not field.is_cached(current):
                break
        current = getattr(current, part, None)
        if current is None:
            return None
    else:
        return current if isinstance(current, str) else None
    if instance.pk is None:
        return None
    return instance.__class__._base_manager.filter(pk=instance.pk).values_list(lookup, flat=True).first()


def mark(model: type[Model] | str, paths: Iterable[str]) -> None:
    """Facts of ``model`` on the orgs at ``paths`` changed (bulk writes call this; saves and deletes
    are marked by the signals). Runs inside the caller's transaction."""
    label = model if isinstance(model, str) else label_of(model)
    found = sorted({p for p in paths if p})
    if not found:
        return
    if len(found) == 1:  # one save's mark (a payment at the counter): no ORM statement to compile
        insert_row(FigureDirty, {"model": label, "path": found[0], "marked_at": timezone.now()})
    else:
        FigureDirty.objects.bulk_create([FigureDirty(model=label, path=p) for p in found], batch_size=1000)
    _queue_refresh()


def mark_all(model: type[Model] | str) -> None:
    """Rebuild the model's metrics whole (a rule, a setting or the tree changed)."""
    label = model if isinstance(model, str) else label_of(model)
    FigureDirty.objects.create(model=label, path="")
    _queue_refresh()


def _send_refresh() -> None:
    # Many writes in a few seconds queue one refresh: the worker clears the flag before it reads the
    # marks, so a write after that queues the next one; the flag expires in case no worker runs.
    if not shared_cache.add(QUEUED_KEY, 1, timeout=60):
        return
    try:
        registry.provider("figures.refresh")()
    except Exception:  # the daily rebuild catches up; a write never fails for this
        logger.exception("could not queue the figures refresh")
        shared_cache.delete(QUEUED_KEY)


def _queue_refresh() -> None:
    """Queue the refresh once the marks are committed (a rolled-back write queues nothing)."""
    transaction.on_commit(_send_refresh)


def _on_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return  # fixtures and restores: rebuilt whole afterwards
    fields = path_fields().get(label_of(sender), ())
    mark(sender, [_resolve(instance, lookup) or "" for lookup in fields])


def mark_saved(instance: Model) -> None:
    """A row inserted without ``save()`` (``core.rows.insert_row``) marks what its save would have:
    call it with the instance, its relations to the org loaded, inside the writing transaction."""
    _on_save(type(instance), instance)


def connect() -> None:
    """Hook the signals of every model whose facts a stored metric reads (called once the apps have
    registered their metrics)."""
    from django.apps import apps

    for label in path_fields():
        model = apps.get_model(label)
        uid = f"figures:{label}"
        signals.post_save.connect(_on_save, sender=model, dispatch_uid=uid + ":save")
        # Before the delete: the row, and so the path it reaches, still exists.
        signals.pre_delete.connect(_on_save, sender=model, dispatch_uid=uid + ":delete")


def taken(keys: Iterable[str], year: int, under: list[str], steplen: int) -> tuple[datetime | None, bool]:
    """For a page that reads the stored figures ``keys`` of ``year`` for the subtrees at ``under``:
    when they were last all complete (None: not stored, the page computes live), and whether a write
    under one of those subtrees (or above it: ``steplen`` is the tree's path step) still waits for the
    worker — the page then says its figures are being recomputed. Two queries."""
    from django.db.models import Min, Q

    from .models import FigureBuild

    keys = set(keys)
    builds = FigureBuild.objects.filter(year=year, metric__in=keys).aggregate(
        n=models.Count("metric"), at=Min("built_at")
    )
    if builds["n"] < len(keys):
        return None, False
    labels = [label for label in path_fields() if affected_metrics(label) & keys]
    where = Q(path="")
    for path in under:
        above = [path[: i * steplen] for i in range(1, len(path) // steplen)]
        where |= Q(path__startswith=path) | Q(path__in=above)
    waiting = FigureDirty.objects.filter(where, model__in=labels).exists()
    return builds["at"], waiting
