"""xlsx of any table the reports pages show, through core.exporting's ListExporter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse

from dangjian.core.actors import Actor
from dangjian.core.exporting import ListExporter
from dangjian.core.http import disposition


class TableExporter(ListExporter):
    """A table already computed by a selector: headers and rows, with a title row above them.

    Report tables hold figures and org names only — no personal data — except drill-down record lists,
    whose columns are declared by the metric's owner, who must not list personal data there."""

    identifier = "reports_table"

    def __init__(self, *, actor: Actor, name: str, title: str, headers: list[str], rows: Iterable[list[Any]]):
        super().__init__(actor=actor)
        # Excel refuses these characters (and more than 31 of any) in a sheet name.
        self.verbose_name = "".join(c for c in name if c not in "[]:*?/\\")[:31] or "Sheet1"
        self._title = title
        self.headers = headers
        self._rows = rows
        self.column_widths = {0: 28}

    @property
    def title(self) -> str:
        return self._title

    def iterate_rows(self) -> Iterator[list[Any]]:
        yield from self._rows


def xlsx_response(exporter: TableExporter, filename: str) -> HttpResponse:
    response = HttpResponse(
        exporter.xlsx_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = disposition(filename + ".xlsx")
    return response
