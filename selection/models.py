"""Chief-coordinator selection, terms and coordinator appointments (domain brief §2, §3).

A **selection round** chooses a center's chief coordinator, new or renewal. The
center's bureau sets it up (the review committee, the weighted criteria, the
candidates), then the committee scores: every member declares any conflict of
interest per candidate, then scores each candidate on every criterion (1–5). The
scores stay sealed until every member has submitted; the round is then closed
and shows the weighted ranking, the spread between members and the comments.
The bureau records its decision; a nomination creates the chief coordinator's
**term** and updates the staff records (``terms.py``).

A **coordinator appointment** is proposed by the chief coordinator, agreed by the
implementing body, approved by the bureau after consultation, and then becomes a
term (``appointments.py``).

Who sees what is decided here, in the querysets: the bureau (and the national
roles) see the rounds of their centers; a committee member sees only the rounds
they sit on; scores are visible to their author, and to anyone else only once
the round is closed.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import roles
from core.scoping import CHANGE, NATIONAL_ROLES, VIEW, ScopedQuerySet, role_of
from organizations.models import Assignment, Center, Person, Qualification, Role

SCORE_MIN, SCORE_MAX = 1, 5
BUREAU = frozenset({roles.BUREAU_OFFICER})
COMMITTEE = roles.COMMITTEE
# Roles that oversee selections within their scope (the bureau runs them; the
# Agency and HQ follow them nationwide). Center staff and HQ experts see none:
# the sitting chief coordinator may be a candidate.
OVERSEERS = NATIONAL_ROLES | BUREAU

# Defaults of every new round (domain brief §2; editable per round while it is set up).
DEFAULT_CRITERIA = [
    ("相談対応の実績", "中小企業の相談にどれだけ対応し、成果につなげてきたか", 25),
    ("チームを率いる力", "コーディネーターを選び、指導し、チームとして動かす力", 25),
    ("地域の事業者に関する知見", "地域の産業・事業者と支援機関についての理解", 25),
    ("拠点運営のビジョン", "拠点をどう運営し、何を実現するかの構想", 25),
]


class RoundKind(models.TextChoices):
    NEW = "new", _("New appointment")
    RENEWAL = "renewal", _("Renewal")


class RoundStatus(models.TextChoices):
    SETUP = "setup", _("Being set up")
    SCORING = "scoring", _("Scoring")
    CLOSED = "closed", _("All scores in")
    DECIDED = "decided", _("Decided")


# Once every member has submitted, the scores are no longer sealed.
RESULTS_VISIBLE = frozenset({RoundStatus.CLOSED, RoundStatus.DECIDED})


class Decision(models.TextChoices):
    NOMINATE = "nominate", _("Nominate a candidate")
    NONE = "none", _("Nominate no one")


class MemberSource(models.TextChoices):
    ADVISORY_BOARD = "advisory_board", _("Advisory board")
    BUREAU = "bureau", _("Picked by the bureau")


class SelectionQuerySet(ScopedQuerySet):
    """Selection records: the bureau's (and national roles') within scope, and a
    committee member's own rounds.

    ``round_lookup`` is the path from the model to its round ("" for the round).
    Committee members change nothing through a view's queryset: they act on their
    own scoresheets through the workflow functions.
    """

    round_lookup = ""
    center_lookup = "center"
    editor_roles = roles.editors("selection.SelectionRound")

    def _in_rounds(self, rounds):
        key = f"{self.round_lookup}__in" if self.round_lookup else "pk__in"
        return self.filter(**{key: rounds.values("pk")})

    def for_user(self, user, action: str = VIEW):
        role = role_of(user)
        if role in COMMITTEE:
            if action == CHANGE:
                return self.none()
            return self._in_rounds(SelectionRound._base_manager.filter(members__user=user))
        if role not in OVERSEERS:
            return self.none()
        return super().for_user(user, action)


class SealedQuerySet(SelectionQuerySet):
    """Scores: their author sees them; everyone else only once the round is closed."""

    member_lookup = "member"

    def for_user(self, user, action: str = VIEW):
        mine = Q(**{f"{self.member_lookup}__user": user}) if user.is_authenticated else Q(pk=None)
        if action == CHANGE:
            # Only the author, while the round is scoring and before they submit.
            if role_of(user) not in COMMITTEE:
                return self.none()
            return self.filter(
                mine,
                **{
                    f"{self.member_lookup}__submitted_at__isnull": True,
                    f"{self.member_lookup}__round__status": RoundStatus.SCORING,
                },
            )
        unsealed = Q(**{f"{self.member_lookup}__round__status__in": RESULTS_VISIBLE})
        return super().for_user(user, VIEW).filter(mine | unsealed)


class RoundPartQuerySet(SelectionQuerySet):
    round_lookup = "round"
    center_lookup = "round__center"


class DocumentQuerySet(SelectionQuerySet):
    round_lookup = "candidate__round"
    center_lookup = "candidate__round__center"


class ScoresheetQuerySet(SealedQuerySet):
    round_lookup = "member__round"
    center_lookup = "member__round__center"
    member_lookup = "member"


class ScoreEntryQuerySet(SealedQuerySet):
    round_lookup = "sheet__member__round"
    center_lookup = "sheet__member__round__center"
    member_lookup = "sheet__member"


class SelectionRound(models.Model):
    """The selection of a center's chief coordinator for a term, by a review committee."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="selection_rounds", verbose_name=_("center")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RoundKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.SETUP
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), help_text=_("The 31 March closing a fiscal year."))
    current_assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("term being renewed"),
    )
    notes = models.TextField(_("purpose and conditions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("all scores in at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    nominee = models.ForeignKey(
        "Candidate",
        on_delete=models.RESTRICT,  # goes only with the whole round
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nominee"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = SelectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-term_start", "center__code", "-id"]
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="round_term_ends_after_start"
            )
        ]

    def __str__(self):
        label = _("chief-coordinator selection")
        suffix = f"（{self.get_kind_display()}）" if self.kind == RoundKind.RENEWAL else ""
        return f"{self.center.name} {self.term_start:%Y}年{self.term_start.month}月 {label}{suffix}"

    def get_absolute_url(self):
        return reverse("selection:round_detail", args=[self.pk])

    @property
    def results_visible(self) -> bool:
        return self.status in RESULTS_VISIBLE

    @property
    def in_setup(self) -> bool:
        return self.status == RoundStatus.SETUP

    @property
    def committee_open(self) -> bool:
        """Members can still be taken off (anyone in the setup; non-submitters while scoring)."""
        return self.status in (RoundStatus.SETUP, RoundStatus.SCORING)

    def total_weight(self) -> int:
        return self.criteria.aggregate(total=models.Sum("weight"))["total"] or 0


