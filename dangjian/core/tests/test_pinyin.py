"""Pinyin initials (core.pinyin): read from a table made from pypinyin, and pypinyin's own letters."""

import gzip
import random

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from dangjian.core.pinyin import _table, build_table, name_initials


def pypinyins(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)).lower()[:50]


def test_a_missing_table_is_made_from_the_installed_pypinyin_on_first_use(tmp_path, monkeypatch):
    from dangjian.core import pinyin

    monkeypatch.setattr(pinyin, "TABLE", tmp_path / "initials.txt.gz")
    _table.cache_clear()
    try:
        assert pinyin._table().letters("王凤侠") == "wfx"
    finally:
        _table.cache_clear()
    with gzip.open(tmp_path / "initials.txt.gz", "rt", encoding="utf-8") as fh:
        assert fh.read() == build_table()
    assert [p.name for p in tmp_path.iterdir()] == ["initials.txt.gz"]  # nothing half-written left


def test_phrases_alone_and_between_other_words_read_as_pypinyin_reads_them():
    rng = random.Random(7)
    phrases = sorted(p for p in PHRASES_DICT if len(p) > 1)
    common = [chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(300)]
    # A phrase alone is always read whole (its every beginning is one), so a sample checks the lookup;
    # the table itself is checked whole above.
    for phrase in rng.sample(phrases, 5000):
        assert name_initials(phrase) == pypinyins(phrase), phrase
    # Overlapping phrases are where forward maximum matching decides: 王曾国藩, 长孙无忌长, …
    texts = []
    for phrase in rng.sample(phrases, 4000):
        other = rng.choice(phrases)
        texts += [rng.choice(common) + phrase + rng.choice(common), phrase + other, phrase[:-1] + other]
        texts.append(phrase[1:] + other[:2] + "·" + other)
    for text in texts:
        assert name_initials(text) == pypinyins(text), text


def test_surnames_read_apart_from_their_common_reading_and_mixed_text_match_pypinyin():
    names = ["曾国藩", "单雄信", "解缙", "仇英", "朴树", "查良镛", "区寄", "覃", "长孙无忌", "尉迟恭"]
    names += ["阿卜杜·热合曼", "Anna王", "王2号", "朝阳", "", "〇", "𠀀𠀁", "解放军解放", "王\U000e0100"]
    for name in names:
        assert name_initials(name) == pypinyins(name), name
    assert name_initials("王凤侠") == "wfx"
    assert name_initials(None) == ""  # type: ignore[arg-type]


def test_the_table_keeps_one_letter_per_character_for_the_phrases_put_in_place():
    table = _table()
    assert all(len(letters) == len(p) for p, letters in table.own_letters.items())
    assert table.phrases == sorted(table.phrases) and "重庆" in table.phrases
