"""The figure store: writes mark what they touch in their own transaction, the worker recomputes it, and
what pages read from the store is what the records say — for every stored metric of the demo zone,
after any sequence of writes."""

from datetime import date

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dangjian.activities import services as activities
from dangjian.activities.models import Activity, Kind, Status
from dangjian.core.actors import SYSTEM
from dangjian.core.figures import QUEUED_KEY
from dangjian.core.metrics import all_metrics, is_stored
from dangjian.core.models import Figure, FigureBuild, FigureDirty
from dangjian.orgs.models import Level, Org
from dangjian.people import dues
from dangjian.people import services as people
from dangjian.people.models import Member
from dangjian.projects import services as projects
from dangjian.projects.models import Initiative, Project, ProjectKind, ProjectStatus
from dangjian.reports import figures, selectors

pytestmark = pytest.mark.django_db

YEAR = 2023
DASHBOARD = reverse("reports:dashboard")


@pytest.fixture(autouse=True)
def no_refresh_pending():
    # The "a refresh is queued" flag lives in the cache; one left by an earlier test's queued refresh
    # (a database-backend job that no worker ran) would hold this test's refresh back for a minute.
    cache.delete(QUEUED_KEY)


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return Org.objects.get(code="SFQ")


def _stored_metrics():
    return [m for m in all_metrics() if is_stored(m)]


def _assert_store_matches_records(org: Org) -> None:
    """Every stored metric: the zone's figure, each child's, the breakdown — stored equals live."""
    # A fresh instance: the compliance calendar is memoized on the org object for one request.
    org = Org.objects.get(pk=org.pk)
    metrics = _stored_metrics()
    stored_values = figures.values(metrics, org, YEAR)
    stored_rollups = figures.rollups(metrics, org, YEAR)
    stored_splits = figures.splits(metrics, org, YEAR)
    for metric in metrics:
        assert stored_values[metric.key] == metric.value(org, YEAR), metric.key
        total, own, children = metric.rollup(org, YEAR)
        s_total, s_own, s_children = stored_rollups[metric.key]
        assert (s_total, s_own) == (total, own), metric.key
        assert {p: v for p, v in s_children.items() if v} == {p: v for p, v in children.items() if v}, (
            metric.key
        )
        if metric.breakdown:
            live = {k: v for k, v in metric.split(org, YEAR).items() if v}
            assert {k: v for k, v in stored_splits[metric.key].items() if v} == live, metric.key


def test_seed_demo_stores_every_metric_the_store_equals_the_records_and_a_rebuild_changes_nothing(demo):
    built = set(FigureBuild.objects.filter(year=YEAR).values_list("metric", flat=True))
    assert built == {m.key for m in _stored_metrics()}
    assert not FigureDirty.objects.exists()
    _assert_store_matches_records(demo)

    def snapshot():
        return sorted(
            Figure.objects.filter(year=YEAR).values_list("metric", "path", "label", "value", "denominator")
        )

    before = snapshot()
    call_command("rebuild_figures", year=[YEAR], verbosity=0)
    assert snapshot() == before and before

    # Without a build (a new year, a restored database without figures) pages compute live.
    FigureBuild.objects.filter(year=YEAR).delete()
    assert figures.values(all_metrics(), demo, YEAR) == {}
    assert selectors.tiles(demo, YEAR)[0].value == all_metrics()[0].value(demo, YEAR)


def test_every_registered_metric_is_kept_in_the_store():
    assert [m.key for m in all_metrics() if not is_stored(m)] == []


