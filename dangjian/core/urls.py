from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/", views.audit_log, name="audit"),
    path("pick/<str:source>/", views.pick, name="pick"),
    path("audit/export.jsonl", views.audit_export, name="audit_export"),
]
