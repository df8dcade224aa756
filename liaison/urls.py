from django.urls import path

from . import views

app_name = "liaison"
urlpatterns = [
    path("", views.ActivityListView.as_view(), name="activity_list"),
    path("new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("publicity/", views.PublicityListView.as_view(), name="publicity_list"),
    path("publicity/new/", views.PublicityCreateView.as_view(), name="publicity_create"),
    path("publicity/<int:pk>/", views.PublicityUpdateView.as_view(), name="publicity_update"),
    path("institutions/", views.InstitutionListView.as_view(), name="institution_list"),
    path("institutions/new/", views.InstitutionCreateView.as_view(), name="institution_create"),
    path(
        "institutions/<int:pk>/", views.InstitutionUpdateView.as_view(), name="institution_update"
    ),
]
