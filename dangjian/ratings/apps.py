from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "dangjian.ratings"
    label = "ratings"
    verbose_name = "评星评议"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections, selectors  # metrics registers its figures and examples

        registry.register_section("ratings.points", "积分与表彰", 70, sections.render_points)
        registry.register_evidence("ratings.points", "本年积分", 10, selectors.points_evidence)
        del metrics

        from dangjian.core.ledgers import register_ledger

        from . import ledgers

        register_ledger(
            key="ratings.rewards_discipline",
            name="奖惩台账",
            capability="ratings.view",
            sections=ledgers.sections,
            order=50,
            description="评选表彰当选情况和留党察看处分，均取自评选和党员记录",
        )
