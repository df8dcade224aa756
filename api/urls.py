"""/api/v1/: the REST API (namespace "api"); its pages (docs, tokens) are in page_urls."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("centers", views.CenterViewSet, basename="center")
router.register("staff", views.PersonViewSet, basename="person")
router.register("clients", views.ClientViewSet, basename="client")
router.register("cases", views.CaseViewSet, basename="case")
router.register("sessions", views.ConsultationViewSet, basename="session")
router.register("network-activities", views.NetworkActivityViewSet, basename="activity")
router.register("plans", views.BusinessPlanViewSet, basename="plan")
router.register("evaluations", views.CenterEvaluationViewSet, basename="evaluation")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")


class SchemaView(views.ApiViewMixin, SpectacularAPIView):
    pass


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("indicators/", views.IndicatorView.as_view(), name="indicators"),
    *router.urls,
]
