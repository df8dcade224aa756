"""Start of period (domain brief §3): fiscal years, the activity policy, business plans.

A business plan goes draft → submitted → interview scheduled → interview held →
(revised →) confirmed. A confirmed plan is frozen: a change goes through a
change request the bureau approves, and every version is kept as a snapshot.
Transitions live in ``workflow.py``.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from consultations.indicators import STANDARD, PriorityMetric
from consultations.models import PriorityField
from core import roles
from core.fiscal import Period, fiscal_year_of, reiwa_label
from core.scoping import NationalQuerySet, ScopedQuerySet
from organizations.models import Center

INDICATOR_CHOICES = [(indicator.code, indicator.label) for indicator in STANDARD]


class FiscalYearState(models.TextChoices):
    PLANNING = "planning", _("Planning")
    IN_PROGRESS = "in_progress", pgettext_lazy("fiscal year", "In progress")
    EVALUATING = "evaluating", _("Evaluating")
    CLOSED = "closed", _("Closed")


class FiscalYearQuerySet(NationalQuerySet):
    editor_roles = roles.editors("planning.FiscalYear")


class FiscalYear(models.Model):
    """A fiscal year, 1 April to 31 March, named by the calendar year it starts in."""

    year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    state = models.CharField(
        _("state"), max_length=20, choices=FiscalYearState.choices, default=FiscalYearState.PLANNING
    )
    # Centers projected to miss a target by more than this share are flagged.
    warning_margin = models.DecimalField(
        _("early-warning margin"),
        max_digits=4,
        decimal_places=2,
        default=0.10,
        help_text=_(
            "A center projected to miss a target by more than this share (0.10 = 10 %) is flagged."
        ),
    )

    # The year's calendar (the Agency sets it); empty dates gate nothing.
    plan_due = models.DateField(_("plans due"), null=True, blank=True)
    interview_from = models.DateField(_("kick-off interviews from"), null=True, blank=True)
    interview_until = models.DateField(_("kick-off interviews until"), null=True, blank=True)
    midyear_review_on = models.DateField(_("mid-year review"), null=True, blank=True)
    evaluation_from = models.DateField(_("evaluation window opens"), null=True, blank=True)
    evaluation_until = models.DateField(_("evaluation window closes"), null=True, blank=True)
    budget_decision_on = models.DateField(_("budget decision"), null=True, blank=True)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a due date"),
        default=3,
        help_text=_("The daily reminders mention what falls due within this many days."),
    )

    objects = FiscalYearQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")

    def __str__(self):
        return f"{self.year}年度（{reiwa_label(self.year)}）"

    def get_absolute_url(self):
        return reverse("planning:year_update", args=[self.pk])

    @classmethod
    def current(cls, today: datetime.date | None = None):
        """The fiscal year ``today`` falls in (1 April to 31 March), if it is recorded."""
        today = today or datetime.date.today()
        return cls.objects.filter(year=fiscal_year_of(today)).first()

    @property
    def period(self) -> Period:
        """The year's dates, 1 April to 31 March."""
        return Period.fiscal_year(self.year)

    def evaluation_window_open(self, today: datetime.date | None = None) -> bool:
        today = today or datetime.date.today()
        return self.evaluation_from is None or today >= self.evaluation_from


class ActivityPolicyQuerySet(NationalQuerySet):
    editor_roles = roles.editors("planning.ActivityPolicy")


