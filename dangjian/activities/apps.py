from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    label = "activities"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "activities.add_trainees": "登记培训学员",
                "activities.record_decision": "记录会议决议",
                "activities.save_lecturer": "维护讲师",
                "activities.save_rule": "维护组织生活规则",
                "activities.save_theme_category": "维护活动主题类别",
                "activities.save_training_base": "维护培训基地",
            }
        )
        from dangjian.core import registry

        from . import metrics, sections, selectors  # metrics registers its figures

        registry.provide("member_home", member_home)
        from . import todo

        registry.register_todo("activities.meetings", "组织生活", 10, todo.meeting_items)
        registry.register_todo("activities.attendance", "组织生活", 11, todo.attendance_items)
        registry.register_section("activities.attendance", "组织生活出席", 30, sections.render_attendance)
        registry.register_examples("activities.training_bases", "培训基地", selectors.training_bases)
        registry.register_examples(
            "activities.theme_categories", "活动主题类别", selectors.theme_category_names
        )
        del metrics

        from dangjian.core.ledgers import register_ledger, register_record_kind

        from . import ledgers

        register_ledger(
            key="activities.org_life",
            name="组织生活台账",
            capability="activities.view",
            sections=ledgers.org_life_sections,
            order=30,
            description="会议活动、组织生活合规情况与民主评议，均取自会议和出席记录",
        )
        register_record_kind(
            key="activities.activity",
            label="会议活动",
            capability="activities.view",
            search=ledgers.search_meetings,
            get=ledgers.get_meeting,
        )


def member_home(user) -> str | None:
    """我的 for a login linked to a member (the home page and the menu ask core's registry)."""
    from django.urls import reverse

    from dangjian.people.selectors import member_for_user

    return reverse("activities:mine") if member_for_user(user) is not None else None
