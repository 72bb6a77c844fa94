"""The overview's sentence templates: figures from the registry, and nothing written without records."""

from datetime import date

import pytest

from dangjian.core import metrics
from dangjian.orgs.models import Org
from dangjian.reports.summary import TemplateError, build_summary, check_template, split_sentences
from dangjian.reports.summary_sections import DEFAULT_SECTIONS, SectionTemplate
from dangjian.reports.writers import to_markdown

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(admin_user):
    return Org.objects.get(code="T")


def _md(org, year=2023, overrides=None):
    return to_markdown(build_summary(org, year, overrides))


def test_a_metric_registered_by_another_module_appears_in_the_summary(tree, temp_metric):
    Org.objects.filter(code__in=["T-A", "T-B"]).update(founded_on=date(2023, 3, 1))
    text = _md(tree)
    assert "测试领域方面：新建支部2个。" in text


def test_a_metric_without_records_leaves_its_area_out(tree, temp_metric):
    text = _md(tree)
    assert "测试领域" not in text
    assert "新建支部" not in text


def test_a_sentence_whose_metric_is_not_registered_is_dropped(tree, only_metrics):
    only_metrics("orgs.grassroots")
    body = "第一句有{orgs.grassroots}个组织。第二句有{nobody.registered}个东西。"
    summary = build_summary(tree, 2023, {"intro": ("", body)})
    text = to_markdown(summary)
    assert "第一句有4个组织。" in text
    assert "第二句" not in text


def test_an_optional_clause_goes_alone_and_the_sentence_still_ends_with_a_full_stop(tree, only_metrics):
    only_metrics("orgs.grassroots")
    body = "共有{orgs.grassroots}个组织，[其中党员{members.on_roll}名，][受众{x.audience}人，]"
    text = _md(tree, overrides={"intro": ("", body)})
    assert "共有4个组织。" in text


def test_a_sentence_with_only_optional_figures_all_missing_is_dropped(tree, only_metrics):
    only_metrics("orgs.grassroots")
    body = "开头{orgs.grassroots}个。[党员{members.on_roll}名，]广大群众积极参与。"
    text = _md(tree, overrides={"intro": ("", body)})
    assert "广大群众" not in text


def test_a_section_with_no_figure_left_is_left_out_with_its_prose(tree, only_metrics):
    only_metrics("orgs.grassroots")
    overrides = {"theme_education": ("主题教育", "纯文字段落。\n办公室会议{activities.office_meetings}次。")}
    text = _md(tree, overrides=overrides)
    assert "主题教育" not in text
    assert "纯文字段落" not in text


def test_prose_paragraphs_stay_when_their_section_has_a_figure(tree, only_metrics):
    only_metrics("orgs.grassroots")
    overrides = {"theme_education": ("主题教育", "纯文字段落。\n共{orgs.grassroots}个组织。")}
    text = _md(tree, overrides=overrides)
    assert "## 主题教育" in text
    assert "纯文字段落。" in text


def test_approximate_exact_money_and_chinese_numeral_phrasing(tree, only_metrics, temp_metric):
    only_metrics("testing.founded")
    Org.objects.filter(code__in=["T-A", "T-B", "T-C1"]).update(founded_on=date(2023, 3, 1))
    body = "成立{testing.founded}个，即{testing.founded|cn}个，{testing.founded|unit}。"
    text = _md(tree, overrides={"intro": ("", body)})
    assert "成立3个，即三个，3个。" in text


def test_money_metric_is_written_in_wan_yuan(tree, only_metrics):
    from django.db.models import Sum

    Org.objects.filter(code="T-A").update(term_years=7)
    money = metrics.Metric(
        key="testing.money",
        label="资金",
        unit="元",
        area="测试",
        facts=lambda year: Org.objects.filter(code="T-A"),
        path_field="path",
        aggregate=Sum("term_years") * 100_000_000 + 8_500_000,  # 7.085亿分 → 708.5万元
        money=True,
    )
    only_metrics()  # the restricted registry is dropped after the test, and the metric with it
    metrics.register(money)
    text = _md(tree, overrides={"intro": ("", "分红{testing.money}。")})
    assert "分红708.5万元。" in text


def test_the_document_says_as_of_which_date_the_figures_were_taken(tree):
    summary = build_summary(tree, 2023)
    assert summary.as_of_text.startswith("统计期间：2023年1月1日至12月31日")
    assert "数据提取于" in summary.as_of_text or "数据截至" in summary.as_of_text
    assert summary.as_of_text in to_markdown(summary)


def test_a_zone_without_any_records_gets_no_figure_and_no_zero(only_metrics, zone, temp_metric):
    only_metrics("testing.founded")
    text = _md(zone)
    assert "0个" not in text and "0名" not in text
    assert "##" not in text


def test_sentences_split_on_full_stops_outside_optional_clauses():
    assert split_sentences("甲。[乙。]丙！丁") == ["甲。", "[乙。]丙！", "丁"]


@pytest.mark.parametrize(
    "bad",
    ["{orgs.grassroots|nope}", "[[嵌套]]", "[未闭合", "{随便}", "{ex:orgs.brands|all}", "多余}括号"],
)
def test_templates_with_bad_placeholders_or_clauses_are_refused(bad):
    with pytest.raises(TemplateError):
        check_template(bad)


def test_the_default_templates_are_all_valid():
    for section in DEFAULT_SECTIONS:
        assert isinstance(section, SectionTemplate)
        check_template(section.heading)
        check_template(section.body)


def test_the_orgs_own_brand_and_its_branches_brands_are_named_from_the_records(tree, only_metrics):
    only_metrics("orgs.grassroots")
    Org.objects.filter(code="T").update(brand="富美鹤城·示范有我")
    Org.objects.filter(code="T-A").update(brand="孝善党建")
    Org.objects.filter(code="T-B").update(brand="乡贤联谊")
    text = _md(Org.objects.get(code="T"))
    assert "叫响“富美鹤城·示范有我”党建品牌。4个基层党组织齐心向党" in text
    assert "甲村“孝善党建”、乙村“乡贤联谊”等特色品牌" in text