class Criterion(models.Model):
    """A criterion the committee scores from 1 to 5, with its weight in the ranking."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=100)
    description = models.CharField(_("what it looks at"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=25, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = RoundPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return f"{self.name}（{self.weight}）"


class CommitteeMember(models.Model):
    """A member of a round's review committee (審査委員会): the account that scores, and for
    an advisory-board seat the board member's HQ staff record (who they are is the record's,
    not a name typed in)."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="selection_memberships",
        verbose_name=_("member"),
    )
    source = models.CharField(
        _("seat"), max_length=20, choices=MemberSource.choices, default=MemberSource.BUREAU
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_seats",
        verbose_name=_("staff record"),
    )
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("conflicts declared at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("scores submitted at"), null=True, blank=True)

    events = GenericRelation("core.StepEvent")
    objects = RoundPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_seat_per_member")
        ]

    def __str__(self):
        return self.person.name if self.person_id else str(self.user)

    def get_absolute_url(self):
        return reverse("selection:member_detail", args=[self.pk])


class Candidate(models.Model):
    """A candidate of a round: career, qualifications, documents, and the staff record if any."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff record"),
        help_text=_("Leave empty for a candidate who is not yet on the staff records."),
    )
    name = models.CharField(_("full name"), max_length=100)
    kana = models.CharField(_("kana"), max_length=100, blank=True)
    current_position = models.CharField(_("current position"), max_length=200, blank=True)
    career = models.TextField(_("career"), blank=True)
    qualifications = models.ManyToManyField(
        Qualification, blank=True, related_name="+", verbose_name=_("qualifications")
    )
    note = models.TextField(_("note"), blank=True)

    objects = RoundPartQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[qualifications])

    class Meta:
        ordering = ["round", "kana", "id"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("selection:candidate_detail", args=[self.pk])

    @property
    def is_sitting_chief(self) -> bool:
        """The candidate of a renewal round who holds the term being renewed."""
        current = self.round.current_assignment
        return bool(current and self.person_id and current.person_id == self.person_id)


class CandidateDocument(models.Model):
    """A document of a candidate (CV, statement, certificates), kept in the database so
    that it is served only through the scoped view."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveIntegerField(_("size"))
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        ordering = ["candidate", "id"]
        verbose_name = _("candidate document")
        verbose_name_plural = _("candidate documents")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("selection:document_download", args=[self.pk])


