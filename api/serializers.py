"""What the API shows of each record: the fields its pages show, client identity masked
for every role but the staff of the client's centers (``may_see_identity``), as on the
pages and in the exports."""

from rest_framework import serializers

from consultations.models import (
    IDENTITY_FIELDS,
    Case,
    Client,
    Consultation,
    NetworkActivity,
    may_see_identity,
)
from evaluation.models import CenterEvaluation
from organizations.models import Assignment, Center, Person
from planning.models import BusinessPlan, PlanPriority, PlanTarget
from support.models import FollowUp, Visit

# The fields the client's page shows only to the staff of its centers: for everyone else
# they are null here, and the name is the pseudonym.
CLIENT_IDENTITY_FIELDS = IDENTITY_FIELDS


def _user(serializer):
    return serializer.context["request"].user


class CenterSerializer(serializers.ModelSerializer):
    prefecture = serializers.CharField(source="prefecture.name", read_only=True)
    bureau = serializers.CharField(source="prefecture.bureau.code", read_only=True)
    implementing_body = serializers.CharField(source="implementing_body.name", read_only=True)

    class Meta:
        model = Center
        fields = ["id", "code", "name", "prefecture", "bureau", "implementing_body"]


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "center", "role", "start_date", "end_date"]


class PersonSerializer(serializers.ModelSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    qualifications = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Person
        fields = ["id", "staff_code", "name", "kana", "email", "qualifications", "assignments"]


class ClientSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="The business name, or the pseudonym.")

    class Meta:
        model = Client
        fields = [
            "id",
            "external_id",
            "home_center",
            "name",
            "pseudonym",
            "business_name",
            "corporate_number",
            "form",
            "industry",
            "employees",
            "capital",
            "prefecture",
            "municipality",
            "contact_name",
            "phone",
            "email",
            "survey_consent",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {name: {"allow_null": True} for name in CLIENT_IDENTITY_FIELDS}

    def get_name(self, client) -> str:
        return client.display_name(_user(self))

    def to_representation(self, client):
        data = super().to_representation(client)
        if not may_see_identity(_user(self)):
            for name in CLIENT_IDENTITY_FIELDS:
                data[name] = None
        return data


class ClientNameMixin(serializers.Serializer):
    client_name = serializers.SerializerMethodField(
        help_text="The client's business name, or its pseudonym."
    )

    def get_client_name(self, record) -> str:
        return record.client.display_name(_user(self))


class CaseSerializer(ClientNameMixin, serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    priority_fields = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Case
        fields = [
            "id",
            "external_id",
            "client",
            "client_name",
            "center",
            "title",
            "topics",
            "priority_fields",
            "opened_on",
            "status",
            "resolved_on",
            "resolution_kind",
            "evidence",
            "referred_from",
            "referred_to",
            "updated_at",
        ]


class ConsultationSerializer(ClientNameMixin, serializers.ModelSerializer):
    class Meta:
        model = Consultation
        fields = [
            "id",
            "external_id",
            "center",
            "client",
            "client_name",
            "case",
            "date",
            "start_time",
            "minutes",
            "mode",
            "place",
            "lead_staff",
            "other_staff",
            "summary",
            "advice",
            "next_step",
            "updated_at",
        ]


class NetworkActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = NetworkActivity
        fields = [
            "id",
            "external_id",
            "center",
            "date",
            "kind",
            "institutions",
            "staff",
            "description",
            "updated_at",
        ]


class PlanTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanTarget
        fields = ["indicator", "target"]


class PlanPrioritySerializer(serializers.ModelSerializer):
    priority_field = serializers.CharField(source="priority_field.name", read_only=True)

    class Meta:
        model = PlanPriority
        fields = ["priority_field", "metric", "target"]


class BusinessPlanSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(source="fiscal_year.year", read_only=True)
    targets = PlanTargetSerializer(many=True, read_only=True)
    priorities = PlanPrioritySerializer(many=True, read_only=True)

    class Meta:
        model = BusinessPlan
        fields = [
            "id",
            "center",
            "fiscal_year",
            "status",
            "version",
            "confirmed_at",
            "regional_analysis",
            "support_landscape",
            "strategy",
            "staffing",
            "targets",
            "priorities",
        ]


class CenterEvaluationSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(source="run.fiscal_year.year", read_only=True)
    run_status = serializers.CharField(source="run.status", read_only=True)

    class Meta:
        model = CenterEvaluation
        fields = [
            "id",
            "run",
            "fiscal_year",
            "run_status",
            "center",
            "indicator_points",
            "survey_points",
            "hearing_points",
            "total",
            "grade",
            "breakdown",
            "inputs",
            "reviewed_at",
            "review_comment",
        ]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "visit", "description", "owner", "due_date", "status", "done_on", "note"]


class VisitSerializer(serializers.ModelSerializer):
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    findings = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Visit
        fields = [
            "id",
            "center",
            "date",
            "experts",
            "sessions",
            "findings",
            "observations",
            "advice",
            "escalation_level",
            "follow_ups",
        ]
