"""Sections of the person page contributed by other modules (activities attended, visits, payouts…).

They live in ``core.registry`` (``register_section``; the contract is there); these names stay for
modules written against the earlier spelling.
"""

from dangjian.core.registry import Section, register_section, sections

register = register_section

__all__ = ["Section", "register", "register_section", "sections"]
