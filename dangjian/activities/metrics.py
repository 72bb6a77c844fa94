"""Yearly figures of organizational life and study (see core.metrics for the contract)."""

from datetime import date

from django.db.models import Count, ExpressionWrapper, IntegerField, Q, Sum
from django.db.models.functions import NullIf

from dangjian.core.metrics import ComputedMetric, Metric, register
from dangjian.orgs.models import Level, Org

from .models import Activity, Attendance, Kind, Lecturer, LecturerKind, Participation, Status, Trainee

CHOIR_SERIES = "农村党员合唱比赛"


def _held(year: int, **filters):
    return Activity.objects.filter(
        status=Status.HELD, date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1), **filters
    )


def _roster(year: int):
    return Lecturer.objects.filter(kind=LecturerKind.DISTRICT, listed_from__lt=date(year + 1, 1, 1)).filter(
        Q(listed_to__isnull=True) | Q(listed_to__gte=date(year, 1, 1))
    )


def _district_lectures(year: int):
    return _held(year, kind__in=[Kind.LECTURE, Kind.PREACH], lecturer__kind=LecturerKind.DISTRICT)


# Drill-down columns (read by the reports app) for figures counted from activities.
ACTIVITY_COLUMNS = (("date", "日期"), ("org__name", "组织"), ("kind", "类型"), ("title", "主题"))
LECTURE_COLUMNS = (
    ("date", "日期"),
    ("org__name", "组织"),
    ("lecturer__name", "主讲人"),
    ("audience", "受众"),
)

AREA = "组织生活"
STUDY = "学习教育"

register(
    Metric(
        key="activities.office_meetings",
        label="主题教育办公室会议",
        unit="次",
        area=STUDY,
        facts=lambda year: _held(year, kind=Kind.THEME_OFFICE),
        columns=ACTIVITY_COLUMNS,
        order=200,
    )
)
register(
    Metric(
        key="activities.promotion_meetings",
        label="主题教育推进会",
        unit="次",
        area=STUDY,
        facts=lambda year: _held(year, kind=Kind.THEME_PROMOTION),
        columns=ACTIVITY_COLUMNS,
        order=201,
    )
)
register(
    Metric(
        key="activities.leader_lecturers",
        label="讲授专题党课的县级领导",
        unit="名",
        area=STUDY,
        facts=lambda year: _held(year, kind=Kind.LECTURE, lecturer__kind=LecturerKind.LEADER),
        aggregate=Count("lecturer", distinct=True),
        columns=LECTURE_COLUMNS,
        order=202,
    )
)
register(
    Metric(
        key="activities.study_sessions",
        label="学习研讨",
        unit="次",
        area=STUDY,
        facts=lambda year: _held(year, kind=Kind.SEMINAR),
        approx=True,
        columns=ACTIVITY_COLUMNS,
        order=203,
    )
)
register(
    Metric(
        key="activities.theme_days",
        label="主题党日活动",
        unit="次",
        area=AREA,
        facts=lambda year: _held(year, kind=Kind.THEME_DAY, org__level=Level.WORKING_COMMITTEE),
        columns=ACTIVITY_COLUMNS,
        order=204,
        description="由党工委统一组织、各支部参加的主题党日",
    )
)
register(
    Metric(
        key="activities.lecturers",
        label="区级党课讲师",
        unit="名",
        area=STUDY,
        facts=_roster,
        path_field="zone__path",
        columns=(("name", "姓名"), ("title", "职务/单位"), ("listed_from", "入库日期")),
        order=205,
    )
)
register(
    Metric(
        key="activities.lectures",
        label="区级党课讲师讲授专题党课",
        unit="场",
        area=STUDY,
        facts=_district_lectures,
        columns=LECTURE_COLUMNS,
        order=206,
    )
)
register(
    Metric(
        key="activities.lecture_audience",
        label="专题党课受众",
        unit="人",
        area=STUDY,
        facts=_district_lectures,
        aggregate=Sum("audience"),
        approx=True,
        columns=LECTURE_COLUMNS,
        order=207,
    )
)
register(
    Metric(
        key="activities.trainees",
        label="参训人员",
        unit="人",
        area=STUDY,
        facts=lambda year: Trainee.objects.filter(
            activity__status=Status.HELD,
            activity__kind=Kind.TRAINING,
            activity__date__gte=date(year, 1, 1),
            activity__date__lt=date(year + 1, 1, 1),
        ),
        path_field="activity__org__path",
        columns=(("name", "姓名"), ("activity__training_base__name", "培训基地"), ("activity__date", "日期")),
        order=208,
    )
)
register(
    Metric(
        key="activities.training_bases",
        label="培训基地",
        unit="个",
        area=STUDY,
        facts=lambda year: _held(year, kind=Kind.TRAINING, training_base__isnull=False),
        aggregate=Count("training_base", distinct=True),
        columns=ACTIVITY_COLUMNS,
        order=209,
    )
)
register(
    Metric(
        key="activities.choir_contests",
        label="农村党员合唱比赛",
        unit="届",
        area=AREA,
        facts=lambda year: Activity.objects.filter(
            status=Status.HELD, kind=Kind.CONTEST, series=CHOIR_SERIES, date__lt=date(year + 1, 1, 1)
        ),
        columns=ACTIVITY_COLUMNS,
        order=210,
        description="截至当年累计举办的届数",
    )
)
register(
    Metric(
        key="activities.exchange_meetings",
        label="书记交流会",
        unit="次",
        area=AREA,
        facts=lambda year: _held(year, kind=Kind.EXCHANGE),
        columns=ACTIVITY_COLUMNS,
        order=211,
    )
)
register(
    Metric(
        key="activities.theme_categories",
        label="活动主题大类",
        unit="类",
        area=AREA,
        facts=lambda year: _held(year, theme_category__isnull=False),
        aggregate=Count("theme_category", distinct=True),
        columns=ACTIVITY_COLUMNS,
        order=212,
    )
)
register(
    Metric(
        key="activities.meetings_held",
        label="组织生活",
        unit="次",
        area=AREA,
        facts=lambda year: _held(year),
        columns=ACTIVITY_COLUMNS,
        chart="bar",
        order=213,
        breakdown="kind",
        breakdown_labels={k.value: str(k.label) for k in Kind},
    )
)
register(
    Metric(
        key="activities.attendance_rate",
        label="组织生活出席率",
        unit="%",
        area=AREA,
        facts=lambda year: Attendance.objects.filter(
            activity__status=Status.HELD,
            activity__date__gte=date(year, 1, 1),
            activity__date__lt=date(year + 1, 1, 1),
        ),
        path_field="activity__org__path",
        columns=(
            ("activity__date", "日期"),
            ("activity__org__name", "组织"),
            ("activity__title", "会议名称"),
            ("member__person__name", "姓名"),
            ("status", "出席情况"),
        ),
        # Integer percent: present × 100 / expected (NULL, hence 0, when nobody was expected).
        aggregate=ExpressionWrapper(
            Count("pk", filter=Q(status=Participation.PRESENT)) * 100 / NullIf(Count("pk"), 0),
            output_field=IntegerField(),
        ),
        # Stored as its two counts, which roll up (a rate of rates would not).
        rate_parts=(Count("pk", filter=Q(status=Participation.PRESENT)), Count("pk")),
        order=214,
    )
)


