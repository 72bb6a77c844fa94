from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("liaison-groups/", views.liaison_groups, name="liaison_groups"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.tree_children, name="children"),
    path("<str:code>/edit/", views.edit, name="edit"),
    path("<str:code>/add/", views.add_child, name="add_child"),
    path("<str:code>/move/", views.move, name="move"),
    path("<str:code>/terms/", views.add_term, name="add_term"),
    path("<str:code>/terms/<int:term_id>/posts/", views.add_post, name="add_post"),
    path("<str:code>/liaison-groups/new/", views.liaison_group_edit, name="liaison_group_new"),
    path("<str:code>/liaison-groups/<int:group_id>/", views.liaison_group_edit, name="liaison_group_edit"),
]
