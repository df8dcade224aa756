from django.urls import path

from core.workflow import step_view

from . import views, workflow
from .forms import InterviewForm, ScheduleForm

app_name = "planning"

urlpatterns = [
    path("years/", views.FiscalYearListView.as_view(), name="year_list"),
    path("years/new/", views.FiscalYearCreateView.as_view(), name="year_create"),
    path("years/<int:pk>/", views.FiscalYearUpdateView.as_view(), name="year_update"),
    path("policies/new/", views.PolicyCreateView.as_view(), name="policy_create"),
    path("policies/<int:pk>/", views.PolicyDetailView.as_view(), name="policy_detail"),
    path("policies/<int:pk>/edit/", views.PolicyUpdateView.as_view(), name="policy_update"),
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("<int:pk>/pdf/", views.PlanPdfView.as_view(), name="plan_pdf"),
    path("<int:pk>/edit/", views.PlanContentView.as_view(), name="plan_edit"),
    path(
        "<int:pk>/change/", views.PlanContentView.as_view(change_request=True), name="plan_change"
    ),
    path(
        "<int:pk>/schedule/",
        step_view(
            workflow.PLAN,
            step="schedule",
            form_class=ScheduleForm,
            actions={"schedule": workflow.schedule_interview},
        ),
        name="plan_schedule",
    ),
    path(
        "<int:pk>/interview/",
        step_view(
            workflow.PLAN,
            step="interview",
            form_class=InterviewForm,
            actions={"interview": workflow.record_interview},
        ),
        name="plan_interview",
    ),
    path(
        "<int:pk>/<str:action>/",
        step_view(
            workflow.PLAN,
            actions={
                "submit": workflow.submit_plan,
                "revise": workflow.mark_revised,
                "confirm": workflow.confirm_plan,
            },
        ),
        name="plan_action",
    ),
    path("changes/<int:pk>/", views.ChangeRequestDetailView.as_view(), name="change_detail"),
    path("changes/<int:pk>/decide/", views.ChangeDecisionView.as_view(), name="change_decide"),
    path("versions/<int:pk>/", views.VersionCompareView.as_view(), name="version_compare"),
    path("dashboard/", views.my_dashboard, name="dashboard"),
    path("dashboard/national/", views.national_dashboard, name="national_dashboard"),
    path("dashboard/national/trend/", views.national_trend, name="national_trend"),
    path(
        "dashboard/bureau/<int:pk>/", views.BureauDashboardView.as_view(), name="bureau_dashboard"
    ),
    path(
        "dashboard/center/<int:pk>/", views.CenterDashboardView.as_view(), name="center_dashboard"
    ),
    path("dashboard/warnings/", views.warnings_view, name="warnings"),
]
