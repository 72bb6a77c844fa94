from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dangjian.people"
    label = "people"
    verbose_name = "党员与群众"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "people.grant_dues_waiver": "批准免交、少交党费",
                "people.link_login": "关联本人登录账号",
                "people.place_under_watch": "登记留党察看处分",
                "people.import_batch.assign": "批量导入：指定支部",
                "people.import_batch.confirm": "批量导入：确认导入",
                "people.import_batch.upload": "批量导入：上传文件",
                "people.import_members.confirm": "导入花名册：确认导入",
                "people.import_members.upload": "导入花名册：上传文件",
            }
        )
        from .development import STEP_LABELS

        register_action_labels(
            {f"people.development.{code}": f"发展党员：{label}" for code, label in STEP_LABELS.items()}
        )
        from dangjian.jobs.registry import register_daily

        from . import batch, jobs  # noqa: F401  (register the import job kinds)
        from .transfers import mark_overdue_transfers_daily

        register_daily("people.overdue_transfers", mark_overdue_transfers_daily)
        from dangjian.core import registry

        from . import exporters, metrics  # metrics registers its figures

        registry.register_exporter(exporters.RosterExporter)
        from . import todo

        registry.register_todo("people.dues", "党费与党员管理", 20, todo.dues_items)
        registry.register_todo("people.transfers", "组织关系转接", 21, todo.transfer_items)
        registry.register_todo("people.development", "发展党员", 22, todo.development_items)
        from dangjian.core.pickers import PickerSource

        from . import selectors

        registry.register_picker(
            PickerSource(
                "people.person",
                choices=selectors.persons_visible_to,
                search=selectors.search_persons,
                label=lambda person: person.name,
                # Two people of one name are told apart by their branch.
                hint=lambda person: person.org.short_name or person.org.name,
                placeholder="输入姓名或拼音首字母",
            )
        )
        # The keyed indexes services.prepare_person keeps; rotate_pii_keys --blind-index rebuilds them.
        registry.register_blind_index(
            "people.person_id",
            model="people.Person",
            index_field="id_index",
            source_field="id_number",
            kind="id",
        )
        registry.register_blind_index(
            "people.person_phone",
            model="people.Person",
            index_field="phone_index",
            source_field="phone",
            kind="phone",
        )
        del metrics
