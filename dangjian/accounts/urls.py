from django.urls import path

from . import security, twofactor, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user"),
    path("assignments/<int:assignment_id>/end/", views.end_assignment, name="end_assignment"),
    path("users/<int:user_id>/active/", views.set_active, name="set_active"),
    path("users/<int:user_id>/password/", views.reset_password, name="reset_password"),
    path("users/<int:user_id>/otp-reset/", twofactor.reset, name="otp_reset"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", twofactor.setup, name="otp_setup"),
    path("otp/verify/", twofactor.verify, name="otp_verify"),
    path("me/", views.me, name="me"),
    path("me/tokens/", views.issue_own_token, name="issue_token"),
    path("me/tokens/<int:token_id>/revoke/", views.revoke_own_token, name="revoke_token"),
    path("security/", security.page, name="security"),
    path("security/policy/", security.set_policy, name="security_policy"),
]
