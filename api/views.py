"""The API's endpoints: thin viewsets over the models' ``for_user`` querysets and the list
pages' FilterSets; writes go through ``api.writes`` (the importer's code path)."""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import parse_http_date_safe
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations.filtersets import (
    CaseFilterSet,
    ClientFilterSet,
    ConsultationFilterSet,
    NetworkActivityFilterSet,
)
from consultations.indicators import STANDARD, center_table
from consultations.models import (
    Case,
    Client,
    Consultation,
    NetworkActivity,
    may_see_identity,
)
from core.access_log import record_identity
from core.fiscal import Period
from core.scoping import scope_rule
from evaluation.models import CenterEvaluation
from organizations.filtersets import PersonFilterSet
from organizations.models import Bureau, Center, Person
from planning.models import BusinessPlan
from support.filtersets import FollowUpFilterSet, VisitFilterSet
from support.models import FollowUp, Visit

from . import serializers as s
from . import writes
from .models import ApiToken

# The list pages' FilterSets the API serves too.
FILTERSETS = [
    CaseFilterSet,
    ClientFilterSet,
    ConsultationFilterSet,
    NetworkActivityFilterSet,
    PersonFilterSet,
    FollowUpFilterSet,
    VisitFilterSet,
]


class ScopedFilterBackend(DjangoFilterBackend):
    """The list page's FilterSet, told who asks (it limits its choices to their scope)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description=(
        "Only records written at or after this time (ISO 8601); the If-Modified-Since "
        "header does the same. Records not written since the API came have no time and "
        "are left out: read them once without it."
    ),
)


class ApiViewMixin:
    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # The API authenticates by itself (tokens, 401): no redirect to the login page.
        view.login_required = False
        return view


class ScopedViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Read a model through ``Model.objects.for_user``: a record outside the user's scope
    is not found (404), a list holds only records in scope."""

    model = None
    lookup_value_converter = "int"
    related: tuple = ()
    prefetch: tuple = ()
    # Shows client identity to the staff of the client's centers: recorded in the access log.
    shows_identity = False
    filter_backends = [ScopedFilterBackend]

    def get_queryset(self):
        queryset = self.model.objects.for_user(self.request.user)
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and _has_updated_at(self.model):
            since = self.updated_since()
            if since is not None:
                queryset = queryset.filter(updated_at__gte=since)
        return queryset

    def updated_since(self):
        raw = self.request.query_params.get("updated_since")
        if raw:
            try:
                value = parse_datetime(raw)
                if value is None and (day := parse_date(raw)) is not None:
                    value = datetime.datetime.combine(day, datetime.time.min)
            except ValueError:
                value = None
            if value is None:
                raise ValidationError({"updated_since": [_("Enter a date and time (ISO 8601).")]})
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        header = self.request.headers.get("If-Modified-Since")
        seconds = parse_http_date_safe(header) if header else None
        if seconds is not None:
            return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        return None

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.shows_identity and may_see_identity(request.user):
            record_identity(request._request, rows=len(response.data["results"]))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self.shows_identity and may_see_identity(request.user):
            shown = self.object if isinstance(self.object, Client) else self.object.client
            record_identity(request._request, obj=shown)
        return response

    def get_object(self):
        self.object = super().get_object()
        return self.object


def _has_updated_at(model) -> bool:
    return any(f.name == "updated_at" for f in model._meta.concrete_fields)


class WritableViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """POST one item or a list of them: created or updated by their source IDs, all or none."""

    import_kind = ""

    def create(self, request, *args, **kwargs):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        reason = f"API: {token.name}" if token else "API"
        try:
            payload = request.data
        except ParseError as exc:  # reported as every other problem of a write
            problem = {"index": None, "field": "", "message": str(exc.detail)}
            return Response({"errors": [problem]}, status=status.HTTP_400_BAD_REQUEST)
        ok, body = writes.write(self.import_kind, payload, user=request.user, change_reason=reason)
        return Response(body, status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST)


def _write_schema(kind, label):
    return extend_schema(
        summary=f"Create or update {label}",
        description=(
            "A list of up to API_BULK_MAX_ITEMS (5,000) items (or one item alone) written "
            "together: every item is checked first and nothing is written unless all are "
            "valid; problems are reported by index and field. A record is found by its "
            "external_id (per center): writing the same items again changes nothing."
        ),
        request=writes.WRITE_SERIALIZERS[kind](many=True),
        responses={200: writes.WriteReport, 400: writes.WriteProblems},
    )


LIST_PARAMETERS = extend_schema(parameters=[UPDATED_SINCE])


class CenterViewSet(ScopedViewSet):
    model = Center
    related = ("prefecture__bureau", "implementing_body")
    serializer_class = s.CenterSerializer


