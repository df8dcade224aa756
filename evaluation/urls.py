from django.urls import path

from core.workflow import step_view

from . import views, workflow

app_name = "evaluation"

urlpatterns = [
    path("rules/", views.RulesListView.as_view(), name="rules_list"),
    path("rules/new/", views.rules_create, name="rules_create"),
    path("rules/<int:pk>/", views.RulesDetailView.as_view(), name="rules_detail"),
    path("checklists/", views.ChecklistListView.as_view(), name="checklist_list"),
    path("checklists/new/", views.ChecklistCreateView.as_view(), name="checklist_create"),
    path("checklists/<int:pk>/", views.ChecklistDetailView.as_view(), name="checklist_detail"),
    path("checklists/<int:pk>/edit/", views.ChecklistUpdateView.as_view(), name="checklist_update"),
    path("checklists/<int:pk>/copy/", views.ChecklistCopyView.as_view(), name="checklist_copy"),
    path("hearings/", views.HearingListView.as_view(), name="hearing_list"),
    path("hearings/new/", views.HearingCreateView.as_view(), name="hearing_create"),
    path("hearings/<int:pk>/", views.HearingDetailView.as_view(), name="hearing_detail"),
    path("hearings/<int:pk>/edit/", views.HearingUpdateView.as_view(), name="hearing_update"),
    path("hearings/<int:pk>/scores/", views.HearingScoresView.as_view(), name="hearing_scores"),
    path("hearings/<int:pk>/attach/", views.HearingAttachView.as_view(), name="hearing_attach"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment"),
    path("", views.RunListView.as_view(), name="run_list"),
    path("run/", views.run_start, name="run_start"),
    path("<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("<int:pk>/what-if/", views.WhatIfView.as_view(), name="whatif"),
    path("<int:pk>/what-if/apply/", views.WhatIfApplyView.as_view(), name="whatif_apply"),
    path("<int:pk>/budget/", views.BudgetEditView.as_view(), name="budget_edit"),
    path("<int:pk>/<slug:step>/", views.RunStepView.as_view(), name="run_action"),
    path("results/<int:pk>/", views.ResultDetailView.as_view(), name="result_detail"),
    path("results/<int:pk>/pdf/", views.ResultPdfView.as_view(), name="result_pdf"),
    path(
        "results/<int:pk>/review/",
        views.ResultStepView.as_view(step="review"),
        name="result_review",
    ),
    path(
        "results/<int:pk>/board-comment/",
        views.ResultStepView.as_view(step="board_comment"),
        name="result_board_comment",
    ),
    path("budgets/", views.BudgetListView.as_view(), name="budget_list"),
    path("budgets/<int:pk>/", views.BudgetDetailView.as_view(), name="budget_detail"),
    path(
        "budgets/<int:pk>/decide/",
        step_view(
            workflow.BUDGET,
            step="decide_budget",
            actions={"decide_budget": workflow.decide_budget},
        ),
        name="budget_decide",
    ),
    path("budget-lines/<int:pk>/adjust/", views.LineAdjustView.as_view(), name="line_adjust"),
    path("guidance/", views.GuidanceListView.as_view(), name="guidance_list"),
    path("guidance/<int:pk>/", views.GuidanceDetailView.as_view(), name="guidance_detail"),
    path("guidance/<int:pk>/edit/", views.GuidanceUpdateView.as_view(), name="guidance_update"),
    path(
        "guidance/<int:pk>/actions/", views.GuidanceActionCreateView.as_view(), name="action_create"
    ),
    path(
        "guidance-actions/<int:pk>/edit/",
        views.GuidanceActionUpdateView.as_view(),
        name="action_update",
    ),
]
