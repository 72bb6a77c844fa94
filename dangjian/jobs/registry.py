"""What apps contribute to the background machinery: job kinds and daily schedule items.

Apps register in their ``AppConfig.ready()``; a name registered twice fails at start, not at run time.

Contract of a job kind's handler: ``handler(job, step, progress)`` runs one step ("check", "commit" or
"run") of ``job`` in the worker, outside any transaction; it calls ``progress(done, total)`` as it
goes, and on success sets ``job.status`` (a finished status), ``job.result`` and optionally
``job.output``/``job.output_name`` — the runner saves them. An exception fails the job; a
``ValidationError``'s messages are shown to the user, anything else as a generic failure (logged).
A step must be safe to run again from the start: a job whose worker died is retried.

Contract of a daily item: ``func()`` runs once a day in the worker (the first worker to claim the
day runs it), as ``SYSTEM``; it returns a short summary (str or number) kept in ``ScheduleRun``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any, str, Callable[[int, int], None]], None]

_kinds: dict[str, Handler] = {}
_daily: dict[str, Callable[[], Any]] = {}


class RegistrationError(RuntimeError):
    pass


def register_kind(name: str, handler: Handler) -> None:
    if name in _kinds and _kinds[name] is not handler:
        raise RegistrationError(f"job kind {name!r} registered twice")
    if not callable(handler):
        raise RegistrationError(f"job kind {name!r}: handler is not callable")
    _kinds[name] = handler


def handler_for(kind: str) -> Handler:
    try:
        return _kinds[kind]
    except KeyError:
        raise RegistrationError(f"no job kind {kind!r} is registered") from None


def register_daily(name: str, func: Callable[[], Any]) -> None:
    """Run ``func`` once a day in the worker (overdue transfers, purges, the audit checkpoint …)."""
    if name in _daily and _daily[name] is not func:
        raise RegistrationError(f"daily item {name!r} registered twice")
    if not callable(func):
        raise RegistrationError(f"daily item {name!r} is not callable")
    _daily[name] = func


def daily_items() -> dict[str, Callable[[], Any]]:
    return dict(_daily)
