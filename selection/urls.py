from django.urls import path

from . import views

app_name = "selection"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("<int:pk>/pdf/", views.RoundPdfView.as_view(), name="round_pdf"),
    path("<int:pk>/edit/", views.RoundEditView.as_view(), name="round_edit"),
    path("<int:pk>/criteria/", views.CriteriaView.as_view(), name="round_criteria"),
    path("<int:pk>/members/add/", views.MemberAddView.as_view(), name="member_add"),
    path("<int:pk>/candidates/new/", views.CandidateCreateView.as_view(), name="candidate_create"),
    path("<int:pk>/start/", views.RoundStartView.as_view(), name="round_start"),
    path("<int:pk>/results/", views.RoundResultsView.as_view(), name="round_results"),
    path("<int:pk>/export/", views.RoundExportView.as_view(), name="round_export"),
    path("<int:pk>/decide/", views.DecisionView.as_view(), name="round_decide"),
    path("<int:pk>/correct/", views.DecisionCorrectView.as_view(), name="round_correct"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("members/<int:pk>/declare/", views.DeclarationView.as_view(), name="member_declare"),
    path("members/<int:pk>/submit/", views.MemberSubmitView.as_view(), name="member_submit"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path("sheets/<int:pk>/", views.SheetView.as_view(), name="sheet_detail"),
    path("candidates/<int:pk>/", views.CandidateDetailView.as_view(), name="candidate_detail"),
    path("candidates/<int:pk>/edit/", views.CandidateUpdateView.as_view(), name="candidate_update"),
    path(
        "candidates/<int:pk>/remove/", views.CandidateRemoveView.as_view(), name="candidate_remove"
    ),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document_download"),
    path("documents/<int:pk>/remove/", views.DocumentRemoveView.as_view(), name="document_remove"),
    path("terms/", views.TermListView.as_view(), name="term_list"),
    path("appointments/", views.AppointmentListView.as_view(), name="appointment_list"),
    path("appointments/new/", views.appointment_create, name="appointment_create"),
    path(
        "appointments/<int:pk>/",
        views.AppointmentDetailView.as_view(),
        name="appointment_detail",
    ),
]
urlpatterns.append(
    path(
        "appointments/<int:pk>/agreement/",
        views.AgreementDocumentView.as_view(),
        name="appointment_agreement",
    )
)
for step in ("agree", "approve", "appoint", "decline"):
    urlpatterns.append(
        path(
            f"appointments/<int:pk>/{step}/",
            views.AppointmentStepView.as_view(step=step),
            name=f"appointment_{step}",
        )
    )
