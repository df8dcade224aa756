from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from core.scoping import scope_rule

from . import views

app_name = "accounts"

OWN_ACCOUNT = views.OWN_ACCOUNT

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", scope_rule(OWN_ACCOUNT)(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password/",
        scope_rule(OWN_ACCOUNT)(
            auth_views.PasswordChangeView.as_view(
                template_name="accounts/password_change.html",
                success_url=reverse_lazy("accounts:password_change_done"),
            )
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        scope_rule(OWN_ACCOUNT)(
            auth_views.PasswordChangeDoneView.as_view(
                template_name="accounts/password_change_done.html"
            )
        ),
        name="password_change_done",
    ),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/mfa-reset/", views.UserMFAResetView.as_view(), name="user_mfa_reset"),
    path("mfa/setup/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("security/", views.security_policy, name="security_policy"),
    path("login-events/", views.login_events, name="login_events"),
]