class ActivityPolicy(models.Model):
    """The year's activity policy (活動方針) published by the Agency and HQ."""

    fiscal_year = models.OneToOneField(
        FiscalYear, on_delete=models.PROTECT, related_name="policy", verbose_name=_("fiscal year")
    )
    text = models.TextField(_("policy"))
    recommended_fields = models.ManyToManyField(
        PriorityField, blank=True, related_name="+", verbose_name=_("recommended priority fields")
    )
    indicators = models.JSONField(
        _("indicators in force"),
        default=list,
        help_text=_("Codes of the standard indicators in force."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ActivityPolicyQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[recommended_fields])

    class Meta:
        verbose_name = _("activity policy")
        verbose_name_plural = _("activity policies")

    def __str__(self):
        return f"{self.fiscal_year} {_('activity policy')}"

    def get_absolute_url(self):
        return reverse("planning:policy_update", args=[self.pk])


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INTERVIEW_SCHEDULED = "interview_scheduled", _("Kick-off interview scheduled")
    INTERVIEW_HELD = "interview_held", _("Kick-off interview held")
    REVISED = "revised", _("Revised")
    CONFIRMED = "confirmed", _("Confirmed")


class PlanQuerySet(ScopedQuerySet):
    center_lookup = "center"
    # Who may act on a plan at all; each transition checks its own role in workflow.py.
    editor_roles = roles.editors("planning.BusinessPlan")


class BusinessPlan(models.Model):
    """A center's business plan (事業計画) for one fiscal year, with its targets."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="plans", verbose_name=_("center")
    )
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="plans", verbose_name=_("fiscal year")
    )
    status = models.CharField(
        _("status"), max_length=30, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    regional_analysis = models.TextField(_("analysis of the region's SMEs"), blank=True)
    support_landscape = models.TextField(_("local support landscape and needs"), blank=True)
    strategy = models.TextField(_("strategy"), blank=True)
    staffing = models.TextField(_("staffing"), blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = PlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["fiscal_year", "center__code"]
        verbose_name = _("business plan")
        verbose_name_plural = _("business plans")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "fiscal_year"], name="one_plan_per_center_and_year"
            )
        ]

    def __str__(self):
        return f"{self.center.name} {self.fiscal_year.year}年度 {_('business plan')}"

    def get_absolute_url(self):
        return reverse("planning:plan_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status == PlanStatus.CONFIRMED

    def target_for(self, code: str):
        return next((t.target for t in self.targets.all() if t.indicator == code), None)


class PlanTarget(models.Model):
    """The numeric target of one standard indicator in a plan."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=30, choices=INDICATOR_CHOICES)
    target = models.PositiveIntegerField(_("target"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator"], name="one_target_per_indicator")
        ]

    def __str__(self):
        return f"{self.get_indicator_display()}: {self.target}"


class PlanPriority(models.Model):
    """A priority field of a plan (重点分野) with its metric and target; one to five per plan."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="priorities")
    priority_field = models.ForeignKey(
        PriorityField, on_delete=models.PROTECT, related_name="+", verbose_name=_("priority field")
    )
    metric = models.CharField(_("metric"), max_length=20, choices=PriorityMetric.choices)
    target = models.PositiveIntegerField(_("target"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "priority_field"], name="one_priority_per_field"
            )
        ]

    def __str__(self):
        return f"{self.priority_field.name}（{self.get_metric_display()}）: {self.target}"


class PlanPartQuerySet(ScopedQuerySet):
    center_lookup = "plan__center"
    editor_roles = PlanQuerySet.editor_roles


class PlanVersion(models.Model):
    """A frozen snapshot of a plan's content and targets, kept for comparison."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.JSONField()
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version")
        ]

    def __str__(self):
        return f"v{self.number}"


class KickoffInterview(models.Model):
    """The kick-off interview (期初面談) of bureau, HQ and center about a plan."""

    plan = models.OneToOneField(BusinessPlan, on_delete=models.CASCADE, related_name="interview")
    scheduled_for = models.DateTimeField(_("scheduled for"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    bureau_participants = models.TextField(_("participants from the bureau"), blank=True)
    hq_participants = models.TextField(_("participants from HQ"), blank=True)
    center_participants = models.TextField(_("participants from the center"), blank=True)
    minutes = models.TextField(pgettext_lazy("meeting", "minutes"), blank=True)
    changes_requested = models.TextField(_("changes requested"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kick-off interview")
        verbose_name_plural = _("kick-off interviews")

    def __str__(self):
        return f"{self.plan} {_('kick-off interview')}"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PlanChangeRequest(models.Model):
    """A change to a confirmed plan, proposed by the center and decided by the bureau."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="change_requests")
    proposed = models.JSONField(_("proposed content"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    events = GenericRelation("core.StepEvent")

    objects = PlanPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("plan change request")
        verbose_name_plural = _("plan change requests")

    def __str__(self):
        return f"{self.plan} {_('change request')} #{self.pk}"


class PlanEvent(models.Model):
    """One workflow step: who moved the plan from which status to which, and when."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=30, choices=PlanStatus.choices)
    to_status = models.CharField(max_length=30, choices=PlanStatus.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    refused = models.BooleanField(_("refused"), default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status}"

    @property
    def label(self) -> str:
        """The step's name in the user's language (``action`` is its code)."""
        from core.workflow import step_label

        return step_label(BusinessPlan, self.action)
