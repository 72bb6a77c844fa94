from django.urls import path

from . import views

app_name = "checklists"
urlpatterns = [
    path("", views.index, name="index"),
    path("matrix/", views.matrix, name="matrix"),
    path("reviews/", views.reviews, name="reviews"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/publish/", views.task_publish, name="task_publish"),
    path("tasks/<int:pk>/<str:code>/", views.assignment, name="assignment"),
    path("tasks/<int:pk>/<str:code>/report/", views.report_submit, name="report_submit"),
    path("tasks/<int:pk>/<str:code>/records/", views.pick_record, name="pick_record"),
    path("reports/<int:report_id>/review/", views.report_review, name="report_review"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/groups/<int:pk>/", views.group, name="group"),
    path("supervision/visits/<int:pk>/", views.visit, name="visit"),
    path("ledgers/", views.ledger_list, name="ledgers"),
    path("ledgers/<str:code>/<int:year>/zip/", views.ledgers_zip, name="ledgers_zip"),
    path("ledgers/<int:entry_id>/<str:code>/<int:year>/", views.ledger_print, name="ledger_print"),
    path("ledgers/<int:entry_id>/<str:code>/<int:year>/xlsx/", views.ledger_xlsx, name="ledger_xlsx"),
    path("ledgers/<int:entry_id>/<str:code>/<int:year>/pdf/", views.ledger_pdf, name="ledger_pdf"),
    path("pick/chosen/", views.pick_chosen, name="pick_chosen"),
]
