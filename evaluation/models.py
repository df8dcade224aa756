"""End of period (domain brief §3 and §5): the hearing, the year-end evaluation, the
budget that follows from it, and focused guidance for low-graded centers.

Rules are versioned per fiscal year; an evaluation run stores, for every center,
its inputs, its breakdown and the rules version, and is immutable once finalised
(a correction is a new run that supersedes it). The arithmetic is in
``scoring.py`` and ``budget.py``; the steps in ``workflow.py``.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core import roles
from core.scoping import (
    NATIONAL_ROLES,
    NationalQuerySet,
    ScopedQuerySet,
    role_of,
    sits_on_board,
)
from core.workflow import StepRefused
from organizations.models import Center
from planning.models import FiscalYear

GRADES = ["S", "A", "B", "C", "D"]
GRADE_CHOICES = [(grade, grade) for grade in GRADES]
EVALUATORS = frozenset({roles.AGENCY_ADMIN, roles.BUREAU_OFFICER, roles.HQ_STAFF, roles.HQ_EXPERT})


def _points(**kwargs):
    return models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(0)], **kwargs
    )


def _factor(label, default: str):
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(0)],
    )


class RulesQuerySet(NationalQuerySet):
    editor_roles = roles.editors("evaluation.EvaluationRules")


class EvaluationRules(models.Model):
    """One version of a fiscal year's evaluation rules; a change is a new version."""

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="evaluation_rules",
        verbose_name=_("fiscal year"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    weight_consultations = _points(verbose_name=_("weight: consultations handled"), default=20)
    weight_visitors = _points(verbose_name=_("weight: visiting clients"), default=10)
    weight_cases_solved = _points(verbose_name=_("weight: cases solved"), default=25)
    weight_network_activities = _points(verbose_name=_("weight: network activities"), default=10)
    weight_priority = _points(verbose_name=_("weight: priority fields in total"), default=15)
    # The impact indicators (casestudies/impact.py), scored against the national average
    # per center; 0 by default so that adding them changed no result.
    weight_clients_value_added_up = _points(
        verbose_name=_("weight: clients with value added up"), default=0
    )
    weight_value_added_growth = _points(verbose_name=_("weight: value added growth"), default=0)
    weight_jobs_created = _points(verbose_name=_("weight: jobs created"), default=0)
    weight_funding_obtained = _points(verbose_name=_("weight: funding obtained"), default=0)
    achievement_cap = models.DecimalField(
        _("achievement cap"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1.00"))],
        help_text=_("1.50 = an achievement above 150 % counts as 150 %."),
    )
    client_survey_points = _points(verbose_name=_("points: client satisfaction survey"), default=5)
    institution_survey_points = _points(
        verbose_name=_("points: support-institution evaluation"), default=5
    )
    hearing_points = _points(verbose_name=_("points: hearing"), default=10)
    min_survey_answers = models.PositiveSmallIntegerField(
        _("minimum survey answers"),
        default=5,
        help_text=_(
            "A center's survey with fewer answers is flagged and scored at the national mean."
        ),
    )
    threshold_s = _points(verbose_name=_("grade S from"), default=90)
    threshold_a = _points(verbose_name=_("grade A from"), default=75)
    threshold_b = _points(verbose_name=_("grade B from"), default=60)
    threshold_c = _points(verbose_name=_("grade C from"), default=45)
    factor_s = _factor(_("budget factor S"), "1.10")
    factor_a = _factor(_("budget factor A"), "1.05")
    factor_b = _factor(_("budget factor B"), "1.00")
    factor_c = _factor(_("budget factor C"), "0.95")
    factor_d = _factor(_("budget factor D"), "0.90")
    guidance_grade = models.CharField(
        _("focused guidance from grade"),
        max_length=1,
        choices=GRADE_CHOICES,
        default="C",
        help_text=_("Centers graded at or below this grade get a focused-guidance plan."),
    )
    reason = models.TextField(_("reason for this version"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RulesQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["fiscal_year", "-version"]
        verbose_name = _("evaluation rules")
        verbose_name_plural = _("evaluation rules")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "version"], name="unique_rules_version")
        ]

    def __str__(self):
        return f"{self.fiscal_year} {_('evaluation rules')} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and EvaluationRules.objects.get(pk=self.pk).is_locked:
            raise StepRefused(_("These rules were used by a finalised evaluation and are locked."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evaluation:rules_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.runs.filter(status=RunStatus.FINALISED).exists()

    def clean(self):
        thresholds = [self.threshold_s, self.threshold_a, self.threshold_b, self.threshold_c]
        if any(t is None for t in thresholds):
            return
        if not thresholds[0] > thresholds[1] > thresholds[2] > thresholds[3] >= 0:
            raise ValidationError(_("Grade thresholds must fall from S to C."))

    def weight(self, code: str) -> Decimal:
        return getattr(self, f"weight_{code}")

    def factor(self, grade: str) -> Decimal:
        return getattr(self, f"factor_{grade.lower()}")

    @property
    def thresholds(self) -> list[tuple[str, Decimal]]:
        return [
            ("S", self.threshold_s),
            ("A", self.threshold_a),
            ("B", self.threshold_b),
            ("C", self.threshold_c),
        ]

    def needs_guidance(self, grade: str) -> bool:
        return GRADES.index(grade) >= GRADES.index(self.guidance_grade)


# --- The hearing ------------------------------------------------------------------------


class ChecklistGroup(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation handling")
    COLLABORATION = "collaboration", _("Collaboration with partners")
    ORGANISATION = "organisation", _("Organisation and management")
    INITIATIVES = "initiatives", _("Own initiatives")


class ChecklistQuerySet(NationalQuerySet):
    editor_roles = roles.editors("evaluation.ChecklistTemplate")


class ChecklistTemplate(models.Model):
    """A hearing checklist; hearings keep the template they were scored with."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("offered for new hearings"), default=True)

    objects = ChecklistQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "name"]
        verbose_name = _("hearing checklist")
        verbose_name_plural = _("hearing checklists")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evaluation:checklist_detail", args=[self.pk])

    def in_use(self) -> bool:
        """Whether a hearing uses it: then its items stay as they were scored."""
        return self.pk is not None and self.hearings.exists()


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    group = models.CharField(_("group"), max_length=20, choices=ChecklistGroup.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("item"), max_length=300)
    score_0 = models.CharField(_("what 0 means"), max_length=300)
    score_1 = models.CharField(_("what 1 means"), max_length=300)
    score_2 = models.CharField(_("what 2 means"), max_length=300)
    score_3 = models.CharField(_("what 3 means"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "order", "id"]

    def __str__(self):
        return self.text

    # The items of a checklist a hearing uses keep the meaning its scores were given
    # (evaluation/checklists.py): to change them, copy the checklist.
    def save(self, *args, **kwargs):
        self.refuse_if_in_use()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.refuse_if_in_use()
        return super().delete(*args, **kwargs)

    def refuse_if_in_use(self):
        if self.template_id and self.template.in_use():
            raise StepRefused(
                _("Hearings use this checklist, so it stays as it is: copy it to change it.")
            )

    @property
    def descriptions(self) -> list[tuple[int, str]]:
        return [(n, getattr(self, f"score_{n}")) for n in range(4)]


class HearingQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("evaluation.Hearing")


class Hearing(models.Model):
    """The year-end hearing (ヒアリング) of one center, scored with a checklist."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="hearings", verbose_name=_("center")
    )
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="hearings", verbose_name=_("fiscal year")
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="hearings",
        verbose_name=_("checklist"),
    )
    held_on = models.DateField(_("held on"))
    # Who held the hearing: the bureau's officer and HQ's expert, as the accounts they act with.
    bureau_evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluator from the bureau"),
        limit_choices_to={"role__in": roles.BUREAU},
    )
    hq_evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluator from HQ"),
        limit_choices_to={"role__in": roles.HQ},
    )
    outside_evaluators = models.CharField(_("outside evaluators"), max_length=300, blank=True)
    initiatives = models.TextField(_("the center's own initiatives"), blank=True)
    comments = models.TextField(_("comments"), blank=True)

    objects = HearingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year__year", "center__code"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        constraints = [
            models.UniqueConstraint(fields=["center", "fiscal_year"], name="one_hearing_per_year")
        ]

    def __str__(self):
        return f"{self.center.name} {self.fiscal_year.year}年度 {_('hearing')}"

    def get_absolute_url(self):
        return reverse("evaluation:hearing_detail", args=[self.pk])


