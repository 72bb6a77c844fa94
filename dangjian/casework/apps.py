from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "dangjian.casework"
    label = "casework"
    verbose_name = "走访调研与民生诉求"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "casework.add_problem": "登记调研发现的问题",
                "casework.close_request": "办结诉求",
                "casework.create_request": "登记群众诉求",
                "casework.create_theme": "确定调研主题",
                "casework.end_key_target": "取消重点走访对象",
                "casework.load_default_calendar": "载入法定节假日",
                "casework.mark_key_target": "标记重点走访对象",
                "casework.note_request": "诉求办理备注",
                "casework.record_output": "登记调研成果",
                "casework.record_research_visit": "登记调研走访",
                "casework.record_visit": "登记走访",
                "casework.resolve_request": "答复诉求",
                "casework.save_category": "维护诉求类别",
                "casework.seed_demo": "生成演示走访与诉求",
                "casework.set_calendar_day": "设置工作日历",
                "casework.start_request": "开始办理诉求",
                "casework.submit_public_request": "群众在线提交诉求",
                "casework.transfer_request": "转办诉求",
            }
        )
        from dangjian.core import registry

        from . import metrics, sections  # metrics registers its figures and examples

        registry.register_section("casework.person", "走访与诉求", 40, sections.render_person_casework)
        from . import todo

        registry.register_todo("casework.requests", "群众诉求", 40, todo.request_items)
        del metrics

        from dangjian.core.ledgers import register_ledger, register_record_kind

        from . import ledgers

        register_ledger(
            key="casework.visits",
            name="走访台账",
            capability="casework.view",
            sections=ledgers.visit_sections,
            order=40,
            description="党员干部走访群众、重点帮扶对象及反映事项，均取自走访记录",
        )
        register_ledger(
            key="casework.requests",
            name="民生实事台账",
            capability="casework.view",
            sections=ledgers.request_sections,
            order=41,
            description="群众诉求的受理、办理、办结与满意度，均取自诉求记录",
        )
        register_record_kind(
            key="casework.visit",
            label="走访记录",
            capability="casework.view",
            search=ledgers.search_visits,
            get=ledgers.get_visit,
        )
