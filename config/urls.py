from django.contrib import admin
from django.urls import include, path

from dangjian.api.api import api
from dangjian.casework import urls as casework_urls

urlpatterns = [
    # First: Django tries the patterns in order, and an API request (the counter's tablets, hundreds
    # a second) would otherwise be matched against every page's pattern before its own.
    path("api/v1/", api.urls),
    path("", include("dangjian.core.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("people/", include("dangjian.people.urls")),
    path("activities/", include("dangjian.activities.urls")),
    path("casework/", include("dangjian.casework.urls")),
    path("service/", include((casework_urls.public_urlpatterns, "service"))),
    path("projects/", include("dangjian.projects.urls")),
    path("ratings/", include("dangjian.ratings.urls")),
    path("payouts/", include("dangjian.payouts.urls")),
    path("checklists/", include("dangjian.checklists.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("jobs/", include("dangjian.jobs.urls")),
    path("django-admin/", admin.site.urls),
]

# Django's own refusals (a body over the size limit, a malformed request) answer in Chinese.
handler400 = "dangjian.core.views.bad_request"
