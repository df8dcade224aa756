from django.urls import path

from . import job_views

app_name = "jobs"

urlpatterns = [
    path("", job_views.JobListView.as_view(), name="list"),
    path("<int:pk>/", job_views.JobDetailView.as_view(), name="detail"),
    path("<int:pk>/file/", job_views.JobFileView.as_view(), name="file"),
    path("<int:pk>/retry/", job_views.JobRetryView.as_view(), name="retry"),
]
