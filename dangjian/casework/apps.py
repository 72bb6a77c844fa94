from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "dangjian.casework"
    label = "casework"
    verbose_name = "走访调研与民生诉求"

    def ready(self) -> None:
        from dangjian.people import sections as person_sections

        from .sections import render_person_casework

        person_sections.register("casework.person", "走访与诉求", 40, render_person_casework)
