from django.urls import path

from . import views

app_name = "payouts"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("counter/", views.counter, name="counter"),
    path("counter/<int:pk>/pay/", views.counter_pay, name="counter_pay"),
    path("<int:pk>/", views.programme, name="programme"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/return/", views.send_back, name="send_back"),
    path("<int:pk>/generate/", views.generate, name="generate"),
    path("<int:pk>/import/", views.import_list, name="import_list"),
    path("<int:pk>/import/status/", views.list_job, name="list_job"),
    path("<int:pk>/bank/status/", views.bank_job, name="bank_job"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/step/", views.step, name="step"),
    path("<int:pk>/publicity/", views.publicity, name="publicity"),
    path("<int:pk>/sign-sheet/", views.sign_sheet, name="sign_sheet"),
    path("<int:pk>/reconciliation/", views.reconciliation, name="reconciliation"),
    path("<int:pk>/sheets/", views.upload_sheet, name="upload_sheet"),
    path("<int:pk>/bank/", views.bank_batch, name="bank_batch"),
    path("lines/<int:pk>/", views.entitlement, name="entitlement"),
    path("payments/<int:payment_id>/reverse/", views.request_reversal, name="request_reversal"),
    path("reversals/<int:request_id>/decide/", views.decide_reversal, name="decide_reversal"),
    path("sheets/<int:sheet_id>/", views.view_sheet, name="view_sheet"),
    path("bank/<int:batch_id>/file/", views.bank_file, name="bank_file"),
    path("bank/<int:batch_id>/result/", views.bank_result, name="bank_result"),
]
