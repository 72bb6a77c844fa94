from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "dangjian.checklists"
    label = "checklists"
    verbose_name = "重点任务与督导"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "checklists.accept_report": "验收任务落实情况",
                "checklists.return_report": "退回任务落实情况",
                "checklists.add_problem": "登记督导发现的问题",
                "checklists.close_problem": "问题整改销号",
                "checklists.create_task": "新建重点任务",
                "checklists.plan_visit": "安排督导",
                "checklists.publish_task": "下发重点任务",
                "checklists.record_visit": "登记督导情况",
                "checklists.save_ledger_entry": "登记台账",
                "checklists.seed_demo": "生成演示重点任务",
                "checklists.submit_report": "报送任务落实情况",
                "checklists.update_task": "修改重点任务",
            }
        )
        from . import jobs, ledgers, metrics  # metrics registers its figures and examples; jobs its export

        ledgers.register()
        from dangjian.core import registry

        from . import todo

        registry.register_todo("checklists.tasks", "重点任务", 50, todo.task_items)
        del jobs, metrics
