from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "dangjian.projects"
    label = "projects"
    verbose_name = "项目建设"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections  # metrics registers its figures and examples

        registry.register_section("projects.teams", "党员突击队", 60, sections.render_teams)
        del metrics

        from dangjian.core.ledgers import register_ledger, register_record_kind

        from . import ledgers

        register_ledger(
            key="projects.construction",
            name="项目建设台账",
            capability="projects.view",
            columns=ledgers.COLUMNS,
            rows=ledgers.construction_rows,
            order=20,
            description="项目、投资与进度、节点和党员突击队，均取自项目记录",
        )
        register_record_kind(
            key="projects.project",
            label="项目",
            capability="projects.view",
            search=ledgers.search_projects,
            get=ledgers.get_project,
        )
