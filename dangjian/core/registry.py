"""One registry for what each app contributes to the pages other apps own.

How an app registers (the whole contract; casework, checklists, ratings, payouts and projects
follow it): in its ``AppConfig.ready()`` — and nowhere else — it imports its own modules and declares
what it contributes::

    class CaseworkConfig(AppConfig):
        name = "dangjian.casework"

        def ready(self) -> None:
            from dangjian.core import registry

            from . import exporters, metrics, sections, selectors

            registry.register_metrics(metrics.METRICS)  # QueryMetric / ComputedMetric (core.metrics)
            registry.register_section("casework.visits", "走访记录", 40, sections.render_visits)
            registry.register_examples("casework.themes", "调研主题", selectors.theme_names)
            registry.register_exporter(exporters.VisitExporter)  # identifier, verbose_name, iterate_rows
            registry.register_todo("casework.requests", "群众诉求", 40, todo.request_items)  # 待办

Picker sources (what the one org/person picker lists, scoped by a capability) have the same shape:
``registry.register_picker(PickerSource(...))`` (``core.pickers``; orgs and people register theirs).

Ledgers (台账) and the records a key-task report may cite have their own contract, with columns and
print settings: ``dangjian.core.ledgers`` (``register_ledger``, ``register_record_kind``), called from
the same ``ready()``.

Keys are "<app label>.<name>". Each kind's contract is in its ``register_*`` docstring. A bad
registration fails at start, never at render time: a duplicate key, something that is not callable
or a class without the attributes its kind needs raises ``ImproperlyConfigured`` at once; references
between registrations (a summary text naming a metric no app registered) are checked by
``validate()``, which runs as a system check (``manage.py check``, ``migrate``, ``runserver``, the
test run) and when the WSGI application starts. Readers (reports, the person page) read only here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .metrics import BaseMetric

_T = TypeVar("_T")


@dataclass(frozen=True)
class Section:
    """A section of the person page: ``render(person, actor) -> str`` (HTML, or "" to hide it)."""

    key: str
    title: str
    order: int
    render: Callable[..., str]


@dataclass(frozen=True)
class Evidence:
    """A column of the 民主评议 page: ``fetch(member_ids, year, actor) -> {member_id: text}``."""

    key: str
    label: str
    order: int
    fetch: Callable[..., dict[int, str]]


@dataclass(frozen=True)
class Examples:
    """Named examples the year-end summary quotes: ``fetch(org, year) -> list[str]``."""

    key: str
    label: str
    fetch: Callable[..., list[str]]


_kinds: dict[str, dict[str, Any]] = {
    "metric": {},
    "section": {},
    "examples": {},
    "exporter": {},
    "evidence": {},
    "blind_index": {},
    "encrypted_files": {},
    "todo": {},
    "picker": {},
}
# Checks that need every app's registrations, e.g. the summary's references to metric keys; each
# returns a list of problems. Registered by the app that holds the references (reports).
_validators: list[Callable[[], list[str]]] = []
# What scoping needs from the apps that own roles and the tree (core imports no domain app).
_providers: dict[str, Callable[..., Any]] = {}


def _check_key(kind: str, key: str) -> None:
    if not isinstance(key, str) or "." not in key:
        raise ImproperlyConfigured(f"{kind} key {key!r} must read '<app label>.<name>'")


def _check_callable(kind: str, key: str, value: object, what: str) -> None:
    if not callable(value):
        raise ImproperlyConfigured(f"{kind} {key!r}: {what} is not callable ({value!r})")


def _add(kind: str, key: str, entry: _T) -> _T:
    _check_key(kind, key)
    # The same declaration twice (a module imported again) is harmless; another one under the key is not.
    if key in _kinds[kind] and _kinds[kind][key] != entry:
        raise ImproperlyConfigured(f"{kind} {key!r} is registered twice")
    _kinds[kind][key] = entry
    return entry


def _unregister(kind: str, key: str) -> None:
    """Remove an entry (tests that register something temporary clean up with this)."""
    _kinds[kind].pop(key, None)


# ---------------------------------------------------------------- metrics


def register_metric(metric: BaseMetric) -> BaseMetric:
    """A yearly figure (``core.metrics.QueryMetric`` or ``ComputedMetric``), keyed by ``metric.key``."""
    from .metrics import BaseMetric

    if not isinstance(metric, BaseMetric):
        raise ImproperlyConfigured(f"{metric!r} is not a core.metrics metric")
    _check_callable("metric", metric.key, metric.facts, "facts")
    compute = getattr(metric, "compute", None)
    if compute is not None:
        _check_callable("metric", metric.key, compute, "compute")
    return _add("metric", metric.key, metric)


def register_metrics(metrics: Iterable[BaseMetric]) -> None:
    for metric in metrics:
        register_metric(metric)


# The entries are kept untyped per kind (``_kinds``); each reader names what its kind holds.


def metric(key: str) -> BaseMetric:
    found: BaseMetric = _kinds["metric"][key]
    return found


def metric_or_none(key: str) -> BaseMetric | None:
    found: BaseMetric | None = _kinds["metric"].get(key)
    return found


def metrics() -> list[BaseMetric]:
    return sorted(_kinds["metric"].values(), key=lambda m: (m.order, m.key))


# ---------------------------------------------------------------- person-page sections


def register_section(key: str, title: str, order: int, render: Callable[..., str]) -> Section:
    """``render(person, actor)`` returns the section's HTML (``render_to_string`` of the app's own
    partial) or "" to hide it; it reads only through scoped selectors. Sections show by ``order``."""
    _check_callable("section", key, render, "render")
    return _add("section", key, Section(key, title, order, render))


def sections() -> list[Section]:
    return sorted(_kinds["section"].values(), key=lambda s: (s.order, s.key))


# ---------------------------------------------------------------- evidence for 民主评议


def register_evidence(key: str, label: str, order: int, fetch: Callable[..., dict[int, str]]) -> Evidence:
    """Evidence the branch weighs when it appraises its members (民主评议): ``fetch(member_ids, year,
    actor)`` returns a short text per member id (absent for none) in one or two queries, read through
    scoped selectors. Evidence is for people to weigh, never a score the platform turns into a grade."""
    _check_callable("evidence", key, fetch, "fetch")
    return _add("evidence", key, Evidence(key, label, order, fetch))


def evidence() -> list[Evidence]:
    return sorted(_kinds["evidence"].values(), key=lambda e: (e.order, e.key))


# ---------------------------------------------------------------- the summary's named examples


def register_examples(key: str, label: str, fetch: Callable[..., list[str]]) -> Examples:
    """``fetch(org, year)`` returns display names (a short list, most notable first) from the records
    of ``org``'s subtree for ``year``, in at most a couple of queries."""
    _check_callable("examples", key, fetch, "fetch")
    return _add("examples", key, Examples(key, label, fetch))


