"""The 项目建设台账 as a registered ledger (core.ledgers), so the zone's ledger catalogue prints it with
the others: the same rows as the project module's own ledger page, drawn from the project records."""

from __future__ import annotations

from dangjian.core.ledgers import Column

from . import exporters

COLUMNS = tuple(Column(h, w) for h, w in zip(exporters.HEADERS, exporters.WIDTHS, strict=True))


def construction_rows(actor, org, year: int) -> list[list]:
    return exporters.ledger_data(actor, org, year)["rows"]
