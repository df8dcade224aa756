"""Consultation records (domain brief §4): clients, cases, sessions and network activities.

These are the records every indicator counts. Each carries the ``external_id``
of the source system it was imported from, so a re-import updates in place.
"""

import functools
import hmac
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core import roles
from core.links import detail_url
from core.scoping import NATIONAL_ROLES, ScopedQuerySet, role_of, scope_center_ids
from organizations.models import Center, Person, Prefecture, SupportInstitution

RECORD_EDITORS = frozenset({roles.AGENCY_ADMIN, roles.CENTER_MANAGER, roles.COORDINATOR})
# Roles that may see who a client is: the staff of the centers that serve them.
IDENTITY_ROLES = roles.CENTER_STAFF


def UPDATED_AT():  # noqa: N802 - reads as the field it makes
    """When a record was last written (the API's ``updated_since``). Null for records not
    written since the column was added: adding a nullable column without a default does not
    rewrite a table of millions of rows on PostgreSQL, and a full sync reads those anyway."""
    return models.DateTimeField(_("updated at"), auto_now=True, null=True, editable=False)


def updated_index(prefix: str) -> models.Index:
    # Partial: the rows never written since the column came are not in it, so building it
    # on ten years of records reads the table once and writes almost nothing.
    return models.Index(
        fields=["updated_at"],
        name=f"{prefix}_updated_at",
        condition=Q(updated_at__isnull=False),
    )