def test_a_distinct_count_is_stored_as_its_values_and_counts_a_value_two_children_share_once(
    admin_user, temp_metric
):
    from django.db.models import Count

    from dangjian.core import metrics

    for code in ("T-A", "T-B", "T-C1"):
        Org.objects.filter(code=code).update(founded_on=date(2023, 5, 1))
    Org.objects.filter(code="T-C").update(founded_on=date(2022, 5, 1))
    kinds = metrics.Metric(
        "testing.kinds",
        "类型数",
        "种",
        "测试",
        facts=temp_metric.facts,
        path_field="path",
        aggregate=Count("kind", distinct=True),
    )
    assert is_stored(kinds) and not kinds.is_additive
    figures.rebuild([kinds], [2023])
    zone = Org.objects.get(code="T")
    total, own, children = figures.rollups([kinds], zone, 2023)[kinds.key]
    assert (total, own, children) == kinds.rollup(zone, 2023)
    assert total == 2  # village and community, not the children's 1 + 1 + 1
    assert figures.values([kinds], zone, 2023) == {kinds.key: 2}
    depth = Org.objects.get(code="T-C1").depth
    assert figures.by_depth([kinds], zone, 2023, depth)[kinds.key] == kinds.by_depth(zone, 2023, depth)


def test_a_write_changes_the_dashboard_figure_once_the_worker_has_run(
    demo, django_user_model, client, django_capture_on_commit_callbacks
):
    branch = Org.objects.filter(path__startswith=demo.path, level=Level.BRANCH).order_by("path").first()
    metric = next(m for m in all_metrics() if m.key == "projects.completed")
    before = figures.value(metric, demo, YEAR)
    stored_before = Figure.objects.filter(metric=metric.key, year=YEAR, path=branch.path, label="").first()

    # The write commits its mark; the refresh it queues is held back here to see the page meanwhile.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        projects.register_project(
            actor=SYSTEM,
            org=branch,
            name="新建党群服务中心",
            kind=ProjectKind.VENUE,
            initiative=Initiative.RED_SITE,
            status=ProjectStatus.IN_USE,
            investment=1_000_000,
            started_on=date(YEAR, 3, 1),
            finished_on=date(YEAR, 9, 1),
        )
    assert FigureDirty.objects.filter(path=branch.path).exists()
    assert queued, "the write queued no refresh"
    client.force_login(django_user_model.objects.get(username="admin"))
    page = client.get(DASHBOARD, {"org": demo.code, "year": YEAR})
    assert "正在重新计算" in page.content.decode()

    # The worker: the queued task runs the refresh.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    assert not FigureDirty.objects.exists()
    stored = Figure.objects.get(metric=metric.key, year=YEAR, path=branch.path, label="")
    assert stored.value == (stored_before.value if stored_before else 0) + 1
    assert figures.value(metric, demo, YEAR) == before + 1
    tile = next(t for t in selectors.tiles(demo, YEAR) if t.metric.key == metric.key)
    assert tile.value == before + 1
    page = client.get(DASHBOARD, {"org": demo.code, "year": YEAR})
    assert "数据更新于" in page.content.decode() and "正在重新计算" not in page.content.decode()


def test_a_mark_is_written_in_the_writing_transaction_and_goes_with_its_rollback(branch):
    marks = FigureDirty.objects.filter(model="projects.project")
    with pytest.raises(RuntimeError), transaction.atomic():
        Project.objects.create(
            org=branch, name="村部改造", kind=ProjectKind.VENUE, status=ProjectStatus.BUILDING
        )
        assert marks.filter(path=branch.path).exists()
        raise RuntimeError("the write fails after the save")
    assert not marks.exists()


# --- the property: any sequence of writes, then the worker: the store equals the records -------------

_write = st.one_of(
    st.tuples(
        st.just("activity"),
        st.sampled_from([Kind.COMMITTEE, Kind.THEME_DAY, Kind.LECTURE]),
        st.integers(1, 12),
        st.integers(0, 40),
    ),
    st.tuples(st.just("attendance"), st.integers(0, 10_000), st.booleans()),
    st.tuples(
        st.just("project"), st.sampled_from(list(ProjectStatus)), st.integers(0, 10**9), st.integers(0, 40)
    ),
    st.tuples(st.just("project_status"), st.integers(0, 10_000), st.sampled_from(list(ProjectStatus))),
    st.tuples(st.just("delete_activity"), st.integers(0, 10_000)),
    st.tuples(st.just("remove_member"), st.integers(0, 10_000)),
    # 党章 Article 9's flags (members.lapse_*): dues paid late in the year, a waiver granted.
    st.tuples(st.just("dues"), st.integers(0, 10_000), st.integers(7, 12)),
    st.tuples(st.just("waiver"), st.integers(0, 10_000), st.integers(6, 12)),
)


