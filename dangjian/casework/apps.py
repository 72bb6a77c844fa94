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