def normalize_name(value: str) -> str:
    """Business names compare after NFKC, without spaces and legal-form marks, case-folded."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    text = re.sub(r"[\s\u3000・]", "", text)
    for mark in ("株式会社", "有限会社", "合同会社", "(株)", "(有)", "(同)"):
        text = text.replace(mark, "")
    return text


def normalize_phone(value: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))


def corporate_number_is_valid(number: str) -> bool:
    """法人番号: 13 digits whose first digit is the check digit of the other twelve."""
    if not re.fullmatch(r"\d{13}", number or ""):
        return False
    body = [int(d) for d in number[1:]]
    # Weights alternate 1, 2 from the least significant digit (国税庁 specification).
    total = sum(d * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    return int(number[0]) == 9 - total % 9


def validate_corporate_number(value: str) -> None:
    if value and not corporate_number_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid corporate number (13 digits with a correct check digit)."),
            params={"value": value},
        )


class Topic(models.Model):
    """Consultation topic (相談分野): an editable taxonomy."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class PriorityField(models.Model):
    """A priority field (重点分野) a case can be tagged with and a business plan can target."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("priority field")
        verbose_name_plural = _("priority fields")

    def __str__(self):
        return self.name


class ClientForm(models.TextChoices):
    CORPORATION = "corporation", _("Corporation")
    SOLE_PROPRIETOR = "sole_proprietor", _("Sole proprietor")
    PROSPECTIVE_FOUNDER = "prospective_founder", _("Prospective founder")


class Industry(models.TextChoices):
    """JSIC (日本標準産業分類) major divisions A–T."""

    A = "A", _("A Agriculture and forestry")
    B = "B", _("B Fisheries")
    C = "C", _("C Mining and quarrying")
    D = "D", _("D Construction")
    E = "E", _("E Manufacturing")
    F = "F", _("F Electricity, gas, heat supply and water")
    G = "G", _("G Information and communications")
    H = "H", _("H Transport and postal activities")
    I = "I", _("I Wholesale and retail trade")  # noqa: E741 - the JSIC letter
    J = "J", _("J Finance and insurance")
    K = "K", _("K Real estate and goods rental and leasing")
    L = "L", _("L Scientific research, professional and technical services")
    M = "M", _("M Accommodations, eating and drinking services")
    N = "N", _("N Living-related and personal services and amusement services")
    O = "O", _("O Education, learning support")  # noqa: E741
    P = "P", _("P Medical, health care and welfare")
    Q = "Q", _("Q Compound services")
    R = "R", _("R Services, n.e.c.")
    S = "S", _("S Government, n.e.c.")
    T = "T", _("T Industries unable to classify")


class ClientQuerySet(ScopedQuerySet):
    editor_roles = roles.editors("consultations.Client")

    def for_user(self, user, action="view"):
        """A client belongs to its registering center and to every center that served it."""
        role = role_of(user)
        if not role or (action == "change" and role not in self.editor_roles):
            return self.none()
        if role in NATIONAL_ROLES:
            return self
        return self.filter(pk__in=clients_of(scope_center_ids(user)))


def clients_of(center_ids):
    """The ids of the clients registered at or served by the centers (a subquery)."""
    return ClientCenter.objects.filter(center_id__in=center_ids).values("client_id")


class Client(models.Model):
    """A business or would-be founder who consults (相談者)."""

    # null, not "": several records without a source ID must not collide on the unique constraint.
    external_id = models.CharField(_("client ID"), max_length=40, null=True, blank=True)  # noqa: DJ001
    # Indexed with created_at below (the quick entry's clients registered lately).
    home_center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("registering center"),
        db_index=False,
    )
    business_name = models.CharField(_("business name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    corporate_number = models.CharField(
        _("corporate number"),
        max_length=13,
        blank=True,
        db_index=True,
        validators=[validate_corporate_number],
    )
    form = models.CharField(_("form"), max_length=30, choices=ClientForm.choices)
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    capital = models.PositiveBigIntegerField(_("capital (yen)"), null=True, blank=True)
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prefecture"),
    )
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    founding_year = models.PositiveSmallIntegerField(_("founding year"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_key = models.CharField(max_length=30, db_index=True, editable=False, blank=True)
    email = models.EmailField(_("email"), blank=True)
    survey_consent = models.BooleanField(_("consents to surveys"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = UPDATED_AT()
    # Set when the retention rule removed the client's identity (consultations/retention.py).
    pseudonymised_at = models.DateTimeField(_("identity removed"), null=True, blank=True)

    objects = ClientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["name_key", "phone_key", "updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["home_center", "created_at"]),
            updated_index("client"),
        ]
        # A source system's IDs are its center's: unique per center, so one center's
        # IDs neither collide with nor reveal another's. ID first: imports look up by ID.
        constraints = [
            models.UniqueConstraint(
                fields=["external_id", "home_center"], name="client_unique_external_id"
            )
        ]

    def __str__(self):
        return self.business_name

    def save(self, *args, **kwargs):
        self.name_key = normalize_name(self.business_name)
        self.phone_key = normalize_phone(self.phone)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return detail_url("consultations:client_detail", self.pk)

    @property
    def pseudonym(self) -> str:
        """A stable label that does not reveal who the client is."""
        return pseudonym_of(self.pk)

    def display_name(self, user) -> str:
        return self.business_name if may_see_identity(user) else self.pseudonym

    def history_label(self, viewer) -> str:
        return self.display_name(viewer)


def pseudonym_of(client_id) -> str:
    """The client's pseudonym from its key alone (exports read keys, not clients)."""
    return _pseudonym(settings.SECRET_KEY.encode(), client_id)


def pseudonyms():
    """``pseudonym_of`` for the many clients of one export: each client's label made
    once (a national year meets 240,000 clients, each about three times)."""
    key, made = settings.SECRET_KEY.encode(), {}

    def pseudonym(client_id) -> str:
        label = made.get(client_id)
        if label is None:
            label = made[client_id] = _label(key, client_id)
        return label

    return pseudonym


def _label(key: bytes, client_id) -> str:
    digest = hmac.digest(key, str(client_id).encode(), "sha256")
    return f"相談者-{digest[:4].hex().upper()}"


# A page's list shows the same clients again and again.
_pseudonym = functools.lru_cache(maxsize=10_000)(_label)


# What says who a client is: shown only to ``may_see_identity`` users on the client's page
# (its name as ``display_name``) and in the API; everyone else sees the pseudonym.
IDENTITY_FIELDS = ("business_name", "corporate_number", "contact_name", "phone", "email")


