from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dangjian.people"
    label = "people"
    verbose_name = "党员与群众"

    def ready(self) -> None:
        from dangjian.jobs.registry import register_daily

        from . import batch, jobs  # noqa: F401  (register the import job kinds)
        from .transfers import mark_overdue_transfers_daily

        register_daily("people.overdue_transfers", mark_overdue_transfers_daily)
        from dangjian.core import registry

        from . import exporters, metrics  # metrics registers its figures

        registry.register_exporter(exporters.RosterExporter)
        # The keyed indexes services.prepare_person keeps; rotate_pii_keys --blind-index rebuilds them.
        registry.register_blind_index(
            "people.person_id",
            model="people.Person",
            index_field="id_index",
            source_field="id_number",
            kind="id",
        )
        registry.register_blind_index(
            "people.person_phone",
            model="people.Person",
            index_field="phone_index",
            source_field="phone",
            kind="phone",
        )
        del metrics
