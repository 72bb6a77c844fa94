from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "dangjian.ratings"
    label = "ratings"
    verbose_name = "评星评议"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics, sections  # metrics registers its figures and examples

        registry.register_section("ratings.points", "积分与表彰", 70, sections.render_points)
        del metrics