def examples(key: str) -> Examples | None:
    found: Examples | None = _kinds["examples"].get(key)
    return found


def all_examples() -> list[Examples]:
    return sorted(_kinds["examples"].values(), key=lambda e: e.key)


# ---------------------------------------------------------------- exporters


def register_exporter(exporter: type) -> type:
    """An exporter class (``core.exporting.ListExporter``'s shape): ``identifier`` (the key),
    ``verbose_name`` and an ``iterate_rows()`` generator."""
    key = getattr(exporter, "identifier", None)
    if not isinstance(key, str):
        raise ImproperlyConfigured(f"exporter {exporter!r} has no identifier")
    for attribute in ("verbose_name", "iterate_rows"):
        if not getattr(exporter, attribute, None):
            raise ImproperlyConfigured(f"exporter {key!r} has no {attribute}")
    return _add("exporter", key, exporter)


def exporters() -> list[type]:
    return sorted(_kinds["exporter"].values(), key=lambda e: e.identifier)


# ---------------------------------------------------------------- a secretary's 待办


@dataclass(frozen=True)
class TodoItem:
    """One thing someone must do, as the 待办 page lists it.

    ``label`` says what to do in a short Chinese sentence ("支委会未召开"); ``url`` opens the form or
    page that does it; ``count`` is how many records it stands for (None: not countable) and ``unit``
    what it counts ("人", "件", "个支部"); ``due`` the
    last day it can be done on time; ``overdue`` whether that day has passed (or the period ended
    unmet); ``org`` names the organization it is about when the page covers several; ``detail`` adds
    a short line (the months missed, the oldest deadline)."""

    label: str
    url: str
    count: int | None = None
    unit: str = ""
    due: date | None = None
    overdue: bool = False
    org: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Todo:
    """A source of 待办: ``items(actor, org, today) -> list[TodoItem]``."""

    key: str
    label: str
    order: int
    items: Callable[..., list[TodoItem]]


