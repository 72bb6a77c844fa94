from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("exports/<int:pk>/", views.export_page, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