def _pick(qs, n: int):
    count = qs.count()
    return qs.order_by("pk")[n % count] if count else None


def _apply(zone: Org, write: tuple) -> None:
    branches = Org.objects.filter(path__startswith=zone.path, level=Level.BRANCH, active=True)
    op = write[0]
    if op == "activity":
        _, kind, month, n = write
        activities.record_activity(
            actor=SYSTEM,
            org=_pick(branches, n),
            kind=kind,
            title="随机活动",
            date=date(YEAR, month, 15),
            status=Status.HELD,
        )
    elif op == "attendance":
        _, n, present = write
        activity = _pick(
            Activity.objects.filter(org__path__startswith=zone.path, status=Status.HELD, date__year=YEAR), n
        )
        if activity is None:
            return
        members = list(activities.eligible_members(activity)[:5])
        marks = [
            activities.Mark(m.pk, "present" if present else "absent", "" if present else "因事")
            for m in members
        ]
        if marks:
            activities.set_attendance(actor=SYSTEM, activity=activity, marks=marks)
    elif op == "project":
        _, status, investment, n = write
        projects.register_project(
            actor=SYSTEM,
            org=_pick(branches, n),
            name="随机项目",
            kind=ProjectKind.LIVELIHOOD,
            status=status,
            investment=investment,
            started_on=date(YEAR, 2, 1),
            finished_on=date(YEAR, 10, 1) if status == ProjectStatus.IN_USE else None,
        )
    elif op == "project_status":
        _, n, status = write
        project = _pick(Project.objects.filter(org__path__startswith=zone.path, parent=None), n)
        if project is not None and project.status != status:
            extra = {"finished_on": date(YEAR, 10, 1)} if status == ProjectStatus.IN_USE else {}
            try:
                projects.update_project(actor=SYSTEM, project=project, status=status, **extra)
            except Exception:  # a refused change (its own rules) writes nothing, which is fine here
                return
    elif op == "delete_activity":
        activity = _pick(Activity.objects.filter(org__path__startswith=zone.path, date__year=YEAR), write[1])
        if activity is not None:
            activity.delete()
    elif op == "remove_member":
        on_roll = Member.objects.filter(org__path__startswith=zone.path, left_on=None)
        member = _pick(on_roll.filter(joined_on__lte=date(YEAR, 6, 30)), write[1])
        if member is not None:
            people.remove_member(actor=SYSTEM, member=member, left_on=date(YEAR, 6, 30), reason="去世")
    elif op in ("dues", "waiver"):
        _, n, month = write
        member = _pick(Member.objects.filter(org__path__startswith=zone.path, left_on=None), n)
        if member is None:
            return
        try:
            if op == "dues":
                dues.record_dues_payment(
                    actor=SYSTEM, member=member, month=date(YEAR, month, 1), paid_on=date(YEAR, 12, 20),
                    amount_fen=100,
                )  # fmt: skip
            else:
                dues.grant_dues_waiver(
                    actor=SYSTEM, member=member, kind="exempt", reason="hardship",
                    from_month=date(YEAR, month, 1), approved_by="党工委", approved_on=date(YEAR, month, 1),
                )  # fmt: skip
        except Exception:  # paid already, exempt that month: nothing written, which is fine here
            return


@settings(
    max_examples=6,
    deadline=None,
    # No shrinking: each example runs on the seeded demo zone, and the failing writes are printed anyway.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(_write, min_size=1, max_size=6))
def test_after_any_writes_and_the_worker_the_store_equals_the_records(demo, writes):
    for write in writes:
        _apply(demo, write)
    figures.refresh()  # the worker
    assert not FigureDirty.objects.exists()
    _assert_store_matches_records(demo)
