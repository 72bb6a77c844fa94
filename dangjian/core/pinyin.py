"""Pinyin initials for search: a user finds 王凤侠 by typing ``wfx`` and 三海社区党委 by ``shsq``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

# pypinyin is loaded on the first name that needs it, not at start-up: its dictionaries take 55 MB
# and a quarter of a second, which every process paid (a worker, a command) whether it read a
# name or not.


@cache
def _pypinyin() -> tuple[Callable[[str], list[str]], dict[str, Any], int]:
    """(first letters of a text, pypinyin's phrase list, its longest phrase's length)."""
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT

    def letters(text: str) -> list[str]:
        return lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)

    return letters, PHRASES_DICT, max(map(len, PHRASES_DICT), default=1)


@lru_cache(maxsize=8192)
def _char_initials(char: str) -> str:
    return "".join(_pypinyin()[0](char))


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """王凤侠 → "wfx": the first letter of each syllable (non-Chinese characters kept as they are).

    pypinyin reads a word from its phrase list apart from its characters (曾国藩 is zeng, not ceng);
    a name with no such word inside is read character by character from a cache, which gives the
    same letters (tested over generated names) at a tenth of the cost — an import's 100,000 names.
    """
    text = name or ""
    if _has_phrase(text):
        return "".join(_pypinyin()[0](text)).lower()[:50]
    return "".join(map(_char_initials, text)).lower()[:50]


def _has_phrase(text: str) -> bool:
    """Does a word of pypinyin's phrase list (two characters or more) occur in ``text``?"""
    size = len(text)
    if size < 2:
        return False
    _letters, phrases, longest = _pypinyin()
    for i in range(size - 1):
        for j in range(i + 2, min(size, i + longest) + 1):
            if text[i:j] in phrases:
                return True
    return False
