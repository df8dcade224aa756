from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("visits/", views.VisitListView.as_view(), name="visit_list"),
    path("visits/new/", views.VisitCreateView.as_view(), name="visit_create"),
    path("visits/sessions/", views.visit_sessions, name="visit_sessions"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit_detail"),
    path("visits/<int:pk>/pdf/", views.VisitPdfView.as_view(), name="visit_pdf"),
    path("visits/<int:pk>/edit/", views.VisitUpdateView.as_view(), name="visit_update"),
    path("visits/<int:pk>/escalate/", views.EscalateView.as_view(), name="visit_escalate"),
    path("escalations/<int:pk>/", views.EscalationDetailView.as_view(), name="escalation_detail"),
    path(
        "escalations/<int:pk>/change/",
        views.EscalationStepView.as_view(),
        name="escalation_change",
    ),
    path("visit-plans/", views.visit_plans, name="visit_plans"),
    path("visit-plans/new/", views.VisitPlanCreateView.as_view(), name="visit_plan_create"),
    path("visit-plans/<int:pk>/", views.VisitPlanUpdateView.as_view(), name="visit_plan_update"),
    path("follow-ups/", views.FollowUpListView.as_view(), name="followup_list"),
    path("follow-ups/<int:pk>/", views.FollowUpUpdateView.as_view(), name="followup_update"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting_update"),
    path(
        "meetings/<int:pk>/board-review/",
        views.MeetingReviewView.as_view(),
        name="meeting_board_review",
    ),
    path("requests/", views.SupportRequestListView.as_view(), name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.SupportRequestDetailView.as_view(), name="request_detail"),
    *(
        path(
            f"requests/<int:pk>/{step}/",
            views.SupportRequestStepView.as_view(step=step),
            name=f"request_{step}",
        )
        for step in ("assign", "advise", "close")
    ),
    path("training/", views.TrainingListView.as_view(), name="training_list"),
    path("training/new/", views.TrainingCreateView.as_view(), name="training_create"),
    path("training/coverage/", views.training_coverage, name="training_coverage"),
    path("training/<int:pk>/", views.TrainingDetailView.as_view(), name="training_detail"),
    path("training/<int:pk>/edit/", views.TrainingUpdateView.as_view(), name="training_update"),
    path(
        "training/<int:pk>/register/",
        views.TrainingRegisterView.as_view(),
        name="training_register",
    ),
    path(
        "training/<int:pk>/attendance/",
        views.TrainingAttendanceView.as_view(),
        name="training_attendance",
    ),
    path("staff/<int:pk>/training/", views.PersonTrainingView.as_view(), name="person_training"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("assignments/", views.expert_assignments, name="expert_assignments"),
]
