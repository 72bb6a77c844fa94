from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "dangjian.casework"
    label = "casework"
    verbose_name = "走访调研与民生诉求"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections  # metrics registers its figures and examples

        registry.register_section("casework.person", "走访与诉求", 40, sections.render_person_casework)
        del metrics

        from dangjian.core.ledgers import register_ledger, register_record_kind

        from . import ledgers

        register_ledger(
            key="casework.visits",
            name="走访台账",
            capability="casework.view",
            sections=ledgers.visit_sections,
            order=40,
            description="党员干部走访群众、重点帮扶对象及反映事项，均取自走访记录",
        )
        register_ledger(
            key="casework.requests",
            name="民生实事台账",
            capability="casework.view",
            sections=ledgers.request_sections,
            order=41,
            description="群众诉求的受理、办理、办结与满意度，均取自诉求记录",
        )
        register_record_kind(
            key="casework.visit",
            label="走访记录",
            capability="casework.view",
            search=ledgers.search_visits,
            get=ledgers.get_visit,
        )
