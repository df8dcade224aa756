"""HQ support during the period (domain brief §3): visits to the centers with their
follow-ups and escalation, the HQ experts' meeting and the feedback it sends back,
support requests answered by supporters, and training with attendance.

Who may do what: HQ (hq_staff, hq_expert) records visits and escalates; the center
works its follow-ups and asks for support; a supporter sees only the requests
assigned to it; HQ runs the training. Every rule about scope is in the querysets
below, built on ``core.scoping``.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consultations.models import Consultation, Topic
from core import roles
from core.scoping import (
    CHANGE,
    NATIONAL_ROLES,
    VIEW,
    NationalQuerySet,
    ScopedQuerySet,
    role_of,
    scope_centers,
)
from organizations.models import Bureau, Center, Person, TrainingBlock

HQ_VISITORS = roles.HQ  # record visits, raise the escalation
CENTER_STAFF = roles.CENTER_STAFF
TRAINING_ORGANISERS = roles.NATIONAL
# Roles that work on centers (and so receive the feedback addressed to all of them).
CENTER_SCOPED_ROLES = frozenset({roles.BUREAU_OFFICER, roles.HQ_EXPERT, *CENTER_STAFF})


class FindingCategory(models.Model):
    """A kind of finding a visit records (相談対応の質, 支援機関との連携, …): master data.

    Findings that recur across visits are what the HQ experts' meeting looks at.
    """

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("finding category")
        verbose_name_plural = _("finding categories")

    def __str__(self):
        return self.name


class EscalationLevel(models.IntegerChoices):
    """How far HQ steps in (domain brief §3, "where needed they step in further")."""

    NORMAL = 0, _("Normal")
    ENHANCED = 1, _("Enhanced")
    INTENSIVE = 2, _("Focused intervention")


class VisitQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("support.Visit")


class Visit(models.Model):
    """An HQ visit to a center (拠点訪問): who came, which sessions they sat in on, what
    they saw and advised, and the escalation level the center stood at."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="hq_visits", verbose_name=_("center")
    )
    date = models.DateField(_("date"))
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="hq_visits",
        verbose_name=_("HQ experts"),
        limit_choices_to={"role": roles.HQ_EXPERT},
    )
    sessions = models.ManyToManyField(
        Consultation,
        blank=True,
        related_name="hq_visits",
        verbose_name=_("sessions sat in on"),
    )
    findings = models.ManyToManyField(
        FindingCategory, blank=True, related_name="visits", verbose_name=_("findings")
    )
    observations = models.TextField(_("observations"), blank=True)
    advice = models.TextField(_("advice"), blank=True)
    # The center's level as it stood at this visit (a change made at the visit included);
    # the current level is the center's ``Escalation``.
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level at the visit"),
        choices=EscalationLevel.choices,
        default=EscalationLevel.NORMAL,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    events = GenericRelation("core.StepEvent")
    objects = VisitQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[experts, sessions, findings], excluded_fields=["created_at"]
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["center", "date"]), models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.center} {self.date:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("support:visit_detail", args=[self.pk])

    @property
    def is_planned(self) -> bool:
        return self.date > datetime.date.today()

    def previous(self):
        """The visit to the same center just before this one."""
        return (
            Visit.objects.filter(center_id=self.center_id)
            .filter(Q(date__lt=self.date) | Q(date=self.date, pk__lt=self.pk))
            .order_by("-date", "-pk")
            .first()
        )


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


OPEN_FOLLOW_UP = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


class FollowUpQuerySet(ScopedQuerySet):
    center_lookup = "visit__center"
    # HQ writes them; the center works them (status and note).
    editor_roles = roles.editors("support.FollowUp")

    def open(self):
        return self.filter(status__in=OPEN_FOLLOW_UP)


class FollowUp(models.Model):
    """Something a visit asks the center to do: what, who at the center, by when, how far."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("visit")
    )
    description = models.CharField(_("what"), max_length=300)
    owner = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("owner at the center"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("center's note"), blank=True)

    events = GenericRelation("core.StepEvent")
    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return self.description

    def get_absolute_url(self):
        return reverse("support:followup_update", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FOLLOW_UP

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < datetime.date.today()


class MeetingQuerySet(NationalQuerySet):
    """The HQ experts' meeting is HQ's: HQ records it; the Agency, HQ experts and the
    bureaus read it (its summary counts only the visits in the reader's scope)."""

    editor_roles = roles.editors("support.ExpertsMeeting")
    readers = roles.MEETING_READERS

    def for_user(self, user, action: str = VIEW):
        role = role_of(user)
        if action == CHANGE:
            return self if role in self.editor_roles else self.none()
        return self if role in self.readers else self.none()


class ExpertsMeeting(models.Model):
    """全国本部専門家会議: covers a period of visits, reports to the Agency, decides
    policies and sends feedback back to the centers."""

    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    report_to_agency = models.TextField(_("reported to the Agency"), blank=True)
    policies = models.TextField(_("policies decided"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # The advisory board's review of the report (support/meetings.py, MEETING).
    board_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    board_reviewed_at = models.DateTimeField(
        _("reviewed by the advisory board at"), null=True, blank=True
    )
    board_comment = models.TextField(_("the advisory board's comment"), blank=True)

    events = GenericRelation("core.StepEvent")
    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("HQ experts' meeting")
        verbose_name_plural = _("HQ experts' meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="meeting_period_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("support:meeting_detail", args=[self.pk])


class FeedbackQuerySet(ScopedQuerySet):
    editor_roles = roles.editors("support.Feedback")

    def for_user(self, user, action: str = VIEW):
        """Feedback to one center is that center's; feedback to all centers reaches
        everyone who works on centers."""
        role = role_of(user)
        if not role or (action == CHANGE and role not in self.editor_roles):
            return self.none()
        if role in NATIONAL_ROLES:
            return self
        if role not in CENTER_SCOPED_ROLES:
            return self.none()
        return self.filter(Q(center__isnull=True) | Q(center__in=scope_centers(user).values("pk")))

    def addressed_to(self, center):
        return self.filter(Q(center__isnull=True) | Q(center=center))


class Feedback(models.Model):
    """What the experts' meeting sends back to one center, or to every center (no center)."""

    meeting = models.ForeignKey(
        ExpertsMeeting,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("experts' meeting"),
    )
    center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hq_feedback",
        verbose_name=_("center"),
        help_text=_("Empty: addressed to all centers."),
    )
    text = models.TextField(_("feedback"))

    objects = FeedbackQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting__held_on", "id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return self.meeting.get_absolute_url()


class EscalationQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("support.Escalation")


class Escalation(models.Model):
    """The level HQ holds a center at (通常 / 強化 / 重点介入): one record per center.

    Only HQ moves it, with a reason, through the ``support.escalation`` workflow; each
    change is a step on ``events`` (who, when, from, to, reason). A visit keeps the level
    as it stood at the visit (``Visit.escalation_level``); this record is the current one.
    """

    center = models.OneToOneField(
        Center, on_delete=models.CASCADE, related_name="escalation", verbose_name=_("center")
    )
    level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NORMAL
    )
    reason = models.TextField(_("reason for the escalation level"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("level set by"),
    )
    changed_at = models.DateTimeField(_("level set at"), null=True, blank=True)
    visit = models.ForeignKey(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set at the visit"),
    )

    events = GenericRelation("core.StepEvent")
    objects = EscalationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["center__code"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [models.Index(fields=["level"])]

    def __str__(self):
        return f"{self.center}: {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("support:escalation_detail", args=[self.pk])


class VisitPlanQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("support.VisitPlan")


class VisitPlan(models.Model):
    """HQ's plan of visits to a center for a fiscal year: how many, and by whom.

    A center on focused guidance is planned at least the guidance plan's
    ``visits_per_year`` (``support.visit_plans``); the figure here is HQ's own.
    """

    fiscal_year = models.ForeignKey(
        "planning.FiscalYear",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fiscal year"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("center")
    )
    planned_visits = models.PositiveSmallIntegerField(_("visits planned"))
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="visit_plans",
        verbose_name=_("HQ experts"),
        limit_choices_to={"role": roles.HQ_EXPERT},
    )
    note = models.TextField(_("note"), blank=True)

    objects = VisitPlanQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[experts])

    class Meta:
        ordering = ["-fiscal_year__year", "center__code"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "center"], name="visit_plan_one_per_center_and_year"
            )
        ]

    def __str__(self):
        return f"{self.center} {self.fiscal_year}"

    def get_absolute_url(self):
        return reverse("support:visit_plan_update", args=[self.pk])


class EscalationNoticeQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """A notice is for the bureau of the center (and the national roles); nobody edits it."""
        role = role_of(user)
        if action == CHANGE:
            return self.none()
        if role in NATIONAL_ROLES:
            return self
        if role == roles.BUREAU_OFFICER and user.bureau_id:
            return self.filter(bureau_id=user.bureau_id)
        return self.none()


class EscalationNotice(models.Model):
    """Tells a bureau that HQ raised or lowered the escalation level of one of its centers."""

    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.CASCADE,
        related_name="escalation_notices",
        verbose_name=_("bureau"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="+", verbose_name=_("center")
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("visit"),
    )
    from_level = models.PositiveSmallIntegerField(_("from level"), choices=EscalationLevel.choices)
    to_level = models.PositiveSmallIntegerField(_("to level"), choices=EscalationLevel.choices)
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EscalationNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation notice")
        verbose_name_plural = _("escalation notices")

    def __str__(self):
        return f"{self.center}: {self.get_from_level_display()} → {self.get_to_level_display()}"

    def get_absolute_url(self):
        return self.center.escalation.get_absolute_url()

    @property
    def raised(self) -> bool:
        return self.to_level > self.from_level


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ASSIGNED = "assigned", _("Supporter assigned")
    ADVISED = "advised", _("Advice given")
    CLOSED = "closed", _("Closed")


class RequestOutcome(models.TextChoices):
    SOLVED = "solved", _("Solved")
    PARTLY = "partly", _("Partly solved")
    UNSOLVED = "unsolved", _("Not solved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SupportRequestQuerySet(ScopedQuerySet):
    center_lookup = "center"
    # Each step checks its own role (support.requests); these may take some step.
    editor_roles = roles.editors("support.SupportRequest")

    def for_user(self, user, action: str = VIEW):
        """A supporter sees (and works on) only the requests assigned to it."""
        if role_of(user) == roles.SUPPORTER:
            return self.filter(supporter_id=user.pk)
        return super().for_user(user, action)


class SupportRequest(models.Model):
    """A center asks HQ for a supporter's help on a topic; HQ assigns a supporter, who
    records the advice; the center closes the request with its outcome."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="support_requests", verbose_name=_("center")
    )
    title = models.CharField(_("subject"), max_length=200)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
        verbose_name=_("topic"),
    )
    description = models.TextField(_("what the center needs"))
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_on = models.DateField(_("requested on"), default=datetime.date.today)
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
        verbose_name=_(roles.SUPPORTER),
        limit_choices_to={"role": roles.SUPPORTER},
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    advice = models.TextField(_("advice"), blank=True)
    advised_on = models.DateField(_("advised on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=RequestOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    events = GenericRelation("core.StepEvent")
    objects = SupportRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="closed_request_has_outcome"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("support:request_detail", args=[self.pk])


class TrainingKind(models.TextChoices):
    NATIONAL = "national", _("National training")
    BLOCK = "block", _("Block training")
    SME_UNIVERSITY = "sme_university", _("Coordinator training at the SME University")
    OJT = "ojt", _("OJT at a model center")


# Events planned per fiscal year (domain brief §3): national training twice a year,
# block training twice a year in each of the 7 blocks.
TRAINING_PLAN = {TrainingKind.NATIONAL: 2, TrainingKind.BLOCK: 2}


class TrainingEventQuerySet(NationalQuerySet):
    """Every signed-in user reads the training calendar; HQ organises it."""

    editor_roles = roles.editors("support.TrainingEvent")


class TrainingEvent(models.Model):
    """A training event (研修) with its dates, place, capacity and programme."""

    code = models.CharField(_("event code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TrainingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    block = models.ForeignKey(
        TrainingBlock,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_events",
        verbose_name=_("training block"),
        help_text=_("For block training only."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"))
    programme = models.TextField(_("programme"), blank=True)

    objects = TrainingEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "code"]
        verbose_name = _("training event")
        verbose_name_plural = _("training events")
        indexes = [models.Index(fields=["start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="training_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(kind="block") & Q(block__isnull=False))
                | (~Q(kind="block") & Q(block__isnull=True)),
                name="training_block_only_for_block_training",
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.code}）"

    def get_absolute_url(self):
        return reverse("support:training_detail", args=[self.pk])


class AttendanceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


class RegistrationQuerySet(ScopedQuerySet):
    # A person's training history follows the person: every center they worked in sees it.
    center_lookup = "person__assignments__center"
    editor_roles = roles.editors("support.TrainingRegistration")


class TrainingRegistration(models.Model):
    """A person registered for a training event, and whether they attended."""

    event = models.ForeignKey(
        TrainingEvent,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("training event"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="training_registrations",
        verbose_name=_("staff member"),
    )
    center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("center"),
        help_text=_("Where the person worked on the event's first day (empty for HQ)."),
    )
    status = models.CharField(
        _("attendance"),
        max_length=20,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.REGISTERED,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    events = GenericRelation("core.StepEvent")
    objects = RegistrationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["event__start_date", "person__kana"]
        verbose_name = _("training registration")
        verbose_name_plural = _("training registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="registration_unique_person")
        ]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self):
        return f"{self.person.name} / {self.event.code}"