def may_see_identity(user) -> bool:
    return role_of(user) in IDENTITY_ROLES


def find_duplicates(*, corporate_number="", business_name="", phone="", exclude_pk=None):
    """Existing clients that are probably the same business (the same corporate
    number, or the same normalised name and phone)."""
    condition = Q(pk__in=[])
    if corporate_number:
        condition |= Q(corporate_number=corporate_number)
    name_key, phone_key = normalize_name(business_name), normalize_phone(phone)
    if name_key and phone_key:
        condition |= Q(name_key=name_key, phone_key=phone_key)
    found = Client.objects.filter(condition)
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return found


class CaseStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


class ResolutionKind(models.TextChoices):
    SALES_UP = "sales_up", _("Sales increased")
    FINANCING = "financing", _("Financing obtained")
    FOUNDED = "founded", _("Business founded")
    SUCCESSION = "succession", _("Succession done")
    COST_DOWN = "cost_down", _("Costs reduced")
    OTHER = "other", _("Other")


class RecordQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = RECORD_EDITORS


class Case(models.Model):
    """One client problem (課題) worked through one or more sessions."""

    # null, not "": several records without a source ID must not collide on the unique constraint.
    external_id = models.CharField(_("case ID"), max_length=40, null=True, blank=True)  # noqa: DJ001
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="cases", verbose_name=_("client")
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="cases", verbose_name=_("center")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="cases", verbose_name=_("topics")
    )
    priority_fields = models.ManyToManyField(
        PriorityField, blank=True, related_name="cases", verbose_name=_("priority fields")
    )
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    resolved_on = models.DateField(_("resolution date"), null=True, blank=True)
    resolution_kind = models.CharField(
        _("resolution kind"), max_length=20, choices=ResolutionKind.choices, blank=True
    )
    evidence = models.TextField(_("evidence of the result"), blank=True)
    referred_from = models.ForeignKey(
        SupportInstitution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_cases",
        verbose_name=_("referred by"),
    )
    referred_to = models.ForeignKey(
        SupportInstitution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_cases",
        verbose_name=_("referred to"),
    )
    updated_at = UPDATED_AT()

    objects = RecordQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[topics, priority_fields], excluded_fields=["updated_at"]
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["center", "resolved_on"]),
            models.Index(fields=["resolved_on"]),
            # A center's cases latest first (the list, the quick entry's open cases).
            models.Index(fields=["center", "opened_on"]),
            # The nation's and a bureau's cases latest first, in the list's order.
            models.Index(fields=["opened_on", "id"], name="case_opened_order"),
            updated_index("case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id", "center"], name="case_unique_external_id"
            ),
            models.CheckConstraint(
                condition=~Q(status="solved")
                | (Q(resolved_on__isnull=False) & ~Q(resolution_kind="")),
                name="case_solved_has_resolution",
            ),
        ]

    def __str__(self):
        return self.title or f"{_('Case')} {self.pk}"

    def get_absolute_url(self):
        return detail_url("consultations:case_detail", self.pk)

    def clean(self):
        errors = case_errors(
            status=self.status,
            opened_on=self.opened_on,
            resolved_on=self.resolved_on,
            resolution_kind=self.resolution_kind,
        )
        if errors:
            raise ValidationError(errors)


def case_errors(*, status, opened_on, resolved_on, resolution_kind) -> dict:
    """Problems with a case's resolution, by field; shared by the form and the import."""
    errors = {}
    if status == CaseStatus.SOLVED:
        if not resolved_on:
            errors["resolved_on"] = _("A solved case needs its resolution date.")
        if not resolution_kind:
            errors["resolution_kind"] = _("A solved case needs its resolution kind.")
    if resolved_on and opened_on and resolved_on < opened_on:
        errors["resolved_on"] = _("The resolution date is before the case was opened.")
    return errors


class Mode(models.TextChoices):
    VISIT = "visit", _("Visit to the center")
    OUTREACH = "outreach", _("Outreach / satellite")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    EMAIL = "email", pgettext_lazy("contact mode", "Email")


