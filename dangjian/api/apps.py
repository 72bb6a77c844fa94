from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dangjian.api"
    label = "api"
    verbose_name = "接口"