class HearingScore(models.Model):
    hearing = models.ForeignKey(Hearing, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MaxValueValidator(3)], null=True, blank=True
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["hearing", "item"], name="one_score_per_item")
        ]

    def __str__(self):
        return f"{self.item}: {self.score}"


class AttachmentQuerySet(ScopedQuerySet):
    center_lookup = "hearing__center"
    editor_roles = HearingQuerySet.editor_roles


class HearingAttachment(models.Model):
    hearing = models.ForeignKey(Hearing, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="hearings/%Y/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.name


# --- The evaluation run -----------------------------------------------------------------


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINALISED = "finalised", _("Finalised")


class RunQuerySet(NationalQuerySet):
    editor_roles = roles.editors("evaluation.EvaluationRun")


class EvaluationRun(models.Model):
    """The evaluation of every center for a fiscal year, under one rules version."""

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="evaluation_runs",
        verbose_name=_("fiscal year"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    rules = models.ForeignKey(
        EvaluationRules, on_delete=models.PROTECT, related_name="runs", verbose_name=_("rules")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("corrects"),
    )
    reason = models.TextField(_("reason for the correction"), blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    # The advisory board's review, between the bureaus' reviews and the sign-off; or the
    # Agency's waiver of it, with the reason.
    board_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    board_reviewed_at = models.DateTimeField(
        _("reviewed by the advisory board at"), null=True, blank=True
    )
    board_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    board_waived_at = models.DateTimeField(
        _("advisory board review waived at"), null=True, blank=True
    )
    board_waiver_reason = models.TextField(_("reason for waiving the board's review"), blank=True)

    objects = RunQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year__year", "-version"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "version"], name="unique_run_version")
        ]

    def __str__(self):
        return f"{self.fiscal_year} {_('evaluation')} v{self.version}"

    def save(self, *args, **kwargs):
        if (
            self.pk
            and EvaluationRun.objects.filter(pk=self.pk, status=RunStatus.FINALISED).exists()
        ):
            raise StepRefused(_("A finalised evaluation cannot be changed; start a correction."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evaluation:run_detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == RunStatus.FINALISED

    @property
    def board_done(self) -> bool:
        """The board has reviewed the run, or the Agency waived its review."""
        return self.board_reviewed_at is not None or self.board_waived_at is not None

    @property
    def is_superseded(self) -> bool:
        return hasattr(self, "correction") and self.correction.is_final


class ResultQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("evaluation.CenterEvaluation")

    def for_user(self, user, action="view"):
        scoped = super().for_user(user, action)
        # A center (and its implementing body) sees its result once the Agency has
        # finalised it, not the drafts.
        role = role_of(user)
        if role in roles.CENTER_STAFF | roles.BODY:
            return scoped.filter(run__status=RunStatus.FINALISED)
        if role in roles.BOARD and action == "view":
            # The sitting board reviews the whole national evaluation; a former member nothing.
            return self if sits_on_board(user) else self.none()
        return scoped


class RecheckInput(models.TextChoices):
    """The inputs of a result a bureau may ask the Agency to re-check."""

    INDICATORS = "indicators", _("Indicator results")
    TARGETS = "targets", _("Targets of the plan")
    CLIENT_SURVEY = "client_survey", _("Client satisfaction survey")
    INSTITUTION_SURVEY = "institution_survey", _("Support-institution evaluation")
    HEARING = "hearing", _("Hearing")
    IMPACT = "impact", _("Impact indicators")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Not yet reviewed")
    AGREED = "agreed", _("Agreed")
    RECHECK = "recheck", _("Re-check asked")


class CenterEvaluation(models.Model):
    """One center's result in a run: its points, grade, breakdown and the inputs used."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("center")
    )
    indicator_points = _points(verbose_name=_("indicator points"))
    survey_points = _points(verbose_name=_("survey points"))
    hearing_points = _points(verbose_name=_("hearing points"))
    total = _points(verbose_name=_("total"))
    grade = models.CharField(_("grade"), max_length=1, choices=GRADE_CHOICES)
    breakdown = models.JSONField(_("breakdown"))
    inputs = models.JSONField(_("inputs"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed by the bureau at"), null=True, blank=True)
    review_comment = models.TextField(_("bureau's comment"), blank=True)
    # The bureau asked the Agency to re-check an input (reviewed_at stays empty until it agrees).
    recheck_input = models.CharField(
        _("input to re-check"), max_length=20, choices=RecheckInput.choices, blank=True
    )
    recheck_requested_at = models.DateTimeField(_("re-check asked at"), null=True, blank=True)

    objects = ResultQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["run", "center__code"]
        verbose_name = _("center evaluation")
        verbose_name_plural = _("center evaluations")
        constraints = [
            models.UniqueConstraint(fields=["run", "center"], name="one_result_per_center")
        ]

    def __str__(self):
        return f"{self.center.name} {self.run}"

    def save(self, *args, **kwargs):
        if self.run.is_final:
            raise StepRefused(_("A finalised evaluation cannot be changed; start a correction."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evaluation:result_detail", args=[self.pk])

    @property
    def review_state(self) -> str:
        if self.reviewed_at:
            return ReviewState.AGREED
        return ReviewState.RECHECK if self.recheck_requested_at else ReviewState.PENDING

    def get_review_state_display(self) -> str:
        return ReviewState(self.review_state).label

    def delete(self, *args, **kwargs):
        if self.run.is_final:
            raise StepRefused(_("A finalised evaluation cannot be changed; start a correction."))
        return super().delete(*args, **kwargs)


class BoardCommentQuerySet(ScopedQuerySet):
    center_lookup = "center"

    def for_user(self, user, action="view"):
        # The board's words on a draft are for the Agency, HQ, the board and the bureau of
        # the center; not the center's own staff.
        role = role_of(user)
        if action != "view" or role in roles.CENTER_STAFF:
            return self.none()
        if role in roles.BOARD:
            return self if sits_on_board(user) else self.none()
        return super().for_user(user, action)


class BoardComment(models.Model):
    """An advisory board member's comment on one center's result in an evaluation."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="board_comments")
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BoardCommentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["center__code", "created_at", "id"]
        verbose_name = _("advisory board comment")
        verbose_name_plural = _("advisory board comments")

    def __str__(self):
        return f"{self.center.name}: {self.text[:40]}"


class EvaluationEvent(models.Model):
    """A step on an evaluation or its rules, including refused attempts (audit)."""

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, null=True, related_name="events"
    )
    rules = models.ForeignKey(
        EvaluationRules, on_delete=models.CASCADE, null=True, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    refused = models.BooleanField(_("refused"), default=False)
    note = models.TextField(_("note"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action}{' (refused)' if self.refused else ''}"

    @property
    def label(self) -> str:
        """The step's name as its workflow gives it (the stored action is a code)."""
        from core.workflow import step_label

        if self.action == "change_rules":
            return str(_("Rules changed"))
        return step_label(EvaluationRun, self.action)


# --- Next year's budget -----------------------------------------------------------------


class BudgetQuerySet(NationalQuerySet):
    editor_roles = roles.editors("evaluation.BudgetAllocation")

    def for_user(self, user, action="view"):
        # The envelope and every center's line are the Agency's and HQ's; a bureau or
        # a center reads its own lines through BudgetLine, once the budget is decided
        # (a draft is the Agency's working figure, not yet anyone's budget).
        role = role_of(user)
        if role not in roles.BUDGET_READERS:
            return self.none()
        allowed = super().for_user(user, action)
        return allowed if role in NATIONAL_ROLES else allowed.filter(decided_at__isnull=False)


class BudgetAllocation(models.Model):
    """Next year's budget: the national envelope shared out by base × grade factor."""

    fiscal_year = models.OneToOneField(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="budget",
        verbose_name=_("budget for fiscal year"),
    )
    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        related_name="budgets",
        verbose_name=_("evaluation"),
    )
    envelope = models.PositiveBigIntegerField(_("national envelope (yen)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Decided: communicated to the bureaus and centers; the amounts no longer change.
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    objects = BudgetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year__year"]
        verbose_name = _("budget allocation")
        verbose_name_plural = _("budget allocations")

    def __str__(self):
        return f"{self.fiscal_year} {_('budget allocation')}"

    def get_absolute_url(self):
        return reverse("evaluation:budget_detail", args=[self.pk])

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None


class BudgetLineQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("evaluation.BudgetLine")

    def for_user(self, user, action="view"):
        lines = super().for_user(user, action)
        if role_of(user) in NATIONAL_ROLES:
            return lines
        return lines.filter(allocation__decided_at__isnull=False)  # as BudgetQuerySet


class BudgetLine(models.Model):
    allocation = models.ForeignKey(BudgetAllocation, on_delete=models.CASCADE, related_name="lines")
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center")
    )
    base = models.PositiveBigIntegerField(_("base (yen)"))
    grade = models.CharField(_("grade"), max_length=1, choices=GRADE_CHOICES)
    factor = models.DecimalField(_("grade factor"), max_digits=4, decimal_places=2)
    adjusted_amount = models.PositiveBigIntegerField(
        _("manually set amount (yen)"), null=True, blank=True
    )
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    amount = models.PositiveBigIntegerField(_("allocation (yen)"))

    objects = BudgetLineQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["allocation", "center__code"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "center"], name="one_line_per_center")
        ]

    def __str__(self):
        return f"{self.center.name}: {self.amount:,}"

    def save(self, *args, **kwargs):
        decided = BudgetAllocation.objects.filter(pk=self.allocation_id, decided_at__isnull=False)
        if decided.exists():
            raise StepRefused(_("This budget is decided; its lines can no longer change."))
        super().save(*args, **kwargs)

    @property
    def is_adjusted(self) -> bool:
        return self.adjusted_amount is not None


# --- Focused guidance -------------------------------------------------------------------


class GuidanceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("guidance", "In progress")
    CLOSED = "closed", _("Closed")


class GuidanceQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("evaluation.GuidancePlan")

    def open(self):
        return self.exclude(status=GuidanceStatus.CLOSED)


class GuidancePlan(models.Model):
    """Focused guidance (重点指導) for a center graded at or below the trigger."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="guidance_plans", verbose_name=_("center")
    )
    evaluation = models.OneToOneField(
        CenterEvaluation,
        on_delete=models.PROTECT,
        related_name="guidance",
        verbose_name=_("evaluation"),
    )
    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("followed through fiscal year"),
    )
    findings = models.TextField(_("findings"), blank=True)
    visits_per_year = models.PositiveSmallIntegerField(
        _("HQ visits per year"),
        default=12,
        help_text=_("The raised visit frequency for HQ while the guidance lasts."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=GuidanceStatus.choices, default=GuidanceStatus.OPEN
    )

    events = GenericRelation("core.StepEvent")
    objects = GuidanceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year__year", "center__code"]
        verbose_name = _("guidance plan")
        verbose_name_plural = _("guidance plans")

    def __str__(self):
        return _("%(center)s focused guidance, fiscal year %(year)s") % {
            "center": self.center.name,
            "year": self.fiscal_year.year,
        }

    def get_absolute_url(self):
        return reverse("evaluation:guidance_detail", args=[self.pk])


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class GuidanceActionQuerySet(ScopedQuerySet):
    center_lookup = "plan__center"
    editor_roles = GuidanceQuerySet.editor_roles


class GuidanceAction(models.Model):
    plan = models.ForeignKey(GuidancePlan, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("owner"), max_length=100)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)

    events = GenericRelation("core.StepEvent")
    objects = GuidanceActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("guidance action")
        verbose_name_plural = _("guidance actions")

    def __str__(self):
        return self.action

    def get_absolute_url(self):
        return reverse("evaluation:guidance_detail", args=[self.plan_id])
