"""Payout exports: the 签领表 and the 公示 list (masked), and the bank batch file."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from dangjian.core.actors import Actor
from dangjian.core.exporting import ListExporter, raw_rows
from dangjian.core.money import fmt_yuan
from dangjian.core.pii import mask_id, shown

from .models import BankBatch, Programme


def _lines(programme: Programme, *extra: str) -> Iterator[tuple]:
    """The list's lines as the driver returns them (line, name, ID token, extra columns…, amount): a
    100,000-line list builds no model instances and runs no field converters (every column is a
    number or text; the ID numbers are opened by ``pii.shown``)."""
    rows = programme.entitlements.order_by("line_no").values_list(
        "line_no", "name", "id_number", *extra, "amount_fen"
    )
    return chain.from_iterable(raw_rows(rows))


class SignSheetExporter(ListExporter):
    """签领表: one line per beneficiary with room to sign and press a fingerprint."""

    identifier = "payouts.sign_sheet"
    verbose_name = "签领表"
    headers = [
        "序号",
        "姓名",
        "身份证号",
        "股数",
        "金额（元）",
        "领取人签名",
        "指纹",
        "代领人及身份证号",
        "领取日期",
    ]
    column_widths = {1: 10, 2: 22, 4: 12, 5: 16, 6: 10, 7: 24, 8: 12}

    def __init__(self, *, actor: Actor, programme: Programme, reveal: bool = False):
        super().__init__(actor=actor, reveal=reveal)
        self.programme = programme

    @property
    def title(self) -> str:
        return f"{self.programme.org.name}{self.programme}签领表"

    def iterate_rows(self) -> Iterator[list[Any]]:
        show = shown(mask_id, self.reveal)
        for line_no, name, number, shares, fen in _lines(self.programme, "shares"):
            yield [line_no, name, show(number), shares, fmt_yuan(fen), "", "", "", ""]


class PublicityExporter(ListExporter):
    """公示名单: names, masked ID numbers and amounts, never a full ID or phone."""

    identifier = "payouts.publicity"
    verbose_name = "公示名单"
    headers = ["序号", "姓名", "身份证号", "金额（元）"]
    column_widths = {1: 10, 2: 22, 3: 14}

    def __init__(self, *, actor: Actor, programme: Programme):
        super().__init__(actor=actor, reveal=False)
        self.programme = programme

    @property
    def title(self) -> str:
        return f"{self.programme.org.name}{self.programme}公示名单"

    def iterate_rows(self) -> Iterator[list[Any]]:
        show = shown(mask_id, reveal=False)
        for line_no, name, number, fen in _lines(self.programme):
            yield [line_no, name, show(number), fmt_yuan(fen)]


class BankBatchExporter(ListExporter):
    """The file handed to the bank: the line id comes back in the result file."""

    identifier = "payouts.bank_batch"
    verbose_name = "银行代发"
    headers = ["明细号", "姓名", "身份证号", "金额（元）", "结果（成功/失败）", "说明"]
    column_widths = {1: 10, 2: 22, 3: 14, 4: 16, 5: 20}

    def __init__(self, *, actor: Actor, batch: BankBatch, reveal: bool = False):
        super().__init__(actor=actor, reveal=reveal)
        self.batch = batch

    @property
    def title(self) -> str:
        return ""

    def iterate_rows(self) -> Iterator[list[Any]]:
        show = shown(mask_id, self.reveal)
        rows = self.batch.lines.order_by("pk").values_list(
            "pk", "entitlement__name", "entitlement__id_number", "amount_fen"
        )
        for pk, name, number, fen in chain.from_iterable(raw_rows(rows)):
            yield [pk, name, show(number), fmt_yuan(fen), "", ""]