class Consultation(models.Model):
    """One consultation session (相談対応): the unit the consultations indicator counts."""

    # null, not "": several records without a source ID must not collide on the unique constraint.
    external_id = models.CharField(_("session ID"), max_length=40, null=True, blank=True)  # noqa: DJ001
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=60)
    # Both foreign keys are covered by the composite indexes below.
    center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("center"),
        db_index=False,
    )
    lead_staff = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_consultations",
        verbose_name=_("lead staff"),
    )
    other_staff = models.ManyToManyField(
        Person, blank=True, related_name="joined_consultations", verbose_name=_("other staff")
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.VISIT)
    place = models.CharField(_("place"), max_length=200, blank=True)
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("client"),
        db_index=False,
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("case"),
    )
    summary = models.TextField(_("summary"), blank=True)
    advice = models.TextField(_("advice"), blank=True)
    next_step = models.TextField(_("next step"), blank=True)
    updated_at = UPDATED_AT()

    objects = RecordQuerySet.as_manager()
    # The history is read by record (its id) and by time; indexes on its other columns,
    # and a foreign-key check of the user on every history row, would only slow down
    # every write, and a bulk import most (docs/benchmarks.md). Its other references
    # are unchecked already, as simple_history makes them.
    history = HistoricalRecords(
        m2m_fields=[other_staff],
        excluded_fields=["updated_at"],
        no_db_index=["external_id", "center", "client", "case", "lead_staff"],
        user_db_constraint=False,
    )

    class Meta:
        ordering = ["-date", "-start_time", "-id"]
        verbose_name = _("consultation session")
        verbose_name_plural = _("consultation sessions")
        indexes = [
            models.Index(fields=["center", "date"]),
            # Leads with date and covers center and client: the indicator queries
            # (counts and distinct clients per center over a period) read only the index.
            models.Index(fields=["date", "center", "client"]),
            # A client's sessions by date (timelines); with center and case included (on
            # PostgreSQL) it answers the recount of a client's summaries from the index.
            models.Index(
                fields=["client", "date"],
                include=["center", "case"],
                name="consultation_client_date",
            ),
            updated_index("consultation"),
        ]
        # Unique per center, as the clients' IDs are.
        constraints = [
            models.UniqueConstraint(
                fields=["external_id", "center"], name="consultation_unique_external_id"
            )
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_mode_display()}"

    def get_absolute_url(self):
        return detail_url("consultations:consultation_detail", self.pk)

    def clean(self):
        if self.case_id and self.client_id and self.case.client_id != self.client_id:
            raise ValidationError({"case": _("The case belongs to another client.")})


class NetworkKind(models.TextChoices):
    MEETING = "meeting", _("Visit / liaison meeting")
    SEMINAR = "seminar", _("Joint seminar")
    OUTREACH = "outreach", _("Outreach consultation event")
    PUBLICITY = "publicity", _("Publicity request")
    REFERRAL = "referral", _("Referral / introduction")


