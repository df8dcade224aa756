from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("centers/", views.CenterListView.as_view(), name="center_list"),
    path("centers/<int:pk>/", views.CenterDetailView.as_view(), name="center_detail"),
    path("bureaus/<int:pk>/settings/", views.BureauSettingsView.as_view(), name="bureau_settings"),
    path("bodies/<int:pk>/edit/", views.ImplementingBodyUpdateView.as_view(), name="body_update"),
    path("blocks/", views.TrainingBlockListView.as_view(), name="block_list"),
    path(
        "prefectures/<str:pk>/block/",
        views.PrefectureBlockUpdateView.as_view(),
        name="prefecture_block",
    ),
    path("staff/", views.PersonListView.as_view(), name="person_list"),
    path("staff/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("staff/qualifications/", views.qualification_statistics, name="qualification_stats"),
    path("staff/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("staff/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person_update"),
    path("institutions/", views.SupportInstitutionListView.as_view(), name="institution_list"),
    path(
        "institutions/new/", views.SupportInstitutionCreateView.as_view(), name="institution_create"
    ),
    path(
        "institutions/<int:pk>/",
        views.SupportInstitutionUpdateView.as_view(),
        name="institution_update",
    ),
]
