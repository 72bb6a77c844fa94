from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "dangjian.ratings"
    label = "ratings"
    verbose_name = "评星评议"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "ratings.award_points": "记分",
                "ratings.correct_points": "更正积分",
                "ratings.create_campaign": "新建评选活动",
                "ratings.decide_appeal": "处理申诉",
                "ratings.define_point_rule": "维护积分规则",
                "ratings.define_scheme": "制定评星方案",
                "ratings.enter_score": "录入指标得分",
                "ratings.evaluate_by_org": "组织评价",
                "ratings.file_appeal": "提出申诉",
                "ratings.file_pledge": "报送承诺事项",
                "ratings.file_report": "书记述诺",
                "ratings.issue_voting_codes": "发放测评码",
                "ratings.log_progress": "登记承诺进度",
                "ratings.nominate": "推荐评选对象",
                "ratings.publish_campaign": "公布评选结果",
                "ratings.publish_commitment": "公开承诺",
                "ratings.publish_rating": "公布星级评定",
                "ratings.score": "评分",
                "ratings.seed_demo": "生成演示评星数据",
                "ratings.start_scoring": "开始评分",
                "ratings.update_indicator": "修改评星指标",
                "ratings.update_star": "修改摘星分数线",
                "ratings.vote": "群众测评投票",
            }
        )
        from dangjian.core import registry

        from . import metrics, sections, selectors  # metrics registers its figures and examples

        registry.register_section("ratings.points", "积分与表彰", 70, sections.render_points)
        registry.register_evidence("ratings.points", "本年积分", 10, selectors.points_evidence)
        del metrics

        from dangjian.core.ledgers import register_ledger

        from . import ledgers

        register_ledger(
            key="ratings.rewards_discipline",
            name="奖惩台账",
            capability="ratings.view",
            sections=ledgers.sections,
            order=50,
            description="评选表彰当选情况和留党察看处分，均取自评选和党员记录",
        )
