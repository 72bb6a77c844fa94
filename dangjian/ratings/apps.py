from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "dangjian.ratings"
    label = "ratings"
    verbose_name = "评星评议"

    def ready(self) -> None:
        from dangjian.people import sections as person_sections

        from .sections import render_points

        person_sections.register("ratings.points", "积分与表彰", 70, render_points)
