from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("", views.index, name="index"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/<str:action>/", views.request_action, name="request_action"),
    path("totals/", views.totals, name="totals"),
    path("visits/", views.visits, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("targets/", views.targets, name="targets"),
    path("research/", views.research, name="research"),
    path("research/<int:pk>/", views.theme, name="theme"),
    path("settings/<str:code>/", views.categories, name="categories"),
    path("calendar/<str:code>/<int:year>/", views.calendar, name="calendar"),
    path("ledgers/", views.ledgers, name="ledgers"),
    path("ledger/visits/<str:code>/<int:year>/", views.visit_ledger, name="visit_ledger"),
    path("ledger/visits/<str:code>/<int:year>/xlsx/", views.visit_ledger_xlsx, name="visit_ledger_xlsx"),
    path("ledger/requests/<str:code>/<int:year>/", views.request_ledger, name="request_ledger"),
    path(
        "ledger/requests/<str:code>/<int:year>/xlsx/", views.request_ledger_xlsx, name="request_ledger_xlsx"
    ),
]

# The residents' page lives at /service/ (config/urls.py), outside the staff area.
public_urlpatterns = [
    path("", views.public_page, name="public"),
    path("lookup/", views.public_lookup, name="public_lookup"),
]
