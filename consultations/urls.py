from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("sessions/", views.ConsultationListView.as_view(), name="consultation_list"),
    path("sessions/new/", views.ConsultationCreateView.as_view(), name="consultation_create"),
    path("sessions/quick/", views.QuickEntryView.as_view(), name="quick_entry"),
    path("sessions/quick/clients/", views.client_options, name="client_options"),
    path("clients/choices/", views.client_choices, name="client_choices"),
    path("cases/choices/", views.case_choices, name="case_choices"),
    path("sessions/<int:pk>/", views.ConsultationDetailView.as_view(), name="consultation_detail"),
    path(
        "sessions/<int:pk>/edit/",
        views.ConsultationUpdateView.as_view(),
        name="consultation_update",
    ),
    path("clients/", views.ClientListView.as_view(), name="client_list"),
    path("clients/new/", views.ClientCreateView.as_view(), name="client_create"),
    path("clients/<int:pk>/", views.ClientDetailView.as_view(), name="client_detail"),
    path(
        "clients/duplicates/",
        views.CrossCenterDuplicateListView.as_view(),
        name="cross_center_duplicates",
    ),
    path("clients/<int:pk>/edit/", views.ClientUpdateView.as_view(), name="client_update"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseUpdateView.as_view(), name="case_update"),
    path("network/", views.ActivityListView.as_view(), name="activity_list"),
    path("network/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("network/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("network/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("indicators/", views.indicator_table, name="indicator_table"),
]
