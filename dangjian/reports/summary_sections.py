"""The year-end overview (年度综述) as data: sections of sentence templates bound to metric keys.

Template syntax (also shown to staff on the edit form):
- ``{orgs.grassroots}`` a registered metric's figure in the article's style: approximate metrics
  as "1600余", exact ones as "81", money with its unit ("600余万元", "108.5万元").
  Filters: ``|unit`` appends the metric's unit, ``|cn`` writes Chinese numerals ("四"), ``|approx`` /
  ``|exact`` override the metric's choice, ``|if`` prints nothing but requires the metric to have records.
- ``{ex:orgs.brands}`` named examples from the records, joined with "、"; ``|first2`` keeps the first
  two, ``|quoted`` writes “甲”“乙”.
- ``{year}``, ``{org}`` (short name), ``{org_name}`` (full name).
- ``[ … ]`` an optional clause: left out on its own when one of its figures has no records.
- One paragraph per line; sentences end with 。！？.

A sentence is dropped when a figure outside its optional clauses is unregistered or has no records
(value 0), or when none of its figures is left; a paragraph goes with its last figure; a section with
no figure left is left out. The summary never writes a zero or a figure the records do not hold.

Keys of modules not written yet (casework, checklists, ratings, payouts, projects) are the proposed
names; a module that picks other keys edits this list, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionTemplate:
    key: str
    heading: str
    body: str


TITLE_KEY = "_title"

DEFAULT_SECTIONS: list[SectionTemplate] = [
    SectionTemplate(TITLE_KEY, "党建引领做示范 全域赋能促发展", "—{year}年{org}党建工作综述"),
    SectionTemplate(
        "intro",
        "",
        "旗帜就是方向，党建引领发展。\n"
        "{year}年，{org}始终坚持“高质量党建助力高质量发展”的理念，围绕“党建引领做示范·全域赋能促发展”这一核心，"
        "[叫响“{ex:orgs.own_brand}”党建品牌。]"
        "[{orgs.grassroots}个基层党组织齐心向党，][{members.on_roll}名党员倾情投入，]广大群众积极参与，"
        "凝心聚力、奋勇争先、争做示范，不断开创各项事业发展新局面。",
    ),
    SectionTemplate(
        "theme_education",
        "主题教育走深走实",
        "{year}年，{org}在深入开展主题教育中充分发挥党组织战斗堡垒作用和党员先锋模范作用，"
        "以党建为引领筑牢主题教育之基，在实践中举措见成效。\n"
        "——成立主题教育领导小组，[召开主题教育推进会{activities.promotion_meetings|if}，]"
        "[办公室会议{activities.office_meetings}次，]明确重点任务抓落实。"
        "建立联系指导制度，成立{orgs.liaison_groups}个联络组，定期对{org}{orgs.grassroots}个基层党组织进行督促指导，"
        "确保主题教育走深走实。\n"
        "——开展读书班专题学、组织生活集中学、一线实践研讨学、理论“轻骑兵”宣讲学“四学联动”，"
        "[{activities.leader_lecturers}名县级领导组团开展党性教育、带头讲专题党课，]"
        "坚持不懈用习近平新时代中国特色社会主义思想凝心铸魂。"
        "[各党支部采用重点领学、专题研讨等方式开展学习研讨{activities.study_sessions}次，]"
        "[组织开展主题党日活动{activities.theme_days}次，]以研讨交流锤炼思辨力、实践力。"
        "[选拔{activities.lecturers}名区级党课讲师，组建理论“轻骑兵”，]"
        "深入农村、社区、学校、企业等开展专题党课{activities.lectures}场，[受众{activities.lecture_audience}人，]"
        "推动理论学习往深里走、往实里走。\n"
        "——围绕[{ex:casework.research_theme_names|first4}等]{casework.research_themes}项主题，"
        "[走访党员干部群众{casework.research_visits}人，][现场解决问题{casework.problems_solved_on_site}个，]"
        "[形成调研报告{casework.research_reports}篇，]全面查找短板与不足，"
        "[形成制度成果{casework.institutional_outcomes}项，]确保主题教育常态长效。",
    ),
    SectionTemplate(
        "org_capacity",
        "基层党组织组织力全面提升",
        "提升组织力是基层党组织建设的核心与关键。{org}积极谋划、多措并举，推动基层党组织建设全面提升。\n"
        "加强党员教育培训。分批分期组织党员干部、村“两委”干部{activities.trainees}人"
        "[赴{ex:activities.training_bases}等{activities.training_bases|if}先进地区]开展能力提升培训，有效提升履职能力。\n"
        "抓实“头雁”考核管理。[实施农村党支部书记“一定三诺两评”承诺践诺机制{ratings.secretary_commitments|if}，"
        "强化考核结果运用，][党员干部走访群众{casework.visited_residents}人，]"
        "[走访重点帮扶对象{casework.key_assistance_targets}名，][解决民生实事{casework.matters_resolved}件，]"
        "切实解决群众急难愁盼问题，真正把党建和中心工作深度融合、一体推进。\n"
        "激发党员干部内生动力。树立鲜明用人导向，开展{ex:ratings.model_campaigns|quoted}争创活动，"
        "[{ex:ratings.model_winners|first3}等脱颖而出，]有力推动{org}各项事业高质量发展。",
    ),
    SectionTemplate(
        "systems",
        "党建工作体系日趋完善",
        "一直以来，{org}把完善基层党建工作保障体系、提升基层基础保障水平作为一项重要的工作来推动。\n"
        "组织体系重部署。[纳入{ex:checklists.ledger_names|first2|quoted}等{checklists.ledgers|cn}本台账，]"
        "[将全年党建重点任务{checklists.key_tasks|if}实行清单化管理。]\n"
        "活动体系优氛围。[精心设置{ex:activities.theme_categories|first2|quoted}等"
        "{activities.theme_categories|cn}大类党建活动主题，]"
        "[连续举办{activities.choir_contests|cn}届农村党员合唱比赛，]"
        "[举办党支部书记交流会{activities.exchange_meetings|if}等特色党建活动，]有效激发党员活力。\n"
        "奖惩体系激动能。[创新开展{ex:ratings.reward_campaigns|quoted}评选活动，]"
        "拨付奖励资金{payouts.reward_total}，[惠及党员干部、70岁以上老人等群体{payouts.reward_beneficiaries}人。]"
        "[结合“五星”支部创建{ratings.star_ratings|if}，优化奖惩对象、方式，]"
        "重点扶持村集体经济项目、选树先进典型奖励激励，以完备的党建体系推动基层党建落到实处。",
    ),
    SectionTemplate(
        "brands",
        "党建特色品牌活力迸发",
        "一年来，{org}坚持守正创新，将培育、创建党建品牌作为固化党建工作经验、提升基层治理水平的有效载体。\n"
        "基层品牌亮点纷呈。{ex:orgs.brands|first2}等特色品牌，打通党建引领乡村治理新路子。"
        "[投资{projects.demo_belt_investment}全域布局精品乡村示范带，]"
        "[建成{ex:projects.village_brands|first3}等村韵品牌，]激发基层治理新活力。\n"
        "治理格局持续完善。[投入资金{projects.life_circle_investment}，][建设民生项目{projects.life_circle_projects}个，]"
        "实现共建共享治理格局。\n"
        "助企发展增添动能。建成“工业社区”，以党建为引领、以服务为根本，"
        "惠及{org}{projects.enterprises}家企业[{projects.enterprise_workers}名职工]。",
    ),
    SectionTemplate(
        "industry",
        "党建助推产业新城全面发展",
        "{year}年，{org}以党建为引领，充分发挥党员干部在项目发展、乡村振兴中的先锋模范作用。\n"
        "[通过“红色工地”创建活动，把支部建在工地一线，{projects.commando_teams}支党员突击队日夜奋战，]"
        "[{ex:projects.completed_names|first1}等]{projects.completed}个项目全面投用，"
        "[{projects.in_progress}个项目加速推进，]不断刷新项目建设“加速度”。\n"
        "[同时，{org}开展“党旗领航·品质旅游”党建项目，高标准实施总投资{projects.tourism_investment}的"
        "{ex:projects.tourism_names|first4}等项目，构建文旅发展格局。]"
        "[此外，{org}还开展了“党建共建·乡村振兴”行动，{ex:projects.rural_names|first2}，带动村民致富增收。]",
    ),
    SectionTemplate(
        "dividends",
        "集体经济发放年终分红",
        "[{ex:payouts.dividend_orgs|first3}]坚持党建引领，不断发展壮大集体经济，为群众谋福利。"
        "共发放分红{payouts.dividend_total}，受益群众{payouts.dividend_beneficiaries}名，"
        "[发放养老金{payouts.pension_total}，受益群众{payouts.pension_beneficiaries}名。]",
    ),
]


def default_section(key: str) -> SectionTemplate | None:
    return next((s for s in DEFAULT_SECTIONS if s.key == key), None)
