from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "dangjian.payouts"
    label = "payouts"
    verbose_name = "资金发放"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "payouts.approve_reversal": "批准冲正",
                "payouts.reject_reversal": "驳回冲正",
                "payouts.prepared_list": "编制发放名单",
                "payouts.verified_list": "审核发放名单",
                "payouts.approved_list": "审批发放名单",
                "payouts.create_bank_batch": "生成银行代发批次",
                "payouts.create_programme": "新建发放项目",
                "payouts.generate_list": "生成发放名单",
                "payouts.import_bank_result": "导入银行回盘",
                "payouts.import_bank_result.upload": "上传银行回盘文件",
                "payouts.import_list.upload": "上传发放名单",
                "payouts.pay": "发放登记",
                "payouts.pay_batch": "批量发放登记",
                "payouts.purge_sheets": "清理过期签收扫描件",
                "payouts.record_plan_step": "登记分红方案程序",
                "payouts.request_reversal": "申请冲正",
                "payouts.return_list": "退回发放名单",
                "payouts.save_dividend_plan": "保存分红方案",
                "payouts.upload_sheet": "上传签收表扫描件",
                "payouts.view_sheet": "查看签收表扫描件",
            }
        )
        from dangjian.core import registry

        from . import jobs, metrics, sections, selectors  # metrics registers its figures, jobs its job kind

        registry.register_section("payouts.entitlements", "资金发放", 40, sections.render_payouts)
        registry.register_encrypted_files("payouts.sheets", selectors.kept_sheet_names)
        from . import todo

        registry.register_todo("payouts.lists", "资金发放", 60, todo.list_items)
        del metrics, jobs