class Scoresheet(models.Model):
    """One member's assessment of one candidate: the conflict declaration, then the scores.

    ``conflict`` is None until declared. A declared conflict excludes the sheet
    from the ranking, whatever scores it holds.
    """

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="sheets")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="sheets")
    conflict = models.BooleanField(_("conflict of interest"), null=True, blank=True)
    conflict_reason = models.TextField(_("nature of the conflict"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    objects = ScoresheetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["member", "candidate__kana", "candidate_id"]
        verbose_name = _("scoresheet")
        verbose_name_plural = _("scoresheets")
        constraints = [
            models.UniqueConstraint(fields=["member", "candidate"], name="one_sheet_per_candidate")
        ]

    def __str__(self):
        return f"{self.member.user} / {self.candidate.name}"

    def get_absolute_url(self):
        return reverse("selection:sheet_detail", args=[self.pk])


class ScoreEntry(models.Model):
    """A score from 1 to 5 on one criterion of one scoresheet."""

    sheet = models.ForeignKey(Scoresheet, on_delete=models.CASCADE, related_name="entries")
    # The workflow deletes criteria only while nothing is scored.
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="entries")
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )

    objects = ScoreEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["sheet", "criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(
                condition=Q(value__gte=SCORE_MIN) & Q(value__lte=SCORE_MAX),
                name="score_between_1_and_5",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.value}"


ROUND_ACTIONS = {
    "create": _("Round set up"),
    "start": _("Scoring started"),
    "submit": _("A member submitted"),
    "withdraw": _("A member withdrew"),
    "close": _("All scores in"),
    "decide": _("Decision recorded"),
}


class RoundEvent(models.Model):
    """One step of a round: who moved it from which status to which, and when."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=10, choices=RoundStatus.choices)
    to_status = models.CharField(max_length=10, choices=RoundStatus.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    refused = models.BooleanField(_("refused"), default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status}"

    @property
    def label(self):
        return ROUND_ACTIONS.get(self.action, self.action)


# --- Terms and coordinator appointments ---------------------------------------------------


class TermQuerySet(ScopedQuerySet):
    """Terms are staff records: visible wherever the center's staff are."""

    center_lookup = "center"
    editor_roles = frozenset()  # written only by nominations and appointments

    def current(self, date: datetime.date | None = None):
        date = date or datetime.date.today()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=date), start_date__lte=date)


