"""Ledgers (台账) and linkable records: what each app contributes so that checklists can print the
zone's ledgers and let a progress report point at records already in the platform.

**Ledgers.** A ledger is a named, printable selection of records ("组织生活台账", "走访台账" …). The app
that owns the records registers how to draw it; the zone office lists the ledgers it keeps (the
catalogue in ``checklists``) and prints any of them for a branch or the zone and a year, as a paper
file (cover page, A4, title and header repeated, page numbers) or an xlsx with the same print settings.
Nobody types a ledger in: its rows are read from the records each time.

Contract — call from your ``AppConfig.ready()``::

    from dangjian.core.ledgers import Column, register_ledger

    register_ledger(
        key="casework.visits",          # "<app label>.<name>", unique across the platform
        name="走访台账",                  # what the office calls it (also how a catalogue entry finds it)
        capability="casework.view",      # the actor needs it on the org to print the ledger
        columns=(Column("日期", 11), Column("走访人", 8), Column("走访对象", 10), Column("反映问题", 40)),
        rows=visit_ledger_rows,          # rows(actor, org, year) -> iterable of lists, in ``columns`` order
        order=40,
        description="党员干部走访群众的记录",
    )

For a ledger in several parts pass ``sections=fn`` instead of ``columns``/``rows``, where
``fn(actor, org, year)`` returns a list of ``Section(title, columns, rows)``.

The row functions receive the acting user and an org the caller has already checked (the actor holds
``capability`` on the org's whole subtree); they read that subtree (``org__path__startswith=org.path``)
through the app's scoped selectors for the calendar year, in a fixed number of queries, and yield cells
that are ``str``, ``int``, ``date``/``datetime`` or ``None``. A ledger is filed
on paper: personal data (身份证号, phones) is masked, never revealed. Column widths are in characters.

A bad registration (a key registered twice, no name, both or neither of rows/sections, a column
without a header) raises ``ImproperlyConfigured`` at start, never silently at print time.

**Linkable records.** A progress report on a key task can cite records already in the platform (a
meeting, a visit, a project) instead of retyping them. The owning app registers::

    register_record_kind(
        key="activities.activity",
        label="会议活动",
        capability="activities.view",
        search=lambda actor, org, text, year: [...],  # up to 20 RecordRef in org's subtree and the actor's scope
        get=lambda actor, pk: RecordRef | None,       # the record if it exists and the actor may see it
    )

``RecordRef(pk, label, org_path, url)``: ``label`` is how a person names the record ("2023-05-10 支委会
五月支委会"), ``org_path`` the path of the org the record belongs to (so a report may only cite its own
branch's records), ``url`` its page (or "").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .actors import Actor
from .scoping import HasPath

KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 12  # characters; the printers size columns from it


@dataclass
class Section:
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[list[Any]]
    note: str = ""  # a line printed under the section title (a count, a summary)


@dataclass(frozen=True)
class Ledger:
    key: str
    name: str
    capability: str
    columns: tuple[Column, ...] = ()
    rows: Callable[..., Iterable[list[Any]]] | None = None
    sections: Callable[..., list[Section]] | None = None
    order: int = 100
    description: str = ""

    @property
    def app_label(self) -> str:
        return self.key.split(".", 1)[0]

    def build(self, actor: Actor, org: HasPath, year: int) -> list[Section]:
        """The ledger's parts for ``org``'s subtree and ``year`` (the caller has checked scope)."""
        if self.sections is not None:
            return list(self.sections(actor, org, year))
        assert self.rows is not None
        return [Section(self.name, self.columns, self.rows(actor, org, year))]


_ledgers: dict[str, Ledger] = {}


def register_ledger(
    *,
    key: str,
    name: str,
    capability: str,
    columns: Iterable[Column] = (),
    rows: Callable[..., Iterable[list[Any]]] | None = None,
    sections: Callable[..., list[Section]] | None = None,
    order: int = 100,
    description: str = "",
) -> Ledger:
    """Register a ledger (see the module docstring for the contract). Fails loudly on a bad one."""
    columns = tuple(columns)
    if not KEY.match(key or ""):
        raise ImproperlyConfigured(f"ledger key {key!r} must look like 'app.name'")
    if not (name or "").strip():
        raise ImproperlyConfigured(f"ledger {key!r} has no name")
    if not capability:
        raise ImproperlyConfigured(f"ledger {key!r} declares no capability")
    if (rows is None) == (sections is None):
        raise ImproperlyConfigured(f"ledger {key!r} needs exactly one of rows= and sections=")
    if rows is not None and not columns:
        raise ImproperlyConfigured(f"ledger {key!r} has rows but no columns")
    if any(not isinstance(c, Column) or not c.header.strip() or c.width <= 0 for c in columns):
        raise ImproperlyConfigured(f"ledger {key!r} has a column without a header or width")
    ledger = Ledger(key, name.strip(), capability, columns, rows, sections, order, description)
    if key in _ledgers and _ledgers[key] != ledger:
        raise ImproperlyConfigured(f"ledger {key!r} is registered twice")
    _ledgers[key] = ledger
    return ledger


def unregister_ledger(key: str) -> None:
    """Remove a ledger (tests registering a temporary one clean up with this)."""
    _ledgers.pop(key, None)


def get_ledger(key: str) -> Ledger | None:
    return _ledgers.get(key)


def all_ledgers() -> list[Ledger]:
    return sorted(_ledgers.values(), key=lambda item: (item.order, item.key))


def ledger_named(name: str) -> Ledger | None:
    """The registered ledger the office calls ``name``; the owning module's wins over a stand-in that
    ``checklists`` draws from key tasks of the same category."""
    found = [item for item in all_ledgers() if item.name == name.strip()]
    found.sort(key=lambda item: item.app_label == "checklists")
    return found[0] if found else None


# --- linkable records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    pk: int
    label: str
    org_path: str
    url: str = ""


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: str
    capability: str
    search: Callable[..., list[RecordRef]]
    get: Callable[..., RecordRef | None]
    extra: dict[str, Any] = field(default_factory=dict)


_record_kinds: dict[str, RecordKind] = {}


def register_record_kind(
    *,
    key: str,
    label: str,
    capability: str,
    search: Callable[..., list[RecordRef]],
    get: Callable[..., RecordRef | None],
) -> RecordKind:
    if not KEY.match(key or ""):
        raise ImproperlyConfigured(f"record kind {key!r} must look like 'app.name'")
    if not (label or "").strip() or not capability:
        raise ImproperlyConfigured(f"record kind {key!r} needs a label and a capability")
    if not callable(search) or not callable(get):
        raise ImproperlyConfigured(f"record kind {key!r} needs search and get functions")
    kind = RecordKind(key, label.strip(), capability, search, get)
    if key in _record_kinds and _record_kinds[key] != kind:
        raise ImproperlyConfigured(f"record kind {key!r} is registered twice")
    _record_kinds[key] = kind
    return kind


def unregister_record_kind(key: str) -> None:
    _record_kinds.pop(key, None)


def get_record_kind(key: str) -> RecordKind | None:
    return _record_kinds.get(key)


def all_record_kinds() -> list[RecordKind]:
    return sorted(_record_kinds.values(), key=lambda item: item.key)
