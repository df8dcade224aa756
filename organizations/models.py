"""Organisations of the network (§2 of the domain brief) and the people in them."""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import roles
from core.scoping import NATIONAL_ROLES, ScopedQuerySet


class TrainingBlock(models.Model):
    """One of the 7 blocks used for block training: an editable grouping of prefectures."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("training block")
        verbose_name_plural = _("training blocks")

    def __str__(self):
        return self.name


class BureauQuerySet(ScopedQuerySet):
    center_lookup = "prefectures__center"
    editor_roles = roles.editors("organizations.Bureau")

    def for_user(self, user, action="view"):
        """A bureau's pages are for the bureau itself and the national roles; its settings
        are changed by the Agency and by the bureau itself."""
        from core.scoping import role_of

        role = role_of(user)
        if action == "change" and role not in self.editor_roles:
            return self.none()
        if role in NATIONAL_ROLES:
            return self
        if role == roles.BUREAU_OFFICER:
            return self.filter(pk=user.bureau_id)
        return self.none()


class AgreementBy(models.TextChoices):
    """Who records an implementing body's agreement to a coordinator appointment: a
    bureau's choice (selection/appointments.py)."""

    SIGNED_DOCUMENT = "signed_document", _("The center, with the signed document uploaded")
    BODY_ACCOUNT = "body_account", _("The implementing body, with its own account")


class Bureau(models.Model):
    """A regional bureau (経済産業局, or 沖縄総合事務局): contracts and evaluates its centers."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    short_name = models.CharField(_("short name"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    appointment_agreement = models.CharField(
        _("implementing body's agreement to appointments recorded by"),
        max_length=20,
        choices=AgreementBy.choices,
        default=AgreementBy.SIGNED_DOCUMENT,
    )

    objects = BureauQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaus")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:bureau_settings", args=[self.pk])


class PrefectureQuerySet(ScopedQuerySet):
    center_lookup = "center"
    # HQ runs the training, so HQ and the Agency regroup prefectures into blocks.
    editor_roles = roles.editors("organizations.Prefecture")


class Prefecture(models.Model):
    """A prefecture, keyed by its JIS X 0401 code ("01" 北海道 … "47" 沖縄県)."""

    code = models.CharField(_("JIS code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=10, unique=True)
    short_name = models.CharField(_("short name"), max_length=10, unique=True)
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="prefectures", verbose_name=_("bureau")
    )
    training_block = models.ForeignKey(
        TrainingBlock,
        on_delete=models.PROTECT,
        related_name="prefectures",
        verbose_name=_("training block"),
    )

    objects = PrefectureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self):
        return self.name


class ImplementingBodyQuerySet(ScopedQuerySet):
    center_lookup = "centers"
    editor_roles = roles.editors("organizations.ImplementingBody")


class ImplementingBody(models.Model):
    """The organisation that runs a center under contract with the bureau (実施機関)."""

    name = models.CharField(_("name"), max_length=200)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="+", verbose_name=_("prefecture")
    )

    objects = ImplementingBodyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["prefecture__code", "name"]
        verbose_name = _("implementing body")
        verbose_name_plural = _("implementing bodies")

    def __str__(self):
        return self.name


class CenterQuerySet(ScopedQuerySet):
    center_lookup = "pk"
    # Bureau officers maintain the implementing-body name of their own centers.
    editor_roles = roles.editors("organizations.Center")


class Center(models.Model):
    """A Yorozu Support Center (拠点), one per prefecture; its code is the prefecture's."""

    code = models.CharField(_("center code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    prefecture = models.OneToOneField(
        Prefecture, on_delete=models.PROTECT, related_name="center", verbose_name=_("prefecture")
    )
    implementing_body = models.ForeignKey(
        ImplementingBody,
        on_delete=models.PROTECT,
        related_name="centers",
        verbose_name=_("implementing body"),
    )

    objects = CenterQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("center")
        verbose_name_plural = _("centers")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:center_detail", args=[self.pk])

    @property
    def bureau(self):
        return self.prefecture.bureau


class SupportInstitutionType(models.Model):
    """Kind of partner organisation (商工会, 商工会議所, 金融機関, …)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("support institution type")
        verbose_name_plural = _("support institution types")

    def __str__(self):
        return self.name


class SupportInstitutionQuerySet(ScopedQuerySet):
    center_lookup = "prefecture__center"
    editor_roles = roles.editors("organizations.SupportInstitution")


class SupportInstitution(models.Model):
    """A partner organisation of the centers (商工会, 商工会議所, a bank, a municipality, …)."""

    name = models.CharField(_("name"), max_length=200)
    institution_type = models.ForeignKey(
        SupportInstitutionType,
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("type"),
    )
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        related_name="support_institutions",
        verbose_name=_("prefecture"),
    )
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    contact = models.CharField(
        _("contact"), max_length=200, blank=True, help_text=_("Person to ask, phone number.")
    )
    email = models.EmailField(
        _("email"),
        blank=True,
        help_text=_("Survey invitations are emailed here; without it they go on paper."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = SupportInstitutionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["prefecture__code", "institution_type__order", "name"]
        verbose_name = _("support institution")
        verbose_name_plural = _("support institutions")
        constraints = [
            models.UniqueConstraint(fields=["prefecture", "name"], name="institution_unique_name"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:institution_update", args=[self.pk])


class Qualification(models.Model):
    """A professional qualification staff may hold (保有資格, self-reported)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """What a person does in an assignment: center roles, then HQ roles."""

    CHIEF_COORDINATOR = "chief_coordinator", _("Chief coordinator")
    COORDINATOR = "coordinator", _("Coordinator")
    EXPERT = "expert", _("Expert")
    ADVISORY_BOARD = "advisory_board", _("Advisory board member")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    SUPPORTER = "supporter", _("Supporter")


CENTER_ROLES = frozenset({Role.CHIEF_COORDINATOR, Role.COORDINATOR, Role.EXPERT})
HQ_ROLES = frozenset({Role.ADVISORY_BOARD, Role.PROJECT_MANAGER, Role.SUPPORTER})


def active_on(date: datetime.date, prefix: str = "") -> Q:
    """Q for assignments whose term covers ``date`` (end date inclusive, open end allowed)."""
    return Q(**{f"{prefix}start_date__lte": date}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": date})
    )


class PersonQuerySet(ScopedQuerySet):
    center_lookup = "assignments__center"
    editor_roles = roles.editors("organizations.Person")

    def for_user(self, user, action="view"):
        """Anyone who ever worked in a center stays visible to it (its history);
        only a present or future assignment there lets the center change the person."""
        from core.scoping import role_of, scope_centers

        allowed = super().for_user(user, action)
        if action != "change" or role_of(user) in NATIONAL_ROLES:
            return allowed
        today = datetime.date.today()
        current = Assignment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            center__in=scope_centers(user).values("pk"),
        )
        return allowed.filter(pk__in=current.values("person_id"))

    def advisory_board(self, on: datetime.date | None = None):
        """The advisory board (アドバイザリーボード) on a day: HQ staff records with an
        advisory-board assignment running then."""
        on = on or datetime.date.today()
        members = Assignment.objects.filter(active_on(on), role=Role.ADVISORY_BOARD)
        return self.filter(pk__in=members.values("person_id"))


