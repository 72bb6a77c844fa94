import pytest

from dangjian.reports.numerals import cn_numeral


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "零"),
        (4, "四"),
        (5, "五"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (22, "二十二"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2023, "二千零二十三"),
        (12345, "12345"),
    ],
)
def test_cn_numeral_writes_counts_as_the_article_does(n, text):
    assert cn_numeral(n) == text


def test_cn_numeral_refuses_negative_and_non_integers():
    with pytest.raises(ValueError):
        cn_numeral(-1)
    with pytest.raises(TypeError):
        cn_numeral(True)