# Organizational life held against what the compliance rules require, month by month. Neither figure is
# a stored fact: both are read off the compliance calendar, which is derived from rules and records.
MONTH_LABELS = {m: f"{m}月" for m in range(1, 13)}
HELD_VS_DUE = "组织生活：应开与已开（按月）"


def _requirements(org, year: int, *, which: str):
    # Both figures come from one calendar; the dashboard asks for each several times (tile, roll-up,
    # chart) with the same org instance, so the calendar is built once per request and org.
    memo = org.__dict__.setdefault("_held_vs_due", {})
    if year not in memo:
        from .selectors import compliance_matrix

        memo[year] = [
            (row.path, MONTH_LABELS[cell.month], min(r.held, r.min_count), r.min_count)
            for row in compliance_matrix(org, year).rows
            for cell in row.cells
            for r in cell.requirements
        ]
    for path, month, n_held, n_due in memo[year]:
        n = {"held": n_held, "due": n_due, "missed": n_due - n_held}[which]
        if n:
            yield path, month, n


def _held_vs_due(
    key: str, label: str, *, which: str, order: int, description: str, shown: bool = True
) -> ComputedMetric:
    return ComputedMetric(
        key=key,
        label=label,
        unit="次",
        area=AREA,
        # A drill-down lists the branches; each metric gets its own facts function so the reports
        # app never mistakes one for the other's twin.
        facts=lambda year: Org.objects.filter(level=Level.BRANCH, active=True),
        path_field="path",
        columns=(("name", "党支部"), ("kind", "类型")),
        compute=lambda org, year: _requirements(org, year, which=which),
        # The calendar counts the meetings held, a 支部党员大会 only with its quorum of the roll (the
        # rules' changes rebuild it whole; a change under an org recomputes that org's subtree).
        depends_on=(
            ("activities.activity", "org__path"),
            ("activities.attendance", "activity__org__path"),
            ("people.membershipperiod", "org__path"),
        ),
        breakdown="month",
        breakdown_labels=MONTH_LABELS,
        chart="bar" if shown else "",
        chart_group=HELD_VS_DUE if shown else "",
        tile=shown,
        order=order,
        description=description,
    )


register(
    _held_vs_due(
        "activities.required_due",
        "应开组织生活",
        which="due",
        order=215,
        description="按组织生活频次规则，各党支部当月（季、年）末应召开的会议次数",
    )
)
register(
    _held_vs_due(
        "activities.required_held",
        "已开组织生活（计入要求）",
        which="held",
        order=216,
        description="应开会议中实际召开的次数（每项要求最多计满应开次数）",
    )
)
# The compliance page finds the branches with a 缺 among a whole city's from this figure's stored rows
# (only the branch-months short of a requirement have one), instead of building every branch's calendar.
# It repeats what the two figures above show, so the dashboard draws no tile or chart for it.
register(
    _held_vs_due(
        "activities.required_missed",
        "应开未开组织生活",
        which="missed",
        order=217,
        description="按组织生活频次规则，各党支部当月（季、年）末应召开而未召开的会议次数（当月未结束的为尚待召开）",
        shown=False,
    )
)
