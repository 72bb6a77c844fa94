from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    label = "activities"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections, selectors  # metrics registers its figures

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
