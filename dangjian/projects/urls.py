from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/progress/", views.project_progress, name="progress"),
    path("<int:pk>/milestones/", views.project_milestone, name="milestone"),
    path("reports/<int:pk>/photo/", views.report_photo, name="report_photo"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/members/", views.team_member, name="team_member"),
    path("teams/<int:pk>/deeds/", views.team_deed, name="team_deed"),
    path("enterprises/", views.enterprises, name="enterprises"),
    path("enterprises/new/", views.enterprise_form, name="enterprise_new"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/<int:pk>/edit/", views.enterprise_form, name="enterprise_edit"),
    path("places/", views.places, name="places"),
    path("places/new/", views.place_form, name="place_new"),
    path("places/<int:pk>/edit/", views.place_form, name="place_edit"),
    path("ledger/<str:code>/<int:year>/", views.ledger, name="ledger"),
]
