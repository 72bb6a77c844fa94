from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "dangjian.projects"
    label = "projects"
    verbose_name = "项目建设"

    def ready(self) -> None:
        from dangjian.core.audit_labels import register_action_labels

        # The audit log's pages and exports show these, never the code (core/tests/test_audit_labels).
        register_action_labels(
            {
                "projects.add_milestone": "登记项目节点",
                "projects.add_team_member": "增补突击队员",
                "projects.form_team": "组建党员突击队",
                "projects.record_enterprise_service": "登记企业服务",
                "projects.record_team_deed": "登记突击队事迹",
                "projects.register_enterprise": "登记企业",
                "projects.register_place": "登记服务阵地",
                "projects.register_project": "登记项目",
                "projects.report_progress": "报送项目进度",
                "projects.seed_demo": "生成演示项目",
                "projects.update_enterprise": "修改企业信息",
                "projects.update_place": "修改服务阵地",
                "projects.update_project": "修改项目",
            }
        )
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
