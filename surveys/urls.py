from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign_list"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("<int:pk>/edit/", views.CampaignUpdateView.as_view(), name="campaign_update"),
    path("<int:pk>/launch/", views.CampaignStepView.as_view(step="launch"), name="campaign_launch"),
    path("<int:pk>/close/", views.CampaignStepView.as_view(step="close"), name="campaign_close"),
    path("<int:pk>/send/", views.SendEmailsView.as_view(), name="campaign_send"),
    path("<int:pk>/sheets/", views.SheetsView.as_view(), name="campaign_sheets"),
    path("<int:pk>/recipients/", views.RecipientListView.as_view(), name="recipient_list"),
    path("<int:pk>/results/", views.CampaignResultsView.as_view(), name="campaign_results"),
    path("results/", views.results_home, name="results"),
    path("results/national/", views.national_results, name="national_results"),
    path("results/bureau/<int:pk>/", views.BureauResultsView.as_view(), name="bureau_results"),
    path("results/center/<int:pk>/", views.CenterResultsView.as_view(), name="center_results"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.TemplateCreateView.as_view(), name="template_create"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="template_update"),
]
