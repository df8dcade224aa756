"""Client impact (成果) and case studies (事例集).

An ``ImpactRecord`` is a client's business figures at one point (intake, a follow-up),
recorded by a center; value added (付加価値額) is the Agency's definition, computed by
the database. A ``CaseStudy`` is written from one solved case and published through the
workflow of ``casestudies.workflow``.
"""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultations.models import Case, Client, Industry, PriorityField, Topic
from core import roles
from core.scoping import NATIONAL_ROLES, ScopedQuerySet, role_of, scope_center_ids
from organizations.models import Center, Prefecture


class ImpactPoint(models.TextChoices):
    INTAKE = "intake", _("At intake")
    FOLLOW_UP = "follow_up", _("Follow-up")


class ImpactSource(models.TextChoices):
    CLIENT = "client", _("Reported by the client")
    STATEMENTS = "statements", _("Financial statements")
    SURVEY = "survey", _("Follow-up survey")


class ImpactQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("casestudies.ImpactRecord")


def value_added_expression(prefix: str = ""):
    """付加価値額 = 営業利益 + 人件費 + 減価償却費 (the Agency's definition), in SQL.

    NULL when one of the three is missing: a partial sum would look like a fall."""
    return (
        F(f"{prefix}operating_profit") + F(f"{prefix}personnel_costs") + F(f"{prefix}depreciation")
    )


class ImpactRecord(models.Model):
    """A client's figures at one date (amounts in yen), as a center recorded them."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="impact_records", verbose_name=_("client")
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="impact_records", verbose_name=_("center")
    )
    recorded_on = models.DateField(_("as of"))
    point = models.CharField(_("point"), max_length=20, choices=ImpactPoint.choices)
    source = models.CharField(_("source"), max_length=20, choices=ImpactSource.choices)
    sales = models.BigIntegerField(_("sales"), null=True, blank=True)
    operating_profit = models.BigIntegerField(_("operating profit"), null=True, blank=True)
    personnel_costs = models.BigIntegerField(_("personnel costs"), null=True, blank=True)
    depreciation = models.BigIntegerField(_("depreciation"), null=True, blank=True)
    value_added = models.GeneratedField(
        expression=value_added_expression(),
        output_field=models.BigIntegerField(),
        db_persist=True,
        verbose_name=_("value added"),
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    funding_amount = models.BigIntegerField(_("funding obtained"), null=True, blank=True)
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    new_products = models.TextField(_("new products and services"), blank=True)
    founded_on = models.DateField(_("business founded on"), null=True, blank=True)
    # A source system's ID for re-imports (unique per center, as for the other records).
    external_id = models.CharField(_("record ID"), max_length=40, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImpactQuerySet.as_manager()

    class Meta:
        ordering = ["client", "recorded_on", "id"]
        verbose_name = _("impact record")
        verbose_name_plural = _("impact records")
        indexes = [
            models.Index(fields=["client", "center", "recorded_on"]),
            models.Index(fields=["center", "recorded_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id", "center"], name="impact_unique_external_id"
            ),
            models.CheckConstraint(
                condition=Q(funding_amount__isnull=True) | Q(funding_amount__gte=0),
                name="impact_funding_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_point_display()} {self.recorded_on:%Y-%m-%d}"

    def get_absolute_url(self):
        return self.client.get_absolute_url()


# --- Case studies ------------------------------------------------------------------------


class CaseStudyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSENTED = "consented", _("Consent recorded")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SupportKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultations")
    EXPERT = "expert", _("Expert dispatch")
    REFERRAL = "referral", _("Referral to a partner institution")
    FINANCING = "financing", _("Help with financing")
    SUBSIDY = "subsidy", _("Help with subsidy applications")
    SALES = "sales", _("Sales channel development")
    IT = "it", _("IT and digitalisation")


# Who reads a case study before it is published: its center and HQ (issue 18).
DRAFT_READERS = NATIONAL_ROLES | roles.HQ | roles.CENTER_STAFF


class CaseStudyQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("casestudies.CaseStudy")

    def published(self):
        return self.filter(status=CaseStudyStatus.PUBLISHED)

    def for_user(self, user, action="view"):
        """A published case study is everyone's to read; until then its center's and HQ's."""
        role = role_of(user)
        if not role or (action == "change" and role not in self.editor_roles):
            return self.none()
        if role in NATIONAL_ROLES:
            return self
        own = Q(center_id__in=scope_center_ids(user)) if role in DRAFT_READERS else Q(pk__in=[])
        if action == "change":
            return self.filter(own)
        return self.filter(own | Q(status=CaseStudyStatus.PUBLISHED))


class CaseStudy(models.Model):
    """A case study (事例) written from one solved case, published once the client consented."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="case_studies", verbose_name=_("case")
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="case_studies", verbose_name=_("center")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    situation = models.TextField(_("the client's situation"), blank=True)
    support = models.TextField(_("what the center did"), blank=True)
    results = models.TextField(_("results"), blank=True)
    support_kinds = models.JSONField(_("kinds of support"), default=list, blank=True)
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices, blank=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="+", verbose_name=_("prefecture")
    )
    size_band = models.CharField(_("size"), max_length=50, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="+", verbose_name=_("topics"))
    priority_fields = models.ManyToManyField(
        PriorityField, blank=True, related_name="+", verbose_name=_("priority fields")
    )
    # Growth of value added between the client's first and latest impact records (%),
    # copied when the study is written so the public pages need no client figures.
    value_added_growth = models.DecimalField(
        _("value added growth (%)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStudyStatus.choices, default="draft"
    )
    consent_names_client = models.BooleanField(_("the client agrees to be named"), default=False)
    consent_document_name = models.CharField(_("consent document"), max_length=200, blank=True)
    consent_document_type = models.CharField(max_length=100, blank=True)
    consent_document = models.BinaryField(null=True, blank=True, editable=False)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # Text normalised for search (NFKC, case-folded): see casestudies.search.
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseStudyQuerySet.as_manager()
    events = GenericRelation("core.StepEvent")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")
        indexes = [models.Index(fields=["status", "published_on"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        from .search import normalise

        self.search_text = normalise(
            " ".join([self.title, self.summary, self.situation, self.support, self.results])
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("casestudies:detail", args=[self.pk])

    def public_name(self) -> str:
        """How the public pages name the business: by name only with consent."""
        if self.consent_names_client:
            return self.case.client.business_name
        parts = [self.get_industry_display(), self.size_band, self.prefecture.name]
        return "・".join(str(p) for p in parts if p)

    def support_kind_labels(self) -> list[str]:
        labels = dict(SupportKind.choices)
        return [str(labels.get(k, k)) for k in self.support_kinds]


# --- Follow-up requests ------------------------------------------------------------------


class FollowUpRequest(models.Model):
    """A request to a client, 6 or 12 months after a case was solved, to report their
    figures through a single-use link (the token's SHA-256 only is kept, as for surveys).
    Not anonymous: the answer becomes the client's impact record, and the page says so."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="impact_requests", verbose_name=_("case")
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center")
    )
    months = models.PositiveSmallIntegerField(_("months after the solution"))
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    record = models.OneToOneField(
        ImpactRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ImpactQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up request")
        verbose_name_plural = _("follow-up requests")
        constraints = [
            models.UniqueConstraint(fields=["case", "months"], name="impact_request_once")
        ]

    def __str__(self):
        return f"{self.case} +{self.months}"