class DecisionVersion(models.Model):
    """One version of a round's decision: the first as recorded, then each correction by the
    bureau with its reason. Every version is kept; the round shows the latest, and the
    chief coordinator's term follows it (``terms.follow_correction``)."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="decisions")
    version = models.PositiveSmallIntegerField(_("version"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    nominee = models.ForeignKey(
        "Candidate",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nominee"),
    )
    term_end = models.DateField(_("term ends"))
    reason = models.TextField(_("reason for the decision"))
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"))

    objects = RoundPartQuerySet.as_manager()

    class Meta:
        ordering = ["round", "version"]
        verbose_name = _("decision version")
        verbose_name_plural = _("decision versions")
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="one_decision_per_version")
        ]

    def __str__(self):
        return f"{self.round} v{self.version}"

    def get_absolute_url(self):
        return self.round.get_absolute_url()

    @property
    def is_correction(self) -> bool:
        return self.version > 1


class Term(models.Model):
    """A term of office at a center (chief coordinator or coordinator), with where it came from.

    The staff record it created or extended is ``assignment``; a renewal points at
    the term it renews.
    """

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="terms", verbose_name=_("center")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="terms", verbose_name=_("staff member")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    start_date = models.DateField(_("start date"))
    # Empty: a chief coordinator on the staff records without an end date yet (the roster).
    end_date = models.DateField(_("end date"), null=True, blank=True)
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="terms",
        verbose_name=_("assignment"),
    )
    selection_round = models.ForeignKey(
        SelectionRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terms",
        verbose_name=_("selection round"),
    )
    appointment = models.ForeignKey(
        "CoordinatorAppointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terms",
        verbose_name=_("appointment"),
    )
    renews = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renews"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TermQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["center__code", "-start_date", "id"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="term_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.person.name} / {self.center.name} / {self.get_role_display()}"

    def get_absolute_url(self):
        return reverse("organizations:person_detail", args=[self.person_id])

    @property
    def from_roster(self) -> bool:
        """A term the staff records hold (the roster import), not a round or an appointment."""
        return self.selection_round_id is None and self.appointment_id is None


class AppointmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the chief coordinator")
    AGREED = "agreed", _("Agreed by the implementing body")
    APPROVED = "approved", _("Approved by the bureau")
    APPOINTED = "appointed", _("Term created")
    DECLINED = "declined", _("Declined")


class AppointmentQuerySet(ScopedQuerySet):
    center_lookup = "center"
    # Who may act at all; each step checks its own role in appointments.py.
    editor_roles = roles.editors("selection.CoordinatorAppointment")


class CoordinatorAppointment(models.Model):
    """The appointment of a coordinator: proposed, agreed, approved, then the term."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("center")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff record"),
        help_text=_("Leave empty for someone not yet on the staff records."),
    )
    name = models.CharField(_("full name"), max_length=100)
    kana = models.CharField(_("kana"), max_length=100, blank=True)
    staff_code = models.CharField(_("staff code"), max_length=20, blank=True)
    career = models.TextField(_("career"), blank=True)
    reason = models.TextField(_("reason for the proposal"))
    start_date = models.DateField(_("term starts"))
    end_date = models.DateField(_("term ends"), help_text=_("The 31 March closing a fiscal year."))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.PROPOSED,
    )
    signatory = models.CharField(
        _("signatory of the implementing body"), max_length=200, blank=True
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    # The signed agreement, when the center records it for the body (the bureau's choice).
    agreement_document_name = models.CharField(_("signed agreement"), max_length=200, blank=True)
    agreement_document_type = models.CharField(max_length=100, blank=True)
    agreement_document = models.BinaryField(null=True, blank=True, editable=False)
    consultation_note = models.TextField(_("bureau's consultation note"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignment"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["agreement_document"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("coordinator appointment")
        verbose_name_plural = _("coordinator appointments")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="appointment_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.center.name} {self.name} {_('coordinator appointment')}"

    def get_absolute_url(self):
        return reverse("selection:appointment_detail", args=[self.pk])


class AppointmentEvent(models.Model):
    """One step of an appointment: who took it, when, from which status to which."""

    appointment = models.ForeignKey(
        CoordinatorAppointment, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=10, choices=AppointmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=AppointmentStatus.choices)
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

        return step_label(CoordinatorAppointment, self.action)
