from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("compliance/", views.compliance, name="compliance"),
    path("rules/<str:code>/", views.rules, name="rules"),
    path("resources/<str:code>/", views.resources, name="resources"),
    path("mine/", views.mine, name="mine"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("appraisal/<str:code>/<int:year>/", views.appraisal, name="appraisal"),
    path("ledger/<str:code>/<int:year>/", views.ledger, name="ledger"),
    path("ledger/<str:code>/<int:year>/xlsx/", views.ledger_xlsx, name="ledger_xlsx"),
    path("ledger/<str:code>/<int:year>/pdf/", views.ledger_pdf, name="ledger_pdf"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/decisions/", views.decision, name="decision"),
    path("<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("<int:pk>/qr.svg", views.qr, name="qr"),
    path("<int:pk>/trainees/", views.trainees, name="trainees"),
]