class PersonViewSet(ScopedViewSet):
    """Staff and their assignments (by default those with a current assignment)."""

    model = Person
    prefetch = ("assignments", "qualifications")
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilterSet


class ClientViewSet(WritableViewSet):
    model = Client
    serializer_class = s.ClientSerializer
    filterset_class = ClientFilterSet
    shows_identity = True
    import_kind = "clients"

    list = LIST_PARAMETERS(WritableViewSet.list)
    create = _write_schema("clients", "clients")(WritableViewSet.create)


class CaseViewSet(WritableViewSet):
    model = Case
    related = ("client",)
    prefetch = ("topics", "priority_fields")
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    shows_identity = True
    import_kind = "cases"

    list = LIST_PARAMETERS(WritableViewSet.list)
    create = _write_schema("cases", "cases")(WritableViewSet.create)


class ConsultationViewSet(WritableViewSet):
    model = Consultation
    related = ("client",)
    prefetch = ("other_staff",)
    serializer_class = s.ConsultationSerializer
    filterset_class = ConsultationFilterSet
    shows_identity = True
    import_kind = "sessions"

    list = LIST_PARAMETERS(WritableViewSet.list)
    create = _write_schema("sessions", "consultation sessions")(WritableViewSet.create)


class NetworkActivityViewSet(WritableViewSet):
    model = NetworkActivity
    prefetch = ("institutions", "staff")
    serializer_class = s.NetworkActivitySerializer
    filterset_class = NetworkActivityFilterSet
    import_kind = "network"

    list = LIST_PARAMETERS(WritableViewSet.list)
    create = _write_schema("network", "network activities")(WritableViewSet.create)


class BusinessPlanViewSet(ScopedViewSet):
    """Business plans with their targets and priority fields."""

    model = BusinessPlan
    related = ("fiscal_year",)
    prefetch = ("targets", "priorities__priority_field")
    serializer_class = s.BusinessPlanSerializer


class CenterEvaluationViewSet(ScopedViewSet):
    """Year-end evaluation results a user may see (a center: once finalised)."""

    model = CenterEvaluation
    related = ("run__fiscal_year",)
    serializer_class = s.CenterEvaluationSerializer


class VisitViewSet(ScopedViewSet):
    model = Visit
    prefetch = ("experts", "sessions", "findings", "follow_ups")
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilterSet


class FollowUpViewSet(ScopedViewSet):
    """Follow-ups of HQ visits (by default the open ones)."""

    model = FollowUp
    serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilterSet


# --- Indicators ------------------------------------------------------------------------


class IndicatorQuery(serializers.Serializer):
    fy = serializers.IntegerField(min_value=2000, max_value=2100, help_text="Fiscal year.")
    bureau = serializers.CharField(required=False, help_text="Bureau code (kanto) or name.")
    center = serializers.CharField(required=False, help_text="Center code (13).")


class IndicatorRow(serializers.Serializer):
    center = serializers.IntegerField(allow_null=True, help_text="null: the scope's total.")
    center_code = serializers.CharField(allow_null=True)
    center_name = serializers.CharField()
    values = serializers.DictField(child=serializers.IntegerField())


class IndicatorTable(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    indicators = serializers.ListField(child=serializers.CharField())
    rows = IndicatorRow(many=True)


@scope_rule("the centers of Center.objects.for_user(user), narrowed by bureau or center")
class IndicatorView(ApiViewMixin, APIView):
    """The standard indicators per center of the user's scope and their total, for a fiscal
    year: the table ``manage.py indicators`` prints (the same ``center_table``)."""

    @extend_schema(parameters=[IndicatorQuery], responses={200: IndicatorTable})
    def get(self, request):
        query = IndicatorQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        centers = Center.objects.for_user(request.user)
        if bureau := query.validated_data.get("bureau"):
            found = (
                Bureau.objects.filter(code=bureau).first()
                or Bureau.objects.filter(short_name=bureau).first()
                or Bureau.objects.filter(name=bureau).first()
            )
            centers = centers.filter(prefecture__bureau=found) if found else centers.none()
        if code := query.validated_data.get("center"):
            centers = centers.filter(code=code)
        fy = query.validated_data["fy"]
        period = Period.fiscal_year(fy)
        rows = center_table(period=period, centers=centers)
        return Response(
            {
                "fiscal_year": fy,
                "start": period.start,
                "end": period.end,
                "indicators": [i.code for i in STANDARD],
                "rows": [
                    {
                        "center": row.center.pk if row.center else None,
                        "center_code": row.center.code if row.center else None,
                        "center_name": str(row.label),
                        "values": row.values,
                    }
                    for row in rows
                ],
            }
        )
