"""``manage.py year_summary`` and the demo zone's 2023 figures of seed/FIGURES.md, phrased as the article."""

import importlib
import io

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core import metrics

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_year_summary_writes_each_format_to_a_file(admin_user, tmp_path, fmt):
    out = tmp_path / f"summary.{fmt}"
    call_command("year_summary", org="T", year=2023, format=fmt, output=str(out), verbosity=0)
    data = out.read_bytes()
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    else:
        text = data.decode()
    assert "4个基层党组织" in text
    assert "统计期间：2023年1月1日至12月31日" in text and "数据" in text


def test_year_summary_prints_markdown_to_stdout(admin_user):
    out = io.StringIO()
    call_command("year_summary", org="T", year=2023, stdout=out)
    assert out.getvalue().startswith("# ")


def test_year_summary_refuses_an_unknown_org(db):
    with pytest.raises(CommandError):
        call_command("year_summary", org="NOPE", year=2023)


# --- the article's figures -----------------------------------------------------------------------
# (figure as the article prints it, metric keys it needs, example providers it needs)
FIGURES = [
    ("81个基层党组织", ["orgs.grassroots"], []),
    ("4个联络组", ["orgs.liaison_groups"], []),
    ("1600余名党员", ["members.on_roll"], []),
    ("办公室会议7次", ["activities.office_meetings"], []),
    ("召开主题教育推进会", ["activities.promotion_meetings"], []),
    ("7名县级领导", ["activities.leader_lecturers"], []),
    ("学习研讨30余次", ["activities.study_sessions"], []),
    ("主题党日活动22次", ["activities.theme_days"], []),
    ("9名区级党课讲师", ["activities.lecturers"], []),
    ("专题党课18场", ["activities.lectures"], []),
    ("受众5000余人", ["activities.lectures", "activities.lecture_audience"], []),
    ("610人", ["activities.trainees"], []),
    (
        "赴浙江大学、上海交大、新乡先进群体教育基地、洛阳栾川县伏牛山乡村振兴实践基地等",
        ["activities.trainees", "activities.training_bases"],
        ["activities.training_bases"],
    ),
    ("四届", ["activities.choir_contests"], []),
    ("“出彩担当”“先锋践初心”等五大类", ["activities.theme_categories"], ["activities.theme_categories"]),
    ("姬庄村“孝善党建”、王屯村“乡贤联谊”等特色品牌", [], ["orgs.brands"]),
    ("纳入“争先夺优”“项目建设”等五本台账", ["checklists.ledgers"], ["checklists.ledger_names"]),
    ("将全年党建重点任务实行清单化管理", ["checklists.key_tasks"], []),
    ("46项主题", ["casework.research_themes"], []),
    ("走访党员干部群众1500人", ["casework.research_themes", "casework.research_visits"], []),
    ("现场解决问题57个", ["casework.research_themes", "casework.problems_solved_on_site"], []),
    ("形成调研报告12篇", ["casework.research_themes", "casework.research_reports"], []),
    ("形成制度成果7项", ["casework.research_themes", "casework.institutional_outcomes"], []),
    ("走访群众6500余人", ["casework.visited_residents"], []),
    ("走访重点帮扶对象430名", ["casework.key_assistance_targets"], []),
    ("解决民生实事3000余件", ["casework.matters_resolved"], []),
    ("拨付奖励资金600余万元", ["payouts.reward_total"], []),
    ("群体3000余人", ["payouts.reward_total", "payouts.reward_beneficiaries"], []),
    ("分红108.5万元，受益群众1550名", ["payouts.dividend_total", "payouts.dividend_beneficiaries"], []),
    (
        "养老金15.92万元，受益群众398名",
        [
            "payouts.dividend_total",
            "payouts.dividend_beneficiaries",
            "payouts.pension_total",
            "payouts.pension_beneficiaries",
        ],
        [],
    ),
    ("投资4200余万元", ["projects.demo_belt_investment"], []),
    ("投入资金23亿元", ["projects.life_circle_investment"], []),
    ("建设民生项目49个", ["projects.life_circle_projects"], []),
    ("27家企业1.2万余名职工", ["projects.enterprises", "projects.enterprise_workers"], []),
    ("35支党员突击队", ["projects.commando_teams", "projects.completed"], []),
    ("20个项目全面投用", ["projects.completed"], []),
    ("65个项目加速推进", ["projects.completed", "projects.in_progress"], []),
    ("总投资102亿元的耕德电子产业园等20个项目全面投用", ["projects.completed"], ["projects.completed_names"]),
    ("建成魅力石佛寺村、森林乡村贯子村、休闲度假靳庄村等村韵品牌", [], ["projects.village_brands"]),
    ("总投资25亿元的淇水关小镇", ["projects.tourism_investment"], ["projects.tourism_names"]),
    ("投资8000万元建设热浪·冰雪嘉年华项目", [], ["projects.rural_names"]),
]

_rendered: dict[str, str] = {}


def _demo_markdown() -> str:
    """Seed the demo zone and render its 2023 overview once; later cases reuse the text (each test's
    database work is rolled back, the rendered text is not)."""
    if "md" not in _rendered:
        call_command("seed_demo", verbosity=0)
        out = io.StringIO()
        call_command("year_summary", org="SFQ", year=2023, format="md", stdout=out)
        _rendered["md"] = out.getvalue()
    return _rendered["md"]


def _examples_available(key: str) -> bool:
    if metrics.get_examples(key) is None:
        return False
    if key.startswith("activities."):
        try:
            importlib.import_module("dangjian.activities.selectors")
        except ImportError:
            return False
    return True


def _id(case) -> str:
    return (case.values if hasattr(case, "values") else case)[0]


@pytest.mark.parametrize(("figure", "keys", "examples"), FIGURES, ids=[_id(f) for f in FIGURES])
def test_demo_zone_2023_summary_prints_the_articles_figure(figure, keys, examples):
    missing = [k for k in keys if metrics.get_or_none(k) is None]
    missing += [f"ex:{k}" for k in examples if not _examples_available(k)]
    if missing:
        pytest.skip(f"not registered yet (its module is not built): {', '.join(missing)}")
    text = _demo_markdown()
    assert figure in text, f"{figure!r} missing from the 2023 overview of the demo zone"


def test_no_projects_figure_of_the_article_is_skipped():
    # The projects module is built: its figures (18, 20-24) must be printed, never skipped as "not yet".
    cases = [(f, k, e) for f, k, e in FIGURES if any(x.startswith("projects.") for x in (*k, *e))]
    assert len(cases) >= 10
    for figure, keys, examples in cases:
        missing = [k for k in keys if metrics.get_or_none(k) is None]
        missing += [k for k in examples if not _examples_available(k)]
        assert not missing, f"{figure}: {missing} not registered"
    named = [
        "projects.demo_belt_investment",
        "projects.life_circle_investment",
        "projects.life_circle_projects",
        "projects.enterprises",
        "projects.enterprise_workers",
        "projects.commando_teams",
        "projects.completed",
        "projects.in_progress",
    ]
    assert [k for k in named if metrics.get_or_none(k) is None] == []
    assert [
        k for k in ("projects.village_brands", "projects.completed_names") if not _examples_available(k)
    ] == []
