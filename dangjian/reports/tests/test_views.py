"""Dashboard, drill-down, comparisons and the overview page: scope, bounded queries, registry-driven."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Kind, Level, Org
from dangjian.reports.models import SummaryText

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")


def _add_branches(parent_code: str, count: int) -> None:
    for i in range(count):
        parent = Org.objects.get(code=parent_code)
        branch = Org.objects.add_child(
            parent,
            instance=Org(code=f"X{i:03d}", name=f"新村{i}党支部", level=Level.BRANCH, kind=Kind.VILLAGE),
        )
        Org.objects.add_child(
            branch,
            instance=Org(code=f"X{i:03d}-G", name=f"新村{i}党小组", level=Level.GROUP, kind=Kind.VILLAGE),
        )


def _queries(client, url) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_home_opens_the_dashboard_of_the_actors_top_org(admin_client):
    response = admin_client.get("/")
    assert response.status_code == 302 and response.url == DASHBOARD
    page = admin_client.get(DASHBOARD)
    assert page.status_code == 200
    assert page.context["org"].code == "T"


def test_secretary_dashboard_defaults_to_their_branch(secretary_client):
    page = secretary_client.get(DASHBOARD)
    assert page.context["org"].code == "T-A"


@pytest.mark.parametrize("code", ["T", "T-B", "NOPE"])
def test_secretary_gets_404_for_an_org_out_of_scope(secretary_client, code):
    assert secretary_client.get(DASHBOARD, {"org": code}).status_code == 404
    assert secretary_client.get(reverse("reports:summary"), {"org": code}).status_code == 404
    drill = reverse("reports:drill", args=["orgs.grassroots"])
    assert secretary_client.get(drill, {"org": code}).status_code == 404
    assert secretary_client.get(reverse("reports:compare_years"), {"org": code}).status_code == 404
    assert secretary_client.get(reverse("reports:compare_peers"), {"org": code}).status_code == 404


def test_a_node_only_grant_does_not_reveal_its_subtrees_figures(roles, zone, branch, client):
    from conftest import make_user

    user = make_user("nodeonly", roles["viewer"], Org.objects.get(code="T"), subtree=False)
    client.force_login(user)
    assert client.get(DASHBOARD, {"org": "T"}).status_code == 404


def test_the_dashboard_issues_the_same_number_of_queries_for_3_or_30_branches(admin_client):
    small = _queries(admin_client, DASHBOARD + "?year=2023")
    _add_branches("T", 27)
    large = _queries(admin_client, DASHBOARD + "?year=2023")
    assert small == large


def test_the_drill_down_issues_the_same_number_of_queries_for_3_or_30_branches(admin_client):
    url = reverse("reports:drill", args=["orgs.grassroots"]) + "?org=T&year=2023"
    small = _queries(admin_client, url)
    _add_branches("T", 27)
    assert _queries(admin_client, url) == small


def test_the_peer_comparison_issues_the_same_number_of_queries_for_3_or_30_branches(admin_client):
    url = reverse("reports:compare_peers") + "?org=T&year=2023&kind=village&level=branch"
    small = _queries(admin_client, url)
    _add_branches("T", 27)
    assert _queries(admin_client, url) == small


def test_a_newly_registered_metric_appears_as_a_tile_with_its_drill_down(admin_client, temp_metric):
    Org.objects.filter(code__in=["T-A", "T-C1"]).update(founded_on=date(2023, 4, 1))
    page = admin_client.get(DASHBOARD, {"year": 2023}).content.decode()
    assert 'data-metric="testing.founded"' in page
    assert "新建支部" in page
    drill = admin_client.get(reverse("reports:drill", args=["testing.founded"]), {"org": "T", "year": 2023})
    assert drill.status_code == 200
    body = drill.content.decode()
    assert "T-A" in body and "T-C1" in body  # the records behind the figure
    children = dict((c.code, v) for c, v in drill.context["child_rows"])
    assert children == {"T-A": "1", "T-B": "0", "T-C": "1"}


def test_drilling_into_a_child_shows_its_own_children(admin_client, temp_metric):
    Org.objects.filter(code="T-C1").update(founded_on=date(2023, 4, 1))
    drill = admin_client.get(reverse("reports:drill", args=["testing.founded"]), {"org": "T-C", "year": 2023})
    assert [(c.code, v) for c, v in drill.context["child_rows"]] == [("T-C1", "1")]


def test_an_unknown_metric_is_404(admin_client):
    assert admin_client.get(reverse("reports:drill", args=["no.such"])).status_code == 404


def test_charts_are_passed_as_json_data_and_drawn_by_a_static_script(admin_client):
    page = admin_client.get(DASHBOARD, {"year": 2023}).content.decode()
    assert 'id="report-charts"' in page
    assert "reports/charts.js" in page
    assert "<script>" not in page  # CSP: no inline scripts


@pytest.mark.parametrize("table", ["tiles", "rollup", "chart-0"])
def test_every_dashboard_table_exports_to_xlsx(admin_client, table):
    response = admin_client.get(DASHBOARD, {"year": 2023, "export": "xlsx", "table": table})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("reports:compare_years", {"a": 2022, "b": 2023}),
        ("reports:compare_peers", {"kind": "village", "level": "branch", "year": 2023}),
    ],
)
def test_comparisons_render_and_export(admin_client, name, params):
    page = admin_client.get(reverse(name), params)
    assert page.status_code == 200
    export = admin_client.get(reverse(name), {**params, "export": "xlsx"})
    assert export.content[:2] == b"PK"


def test_drill_down_tables_export_to_xlsx(admin_client):
    url = reverse("reports:drill", args=["orgs.grassroots"])
    for table in ("children", "records"):
        response = admin_client.get(url, {"org": "T", "year": 2023, "export": "xlsx", "table": table})
        assert response.content[:2] == b"PK"


def test_peer_comparison_lists_branches_of_the_kind_side_by_side(admin_client):
    page = admin_client.get(
        reverse("reports:compare_peers"), {"kind": "village", "level": "branch", "year": 2023}
    )
    assert [row.org.code for row in page.context["rows"]] == ["T-A", "T-B"]


def test_compare_years_puts_two_years_side_by_side(admin_client, temp_metric):
    Org.objects.filter(code="T-A").update(founded_on=date(2022, 4, 1))
    Org.objects.filter(code__in=["T-B", "T-C1"]).update(founded_on=date(2023, 4, 1))
    page = admin_client.get(reverse("reports:compare_years"), {"a": 2022, "b": 2023})
    row = next(r for r in page.context["rows"] if r["metric"].key == "testing.founded")
    assert (row["a"], row["b"], row["delta"]) == (1, 2, 1)


def test_summary_page_shows_the_overview_and_offers_downloads(admin_client):
    page = admin_client.get(reverse("reports:summary"), {"year": 2023})
    body = page.content.decode()
    assert page.status_code == 200
    assert "统计期间：" in body
    for fmt in ("docx", "html", "md"):
        response = admin_client.get(reverse("reports:summary_download"), {"year": 2023, "format": fmt})
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]


def test_staff_edit_the_prose_and_the_figures_stay_bound(admin_client):
    url = reverse("reports:summary_edit")
    response = admin_client.post(
        url,
        {
            "org": "T",
            "year": 2023,
            "section": "intro",
            "heading": "",
            "body": "全区{orgs.grassroots}个基层组织团结奋进。",
        },
    )
    assert response.status_code == 302
    text = SummaryText.objects.get(section="intro")
    assert text.version == 1 and "{orgs.grassroots}" in text.body
    assert AuditEntry.objects.filter(action="reports.save_summary_section").count() == 1
    md = admin_client.get(
        reverse("reports:summary_download"), {"year": 2023, "format": "md"}
    ).content.decode()
    assert "全区4个基层组织团结奋进。" in md
    Org.objects.get(code="T-B").delete()
    md = admin_client.get(
        reverse("reports:summary_download"), {"year": 2023, "format": "md"}
    ).content.decode()
    assert "全区3个基层组织团结奋进。" in md


def test_each_edit_is_a_new_version_and_an_unchanged_save_writes_nothing(admin_client):
    url = reverse("reports:summary_edit")
    data = {
        "org": "T",
        "year": 2023,
        "section": "intro",
        "heading": "",
        "body": "第一稿{orgs.grassroots}个。",
    }
    admin_client.post(url, data)
    admin_client.post(url, data)
    admin_client.post(url, {**data, "body": "第二稿{orgs.grassroots}个。"})
    assert list(SummaryText.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert AuditEntry.objects.filter(action="reports.save_summary_section").count() == 2


def test_an_invalid_template_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("reports:summary_edit"),
        {"org": "T", "year": 2023, "section": "intro", "heading": "", "body": "坏的{orgs.grassroots|nope}"},
        follow=True,
    )
    assert "过滤器" in response.content.decode()
    assert not SummaryText.objects.exists()


def test_a_secretary_without_reports_edit_cannot_edit_the_prose(secretary_client):
    response = secretary_client.post(
        reverse("reports:summary_edit"),
        {"org": "T-A", "year": 2023, "section": "intro", "heading": "", "body": "改{orgs.grassroots}"},
    )
    assert response.status_code == 404
    assert not SummaryText.objects.exists()


def test_metrics_sharing_a_chart_group_are_drawn_as_series_of_one_chart(admin_client, only_metrics):
    from django.db.models import Count

    from dangjian.core import metrics

    only_metrics()
    for key, label, year_field in (
        ("testing.due", "应开", "founded_on"),
        ("testing.held", "实开", "founded_on"),
    ):
        metrics.register(
            metrics.Metric(
                key=key,
                label=label,
                unit="次",
                area="测试",
                facts=lambda year, f=year_field, k=key: Org.objects.filter(
                    **{f"{f}__year": year}, level=Level.COMMITTEE if k == "testing.due" else Level.BRANCH
                ),
                path_field="path",
                aggregate=Count("pk"),
                breakdown="founded_on__month",
                breakdown_labels={m: f"{m}月" for m in range(1, 13)},
                chart_group="组织生活应开与实开（按月）",
            )
        )
    Org.objects.filter(code__in=["T-A", "T-B"]).update(founded_on=date(2023, 3, 1))
    Org.objects.filter(code="T-C").update(founded_on=date(2023, 4, 1))
    charts = admin_client.get(DASHBOARD, {"year": 2023}).context["charts"]
    assert len(charts) == 1
    assert charts[0]["categories"] == ["3月", "4月"]
    assert charts[0]["series"] == [{"name": "应开", "data": [0, 1]}, {"name": "实开", "data": [2, 0]}]


def test_the_summary_page_issues_the_same_number_of_queries_for_3_or_30_branches(admin_client):
    url = reverse("reports:summary") + "?year=2023"
    small = _queries(admin_client, url)
    _add_branches("T", 27)
    assert _queries(admin_client, url) == small


def test_a_liaison_member_with_two_subtrees_can_switch_between_them(roles, community, client):
    from conftest import make_user
    from dangjian.orgs.models import LiaisonGroup

    user = make_user("liaison")
    group = LiaisonGroup.objects.create(zone=Org.objects.get(code="T"), name="第一联络组")
    group.orgs.set(Org.objects.filter(code__in=["T-A", "T-C"]))
    group.members.add(user)
    client.force_login(user)
    page = client.get(DASHBOARD)
    assert [t.code for t in page.context["tops"]] == ["T-A", "T-C"]
    assert client.get(DASHBOARD, {"org": "T-C"}).status_code == 200
    assert client.get(DASHBOARD, {"org": "T-B"}).status_code == 404


def test_a_drill_down_column_reading_personal_data_is_masked(admin_client):
    from dangjian.core import metrics
    from dangjian.people.models import Person

    Person.objects.create(org=Org.objects.get(code="T-A"), name="王凤侠", id_number="410611199001011234")
    metric = metrics.register(
        metrics.Metric(
            key="testing.persons",
            label="人员",
            unit="人",
            area="测试",
            facts=lambda year: Person.objects.all(),
            columns=(("name", "姓名"), ("id_number", "身份证号")),
        )
    )
    try:
        page = admin_client.get(reverse("reports:drill", args=[metric.key]), {"org": "T", "year": 2023})
    finally:
        metrics.unregister(metric.key)
    body = page.content.decode()
    assert "王凤侠" in body
    assert "410611199001011234" not in body
    assert "410611***********4" in body


def test_staff_preview_an_edit_with_the_records_figures_without_saving(admin_client):
    url = reverse("reports:summary_preview")
    data = {
        "org": "T",
        "year": 2023,
        "section": "intro",
        "heading": "",
        "body": "全区{orgs.grassroots}个组织。",
    }
    body = admin_client.post(url, data).content.decode()
    assert "全区" in body and ">4<" in body
    assert not SummaryText.objects.exists()
    empty = admin_client.post(url, {**data, "body": "会议{activities.office_meetings}次。"}).content.decode()
    assert "省略" in empty
    bad = admin_client.post(url, {**data, "body": "{坏}"}).content.decode()
    assert "无法识别" in bad


def test_the_year_chosen_once_is_kept_for_the_next_report_pages(admin_client):
    admin_client.get(DASHBOARD, {"year": 2023})
    assert admin_client.get(reverse("reports:summary")).context["year"] == 2023
    assert admin_client.get(DASHBOARD).context["year"] == 2023


def test_a_year_out_of_range_falls_back_to_the_default(admin_client, settings):
    settings.DANGJIAN_DEFAULT_YEAR = 2023
    assert admin_client.get(DASHBOARD, {"year": "abc"}).context["year"] == 2023
    assert admin_client.get(DASHBOARD, {"year": 1900}).context["year"] == 2023


def test_the_wall_screen_is_dark_reloads_itself_and_shows_only_the_viewers_org(secretary_client, branch):
    page = secretary_client.get(reverse("reports:wall")).content.decode()
    assert 'http-equiv="refresh"' in page and 'data-bs-theme="dark"' in page
    assert branch.name in page
    assert secretary_client.get(reverse("reports:wall"), {"org": "T-B"}).status_code == 404
