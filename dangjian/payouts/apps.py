from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "dangjian.payouts"
    label = "payouts"
    verbose_name = "资金发放"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections  # metrics registers its figures and examples

        registry.register_section("payouts.entitlements", "资金发放", 40, sections.render_payouts)
        del metrics
