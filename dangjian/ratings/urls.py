from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("", views.index, name="index"),
    path("publish/", views.publish_all, name="publish"),
    path("schemes/", views.schemes, name="schemes"),
    path("org/<str:code>/<int:year>/", views.org_rating, name="org"),
    path("appeals/<int:pk>/decide/", views.decide, name="decide"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/public/", views.campaign_public, name="campaign_public"),
    path("commitments/", views.commitments, name="commitments"),
    path("commitments/<int:pk>/", views.commitment, name="commitment"),
    path("vote/", views.vote, name="vote"),
    path("points/", views.points, name="points"),
]
