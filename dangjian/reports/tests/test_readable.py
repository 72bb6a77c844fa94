"""Every drill-down of the seeded demo reads as a person would write it: no code, no debugging str()."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.core.metrics import all_metrics

pytestmark = pytest.mark.django_db

# A choice's code (``te_office``, ``present``) or a model's default str() (``120@104: present``).
CODE = re.compile(r"[a-z_]{2,}|\w@\w")


class _Cells(HTMLParser):
    """Texts of the table header and data cells of a page."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._depth += 1
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.cells[-1] += data


def _cells(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return [c.strip() for c in parser.cells if c.strip()]


def test_every_metrics_drill_down_on_the_demo_shows_chinese_labels_and_named_records(client):
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username="admin"))
    offenders = {}
    for metric in all_metrics():
        response = client.get(reverse("reports:drill", args=[metric.key]), {"org": "SFQ", "year": 2023})
        assert response.status_code == 200, metric.key
        bad = sorted({cell for cell in _cells(response.content.decode()) if CODE.search(cell)})
        if bad:
            offenders[metric.key] = bad[:3]
    assert offenders == {}


def test_a_drill_down_names_attendance_by_meeting_member_and_chinese_status(client):
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username="admin"))
    response = client.get(
        reverse("reports:drill", args=["activities.attendance_rate"]), {"org": "SFQ", "year": 2023}
    )
    cells = _cells(response.content.decode())
    assert {"会议名称", "姓名", "出席情况"} <= set(cells)
    assert "出席" in cells


def _dashboard(client, username: str) -> str:
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username=username))
    return client.get(reverse("reports:dashboard"), {"year": 2023}).content.decode()


def test_the_zone_dashboard_draws_member_breakdowns_as_charts_not_as_tiles_and_keeps_its_zeros(client):
    page = _dashboard(client, "admin")
    assert 'data-metric="members.on_roll"' in page
    for twin in ("members.by_status", "members.by_kind", "members.by_age_band"):
        assert f'data-metric="{twin}"' not in page
    assert 'data-metric="payouts.elder_total"' in page  # a zero at the zone is shown: a gap to see
    assert "data-hidden-tiles" not in page


def test_a_branch_secretarys_dashboard_leaves_out_zone_level_figures_but_keeps_the_branchs_own_zeros(client):
    page = _dashboard(client, "jizhuang")
    for zone_only in ("orgs.liaison_groups", "activities.lecturers", "checklists.key_tasks"):
        assert f'data-metric="{zone_only}"' not in page
    assert 'data-metric="activities.study_sessions"' in page  # none held here, but a branch can hold one
    assert "data-hidden-tiles" in page
