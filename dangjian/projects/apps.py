from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "dangjian.projects"
    label = "projects"
    verbose_name = "项目建设"

    def ready(self) -> None:
        from dangjian.people import sections as person_sections

        from .sections import render_teams

        person_sections.register("projects.teams", "党员突击队", 60, render_teams)