class Person(models.Model):
    """A member of staff: center staff or HQ experts, identified by a staff code."""

    staff_code = models.CharField(_("staff code"), max_length=20, unique=True)
    name = models.CharField(_("full name"), max_length=100, db_index=True)
    kana = models.CharField(_("kana"), max_length=100, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    qualifications = models.ManyToManyField(
        Qualification, blank=True, related_name="holders", verbose_name=_("qualifications")
    )
    note = models.TextField(_("note"), blank=True)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[qualifications])

    class Meta:
        ordering = ["kana", "staff_code"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return f"{self.name}（{self.staff_code}）"

    def get_absolute_url(self):
        return reverse("organizations:person_detail", args=[self.pk])

    def on_advisory_board(self, on: datetime.date | None = None) -> bool:
        return Person.objects.advisory_board(on).filter(pk=self.pk).exists()

    def current_assignments(self, date: datetime.date | None = None):
        date = date or datetime.date.today()
        return self.assignments.filter(active_on(date))


class AssignmentQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = PersonQuerySet.editor_roles

    def active_on(self, date: datetime.date):
        return self.filter(active_on(date))


class Assignment(models.Model):
    """A term: a person in a role at a center (or at HQ) from a start date to an optional end."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("staff member")
    )
    center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("center"),
        help_text=_("Empty for HQ roles."),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["center", "role", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_end_after_start",
            ),
        ]

    def __str__(self):
        where = self.center or _("HQ")
        return f"{self.person.name} / {where} / {self.get_role_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = assignment_errors(
            role=self.role, center=self.center, start=self.start_date, end=self.end_date
        )
        if errors:
            raise ValidationError(errors)


def assignment_errors(*, role, center, start, end) -> dict[str, str]:
    """Problems with one assignment, by field name; shared by forms and the roster import."""
    errors = {}
    if role in CENTER_ROLES and center is None:
        errors["center"] = _("A center role needs a center.")
    if role in HQ_ROLES and center is not None:
        errors["center"] = _("HQ roles are not assigned to a center; leave the center empty.")
    if start and end and end < start:
        errors["end_date"] = _("The end date is before the start date.")
    return errors