class NetworkActivity(models.Model):
    """An activity with support institutions (ネットワーク活動)."""

    # null, not "": several records without a source ID must not collide on the unique constraint.
    external_id = models.CharField(_("activity ID"), max_length=40, null=True, blank=True)  # noqa: DJ001
    date = models.DateField(_("date"))
    center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        related_name="network_activities",
        verbose_name=_("center"),
    )
    staff = models.ManyToManyField(
        Person, blank=True, related_name="network_activities", verbose_name=_("staff")
    )
    institutions = models.ManyToManyField(
        SupportInstitution,
        related_name="network_activities",
        verbose_name=_("support institutions"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NetworkKind.choices)
    description = models.TextField(_("description"), blank=True)
    updated_at = UPDATED_AT()

    objects = RecordQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[staff, institutions], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("network activity")
        verbose_name_plural = _("network activities")
        indexes = [
            models.Index(fields=["center", "date"]),
            models.Index(fields=["date"]),
            updated_index("activity"),
        ]
        # Unique per center, as the clients' IDs are.
        constraints = [
            models.UniqueConstraint(
                fields=["external_id", "center"], name="activity_unique_external_id"
            )
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def get_absolute_url(self):
        return detail_url("consultations:activity_detail", self.pk)


# --- Indicator summaries -------------------------------------------------------------
# Pre-aggregated figures the indicator engine reads instead of scanning the records
# (docs/benchmarks.md, 2026-12-01). They are an implementation detail of
# consultations.indicators, derived there from the indicators' own definitions and
# kept equal to the records by consultations.summaries wherever records are written.
# Plain integer columns, no foreign keys: the rows are derived, never edited, and
# carry no history.


class IndicatorDayCount(models.Model):
    """The value of a summable indicator (``family``: its code) for one center and day;
    ``field_id`` > 0 restricts it to the records tagged with that priority field."""

    family = models.CharField(max_length=20)
    field_id = models.IntegerField(default=0)
    center_id = models.IntegerField()
    day = models.DateField()
    value = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["family", "day", "center_id", "field_id"], name="indicator_day_unique"
            )
        ]
        indexes = [
            # A center's or a bureau's figures for a period (dashboards, indicators): one
            # range per center read from the index alone, instead of the whole nation's
            # days filtered (bureau dashboard 193 → 16 ms, docs/benchmarks.md).
            models.Index(
                fields=["center_id", "day"],
                include=["family", "field_id", "value"],
                name="indicator_day_center",
            )
        ]

    def __str__(self):
        return f"{self.family}:{self.field_id} {self.center_id} {self.day}: {self.value}"


class IndicatorFirstDay(models.Model):
    """The first day, within a fiscal year, on which a client counted for a distinct
    indicator (``family``: its code) at a center (``center_id`` 0: anywhere in the
    nation); ``field_id`` > 0 restricts it to the records tagged with that priority field.
    The distinct count from the start of a fiscal year to a day is the number of rows
    whose first day is on or before it."""

    family = models.CharField(max_length=20)
    field_id = models.IntegerField(default=0)
    center_id = models.IntegerField()
    client_id = models.IntegerField()
    fiscal_year = models.IntegerField()
    first_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "fiscal_year", "family", "field_id", "center_id"],
                name="indicator_first_day_unique",
            )
        ]
        indexes = [
            # Covers the reads, a family's rows at some centers (or the nation's, center
            # 0) from a fiscal year's start to a day, and the recount of a refresh's
            # (field, center, day) keys: the center before the day, so that one center's
            # or a bureau's rows are one range each (docs/benchmarks.md, 2026-12-07).
            models.Index(
                fields=["family", "field_id", "center_id", "first_day"],
                include=["client_id"],
                name="indicator_first_day_center",
            ),
            # The clients seen in a fiscal year, newest first (the clients list filtered
            # by "consulted in fiscal year"): walked backwards by client, it stops at the
            # page or the count's cap.
            models.Index(
                fields=["family", "field_id", "fiscal_year", "client_id"],
                include=["center_id"],
                name="indicator_first_day_year",
            ),
        ]

    def __str__(self):
        return f"{self.family}:{self.field_id} {self.center_id} {self.client_id} {self.first_day}"


class ClientCenter(models.Model):
    """A center a client belongs to: its registering center and every center that
    served it (a session there). Kept equal to the records by ``summaries`` (like the
    indicator summaries) and read by ``Client.objects.for_user``: the scope of a
    center's staff is one index range here, where deciding it from the sessions
    meant probing every client's sessions on every list page (docs/benchmarks.md,
    2026-12-07)."""

    client_id = models.BigIntegerField()
    center_id = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the index of the scope reads: a center's clients, in client order.
            models.UniqueConstraint(fields=["center_id", "client_id"], name="client_center_unique")
        ]
        indexes = [models.Index(fields=["client_id"], name="client_center_client")]

    def __str__(self):
        return f"{self.client_id} @ {self.center_id}"
