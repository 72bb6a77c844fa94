from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "dangjian.payouts"
    label = "payouts"
    verbose_name = "资金发放"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections, selectors  # metrics registers its figures and examples

        registry.register_section("payouts.entitlements", "资金发放", 40, sections.render_payouts)
        registry.register_encrypted_files("payouts.sheets", selectors.kept_sheet_names)
        del metrics