def register_todo(key: str, label: str, order: int, items: Callable[..., list[TodoItem]]) -> Todo:
    """What an app asks of a secretary (the 待办 page): ``items(actor, org, today)`` returns
    ``TodoItem``s about ``org``'s subtree, read only through the app's scoped selectors (an actor
    without the capability gets none), in a fixed number of queries whatever the subtree's size —
    aggregate (one item for "12个支部…"), never one query per branch. ``label`` heads the items'
    source (组织生活, 党费…); ``order`` breaks ties between sources of equal urgency."""
    _check_callable("todo", key, items, "items")
    if not isinstance(order, int):
        raise ImproperlyConfigured(f"todo {key!r}: order must be an integer ({order!r})")
    return _add("todo", key, Todo(key, label, order, items))


def todos() -> list[Todo]:
    return sorted(_kinds["todo"].values(), key=lambda t: (t.order, t.key))


# ---------------------------------------------------------------- picker sources


def register_picker(source: Any) -> Any:
    """A source the one picker (``core.pickers``) lists from: a ``core.pickers.PickerSource``, keyed
    "<app label>.<name>" (``orgs.org``, ``people.person``), registered by the app owning the records."""
    from .pickers import PickerSource

    if not isinstance(source, PickerSource):
        raise ImproperlyConfigured(f"{source!r} is not a core.pickers.PickerSource")
    for attribute in ("choices", "search", "label", "hint"):
        _check_callable("picker", source.key, getattr(source, attribute), attribute)
    return _add("picker", source.key, source)


def picker(key: str) -> Any:
    """The registered source ``key``; ``ImproperlyConfigured`` if no app registered it."""
    try:
        return _kinds["picker"][key]
    except KeyError:
        raise ImproperlyConfigured(f"no app registers the picker source {key!r}") from None


def picker_or_none(key: str) -> Any | None:
    return _kinds["picker"].get(key)


# ---------------------------------------------------------------- providers and validation


@dataclass(frozen=True)
class BlindIndex:
    """A keyed index column kept from an encrypted one: ``model`` ("app.Model") stores
    ``pii.blind_index(kind, <source field's value>)`` in ``index_field``. ``rotate_pii_keys
    --blind-index`` rebuilds every registered one under the newest index key."""

    key: str
    model: str
    index_field: str
    source_field: str
    kind: str


def register_blind_index(
    key: str, *, model: str, index_field: str, source_field: str, kind: str
) -> BlindIndex:
    """Declare a blind-index column (from ``ready()``); the model and fields are checked by ``validate()``."""
    return _add("blind_index", key, BlindIndex(key, model, index_field, source_field, kind))


def blind_indexes() -> list[BlindIndex]:
    return list(_kinds["blind_index"].values())


def register_encrypted_files(key: str, names: Callable[[], Iterable[str]]) -> Callable[[], Iterable[str]]:
    """Files an app keeps in the storage encrypted with ``pii.get_cipher()`` (the whole file one
    token): ``names()`` yields their storage names. ``rotate_pii_keys`` re-encrypts them too."""
    _check_callable("encrypted_files", key, names, "names")
    return _add("encrypted_files", key, names)


def encrypted_files() -> dict[str, Callable[[], Iterable[str]]]:
    return dict(_kinds["encrypted_files"])


def _check_blind_indexes() -> list[str]:
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    out = []
    for entry in blind_indexes():
        try:
            model = apps.get_model(entry.model)
            model._meta.get_field(entry.index_field)
            model._meta.get_field(entry.source_field)
        except (LookupError, ValueError, FieldDoesNotExist) as exc:
            out.append(f"blind index {entry.key!r}: {exc}")
    return out


def provide(name: str, function: Callable[..., Any]) -> None:
    """The one app owning something core needs registers it here (``"grants"``: accounts answers
    an actor's grants, since roles and the tree are not core's)."""
    _check_callable("provider", name, function, "provider")
    if name in _providers and _providers[name] is not function:
        raise ImproperlyConfigured(f"provider {name!r} is registered twice")
    _providers[name] = function


def provider(name: str) -> Callable[..., Any]:
    try:
        return _providers[name]
    except KeyError:
        raise ImproperlyConfigured(f"no app provides {name!r} (is its app installed?)") from None


def add_validator(check: Callable[[], list[str]]) -> None:
    """A check over every app's registrations, returning problems as sentences; run by ``validate``."""
    if check not in _validators:
        _validators.append(check)


def problems() -> list[str]:
    found: list[str] = _check_blind_indexes()
    for check in _validators:
        found.extend(check())
    return found


def validate() -> None:
    """Raise ``ImproperlyConfigured`` listing every problem; called when the app server starts."""
    found = problems()
    if found:
        raise ImproperlyConfigured("bad registrations: " + "; ".join(found))
