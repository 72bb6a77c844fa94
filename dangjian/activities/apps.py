from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    label = "activities"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from dangjian.people import sections as person_sections

        from .sections import render_attendance

        person_sections.register("activities.attendance", "组织生活出席", 30, render_attendance)

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
