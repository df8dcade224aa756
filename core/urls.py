from django.urls import path

from . import log_views

app_name = "core"

urlpatterns = [
    path("", log_views.AccessLogListView.as_view(), name="access_log"),
    path("<int:pk>/", log_views.AccessLogDetailView.as_view(), name="access_log_detail"),
]
