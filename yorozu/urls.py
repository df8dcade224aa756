from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from home.views import home

urlpatterns = [
    path("", home, name="home"),
    path("inbox/", include("home.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    path("org/", include("organizations.urls")),
    path("records/", include("consultations.urls")),
    path("plans/", include("planning.urls")),
    path("support/", include("support.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("selection/", include("selection.urls")),
    path("contracts/", include("contracts.urls")),
    path("liaison/", include("liaison.urls")),
    path("surveys/", include("surveys.urls")),
    path("casestudies/", include("casestudies.urls")),
    path("access-log/", include("core.urls")),
    path("jobs/", include("core.job_urls")),
    path("imports/", include("core.imports.urls")),
    # Public survey links: no login, the token is the whole address.
    path("s/", include("surveys.public_urls")),
    # The REST API's pages (docs, personal tokens), then the API itself.
    path("api/", include("api.page_urls")),
    path("api/v1/", include("api.urls")),
    # The login page offers the language switch too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
