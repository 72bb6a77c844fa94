"""Pinyin initials for search: a user finds 王凤侠 by typing ``wfx`` and 三海社区党委 by ``shsq``.

The letters are pypinyin's own (``lazy_pinyin(text, Style.FIRST_LETTER, strict=False)``, joined and
lower-cased), read from a table made from the installed pypinyin (``pinyin_initials.txt.gz`` beside
this module, written by ``python -m dangjian.core.pinyin`` on every ``make`` install; derived from a
dependency, so never committed): pypinyin itself keeps every reading of 47,000 phrases and 42,000
characters as Python lists, 48 MB in every process that computes one name (a 100,000-row roster
import, a worker), where initials need a letter per character and the phrases, 17 MB.

pypinyin reads a text run of Chinese characters by forward maximum matching over its phrase list
(``pypinyin.seg.mmseg``, strict: a word is a listed phrase or one character), so 重庆 is cq though 重
alone is z; ``_Table._phrases_in`` is that same matching, and the tests compare it with the installed
pypinyin on thousands of phrases, alone and overlapping.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("pinyin_initials.txt.gz")
_PAIR_SLOTS = 1 << 20


class _Table:
    """The table, loaded on the first name: a quarter of a second, not paid by every process."""

    __slots__ = ("chars", "phrases", "pairs", "own_letters", "han")

    def __init__(self, table: Iterable[str]):
        lines = iter(table)
        next(lines)  # the pypinyin version it was made from
        # pypinyin's Chinese characters, as code point ranges: the runs that are cut into words.
        ranges = [part.split("-") for part in next(lines).split()]
        spans = "".join(f"\\U{int(a, 16):08x}-\\U{int(b, 16):08x}" for a, b in ranges)
        self.han = re.compile(f"[{spans}]{{2,}}")  # runs of two or more: one character is no phrase
        # The phrases (two characters or more), sorted: the first one at or after a text begins with
        # it when any does, so one bisection asks both "a phrase?" and "a phrase's beginning?" (a set
        # of every beginning held 7 MB for that).
        self.phrases: list[str] = []
        # A phrase's letters where they are not its characters' letters one by one (2,000 of 47,000).
        self.own_letters: dict[str, str] = {}
        # Each code point's letter, or the character itself, up to the last character with a letter:
        # a str is a str.translate table (indexed by code point; beyond its end a character is kept)
        # of 0.8 MB, where a dict of 42,000 code points held 2.5 MB. Built as code points in an
        # array, not 200,000 one-character strings.
        points = array("I")
        for line in lines:
            key, _, letters = line.rstrip("\n").partition("\t")
            if len(key) == 1:
                point = ord(key)
                if point >= len(points):
                    points.extend(range(len(points), point + 1))
                points[point] = ord(letters)
            elif key:
                self.phrases.append(key)
                if letters:
                    self.own_letters[key] = letters
        self.chars = points.tobytes().decode(
            "utf-32-le" if sys.byteorder == "little" else "utf-32-be", "surrogatepass"
        )
        self.phrases.sort()
        # A byte per hash slot of the phrases' first two characters: one index turns away the pairs
        # no phrase begins with (nearly every pair of a name) before a bisection's dozen comparisons;
        # a slot shared by chance costs only that bisection. A set of the 35,000 pairs held 3 MB.
        # (str hashes differ between processes; each process builds its own table.)
        pairs = self.pairs = bytearray(_PAIR_SLOTS)
        for phrase in self.phrases:
            pairs[hash(phrase[:2]) & (_PAIR_SLOTS - 1)] = 1

    def letters(self, text: str) -> str:
        """One letter per character (a character without pinyin is kept), then the letters of the
        phrases read as phrases put in place."""
        plain = text.translate(self.chars)
        if len(text) < 2:
            return plain
        spliced: list[str] | None = None
        for run in self.han.finditer(text):
            for start, letters in self._phrases_in(run.group()):
                if spliced is None:
                    spliced = list(plain)
                at = run.start() + start
                spliced[at : at + len(letters)] = letters
        return plain if spliced is None else "".join(spliced)

    def _phrases_in(self, run: str) -> list[tuple[int, str]]:
        """Where the phrases read with letters of their own start, and those letters, as pypinyin's
        strict forward maximum matching (``mmseg.Seg(no_non_phrases=True).cut``) cuts the run: the
        longest phrase at the start, else one character; a rest that is all a phrase's beginning but
        holds no phrase at its start is read character by character to the end."""
        found: list[tuple[int, str]] = []
        pairs, phrases = self.pairs, self.phrases
        i, size = 0, len(run)
        while i < size - 1:
            end = i + 2
            head = run[i:end]
            if not pairs[hash(head) & (_PAIR_SLOTS - 1)]:
                i += 1  # no phrase begins with these two characters: the first is read alone
                continue
            best = i + 1
            at = 0
            while True:
                # A longer head sorts after this one: the search goes on from where this one stopped.
                at = bisect_left(phrases, head, at)
                if at == len(phrases):
                    break
                nearest = phrases[at]
                if nearest == head:
                    best = end
                elif not nearest.startswith(head):
                    break
                end += 1
                if end > size:
                    break
                head = run[i:end]
            if best == i + 1:
                if end > size:
                    break  # the whole rest began a phrase and held none: one character at a time
                i += 1
                continue
            letters = self.own_letters.get(run[i:best])
            if letters is not None:
                found.append((i, letters))
            i = best
        return found


@cache
def _table() -> _Table:
    if not TABLE.exists():
        write_table()
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        return _Table(fh)


def write_table() -> None:
    """Make the table from the installed pypinyin (``make`` does it on every install, so it follows
    pypinyin's version; a process that finds it missing makes it once). Written aside and renamed,
    so a process reading it never sees half a file."""
    temporary = TABLE.with_name(f".{TABLE.name}.{os.getpid()}")
    # No name and no time in the gzip header: the same pypinyin makes the same bytes.
    with temporary.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(build_table().encode("utf-8"))
    os.replace(temporary, TABLE)


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """王凤侠 → "wfx": the first letter of each syllable (non-Chinese characters kept as they are)."""
    return _table().letters(name or "").lower()[:50]


def build_table() -> str:
    """The table's text, from the installed pypinyin (slow; for ``python -m`` and the tests)."""
    import pypinyin
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS

    def letters(text: str) -> str:
        return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False))

    ranges: list[list[int]] = []
    for point in range(0x110000):
        if 0xD800 <= point <= 0xDFFF or not RE_HANS.match(chr(point)):
            continue
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    lines = [f"pypinyin {pypinyin.__version__}", " ".join(f"{a:x}-{b:x}" for a, b in ranges)]
    chars = {chr(point) for point in PINYIN_DICT} | {p for p in PHRASES_DICT if len(p) == 1}
    by_char = {}
    for char in sorted(chars):
        found = letters(char)
        if len(found) != 1 and found != char:
            raise ValueError(f"{char}: {found!r}, not one letter")  # _Table.letters splices by position
        by_char[char] = found
        if found != char:
            lines.append(f"{char}\t{found}")
    for phrase in sorted(PHRASES_DICT):
        if len(phrase) < 2 or not RE_HANS.match(phrase):
            continue  # a phrase is only ever matched inside a run of Chinese characters
        found = letters(phrase)
        if len(found) != len(phrase):
            raise ValueError(f"{phrase}: {found!r}, not one letter a character")
        alone = "".join(by_char.get(c, c) for c in phrase)
        lines.append(phrase if found == alone else f"{phrase}\t{found}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    write_table()
