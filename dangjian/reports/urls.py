from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("todo/", views.todo, name="todo"),
    path("wall/", views.wall, name="wall"),
    path("metric/<str:key>/", views.drill, name="drill"),
    path("compare/years/", views.compare_years, name="compare_years"),
    path("compare/peers/", views.compare_peers, name="compare_peers"),
    path("summary/", views.summary, name="summary"),
    path("summary/download/", views.summary_download, name="summary_download"),
    path("summary/edit/", views.summary_edit, name="summary_edit"),
    path("summary/preview/", views.summary_preview, name="summary_preview"),
]
