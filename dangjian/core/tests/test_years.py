import pytest

from dangjian.core.years import default_year, parse_year


def test_a_year_out_of_range_or_not_a_number_is_not_a_year():
    assert parse_year("2023") == 2023
    assert parse_year(2023) == 2023
    assert parse_year("1999") is None
    assert parse_year("2101") is None
    assert parse_year("abc") is None
    assert parse_year(None) is None


def test_the_default_year_is_the_setting_when_given_else_this_year(settings, time_machine):
    time_machine.move_to("2026-06-01 12:00", tick=False)
    settings.DANGJIAN_DEFAULT_YEAR = 0
    assert default_year() == 2026
    settings.DANGJIAN_DEFAULT_YEAR = 2023
    assert default_year() == 2023


def test_a_page_asked_about_no_year_gets_the_default_and_a_year_out_of_range_is_404(settings, rf):
    from django.http import Http404

    from dangjian.core.years import requested_year

    settings.DANGJIAN_DEFAULT_YEAR = "2023"
    assert requested_year(rf.get("/")) == 2023
    assert requested_year(rf.get("/?year=2024")) == 2024
    assert requested_year(rf.post("/", {"year": "2022"}), "2022") == 2022
    for bad in ("10000", "-109", "abc"):
        with pytest.raises(Http404):
            requested_year(rf.get(f"/?year={bad}"))
