"""The demo district's figures are stored once every app has seeded its records (reports seeds last)."""

from __future__ import annotations

from .figures import rebuild


def run(ctx) -> None:
    rows = rebuild()
    ctx.say(f"统计数据：{rows} 条")
