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
