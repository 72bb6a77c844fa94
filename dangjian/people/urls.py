from django.urls import path

from . import import_views, lookup, views

app_name = "people"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("export.xlsx", views.roster_export, name="export"),
    path("p/<int:pk>/", views.person_detail, name="person"),
    path("p/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("p/<int:pk>/remove/", views.person_remove, name="person_remove"),
    path("p/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("p/<int:pk>/transfer/", views.transfer_out, name="transfer_out"),
    path("p/<int:pk>/watch/", views.person_watch, name="person_watch"),
    path("p/<int:pk>/readmit/", lookup.readmit, name="readmit"),
    path("find/", lookup.find_by_id, name="find_by_id"),
    path("import/", import_views.import_page, name="import"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
    path("import/<int:pk>/rejected.xlsx", import_views.import_rejected, name="import_rejected"),
    path("import/batch/", import_views.batch_page, name="import_batch_upload"),
    path("import/batch/<int:pk>/", import_views.batch_job, name="import_batch"),
    path("import/batch/<int:pk>/assign/", import_views.batch_assign, name="import_batch_assign"),
    path("import/batch/<int:pk>/commit/", import_views.batch_commit, name="import_batch_commit"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/in/", views.transfer_in, name="transfer_in"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("development/", views.development_list, name="development"),
    path("development/apply/", views.development_apply, name="development_apply"),
    path("development/<int:pk>/<str:step>/", views.development_step, name="development_step"),
    path("dues/", views.dues_page, name="dues"),
    path("dues/pay/", views.dues_pay, name="dues_pay"),
    path("dues/assess/", views.dues_assess, name="dues_assess"),
    path("dues/waive/", views.dues_waive, name="dues_waive"),
    path("households/", views.household_list, name="households"),
    path("residents/new/", views.resident_new, name="resident_new"),
]
