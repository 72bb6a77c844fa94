"""Sections of the person page contributed by other modules (activities attended, visits, payouts…).

Contract: ``register(key, title, order, render)`` where ``render(person, actor) -> str`` returns the
section's HTML (usually ``render_to_string`` of the app's own partial) or "" to hide it. ``render``
must read only through scoped selectors; the person page calls every registered section in order.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    render: Callable


_sections: dict[str, Section] = {}


def register(key: str, title: str, order: int, render: Callable) -> None:
    _sections[key] = Section(key, title, order, render)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))
