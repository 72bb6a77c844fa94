from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    label = "activities"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from dangjian.people import sections as person_sections

        from .sections import render_attendance

        person_sections.register("activities.attendance", "组织生活出席", 30, render_attendance)
