from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "dangjian.payouts"
    label = "payouts"
    verbose_name = "资金发放"

    def ready(self) -> None:
        from dangjian.people import sections as person_sections

        from .sections import render_payouts

        person_sections.register("payouts.entitlements", "资金发放", 40, render_payouts)
