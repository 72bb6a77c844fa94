"""The year a page or API call is about: what was asked for, else the configured default, else this year."""

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone

FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_year(value: str | int | None) -> int | None:
    """A year in the platform's range, or None for anything else (absent, not a number, out of range)."""
    try:
        year = int(value or "")
    except (TypeError, ValueError):
        return None
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def default_year() -> int:
    """DANGJIAN_DEFAULT_YEAR when set (the demo's 2023 under `make run`), else the current year."""
    return parse_year(settings.DANGJIAN_DEFAULT_YEAR) or timezone.localdate().year


def requested_year(request: HttpRequest, fallback: str | int | None = None) -> int:
    """The year a page is asked about: ``?year=`` (else ``fallback``, e.g. a posted field), else
    ``default_year()``; a year that is not one (10000, "abc") answers 404 like any unknown page."""
    asked = request.GET.get("year") or fallback
    if not asked:
        return default_year()
    year = parse_year(asked)
    if year is None:
        raise Http404
    return year
