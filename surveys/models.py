"""End-of-period surveys (domain brief §3, item 2): the client satisfaction survey and the
support-institution evaluation, answered through single-use links.

Anonymity is built into the schema. A ``Response`` names its campaign, its center and the
template version it answered, never its recipient, and carries no time. A ``Recipient``
(who was asked) knows only whether it has answered; that flag decides only whether an
answer sent through one of its links is counted, and nothing a link shows or anyone sees
depends on it (every link opens the questionnaire until the campaign stops taking
answers). Neither model has a change history: a history row would time-stamp the moment
a recipient answered. Links store only the SHA-256 of their token, so a database reader
cannot answer. A new response is held back (``released`` false) until the next day or
the campaign's close, so that what staff see changes once a day, not after each answer
(``releases.py``).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consultations.models import Client
from core import roles
from core.scoping import CHANGE, VIEW, NationalQuerySet, ScopedQuerySet, role_of, scope_centers
from organizations.models import Center, SupportInstitution
from planning.models import FiscalYear

TEMPLATE_EDITORS = roles.NATIONAL
# The center runs its own campaigns; the Agency and HQ run any, nationwide ones too.
CAMPAIGN_EDITORS = frozenset({roles.AGENCY_ADMIN, roles.HQ_STAFF, roles.CENTER_MANAGER})
# Who hands out links (emails, printed sheets) to the recipients within their scope.
DELIVERY_ROLES = frozenset(
    {roles.AGENCY_ADMIN, roles.HQ_STAFF, roles.CENTER_MANAGER, roles.COORDINATOR}
)
# Roles that see nationwide campaigns for the centers of their scope.
REGIONAL_ROLES = frozenset(
    {roles.BUREAU_OFFICER, roles.HQ_EXPERT, roles.CENTER_MANAGER, roles.COORDINATOR}
)


class SurveyKind(models.TextChoices):
    CLIENT = "client", _("Client satisfaction survey")
    INSTITUTION = "institution", _("Support-institution evaluation")


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Five-point scale")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


SCALE_POINTS = 5
# Labels of a five-point question that names none of its own.
DEFAULT_SCALE_LABELS = [
    {"ja": "不満", "en": "Dissatisfied"},
    {"ja": "やや不満", "en": "Somewhat dissatisfied"},
    {"ja": "どちらともいえない", "en": "Neither"},
    {"ja": "やや満足", "en": "Somewhat satisfied"},
    {"ja": "満足", "en": "Satisfied"},
]


def localized(ja: str, en: str) -> str:
    """The English text when English is chosen and there is one, else the Japanese."""
    return en if en and (get_language() or "").startswith("en") else ja


class TemplateQuerySet(NationalQuerySet):
    editor_roles = roles.editors("surveys.SurveyTemplate")


class SurveyTemplate(models.Model):
    """A questionnaire kept in versions: a change makes a new version once one is in use."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    is_standard = models.BooleanField(_("standard template"), default=False)

    objects = TemplateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-is_standard", "name"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("surveys:template_detail", args=[self.pk])

    def current_version(self) -> "TemplateVersion | None":
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    """One version of a template: its title, introduction and questions, frozen once in use."""

    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    introduction = models.TextField(_("introduction (Japanese)"), blank=True)
    introduction_en = models.TextField(_("introduction (English)"), blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TemplateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "number"]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_template_version")
        ]

    def __str__(self):
        return f"{self.template.name} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        """A version that a launched campaign uses is never changed again."""
        return self.campaigns.exists()

    def display_title(self) -> str:
        return localized(self.title, self.title_en)

    def display_introduction(self) -> str:
        return localized(self.introduction, self.introduction_en)


class Question(models.Model):
    """A question of a version. ``code`` stays the same across versions, so that a year
    can be compared with the last even when the wording changed."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    text = models.CharField(_("question (Japanese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # [{"ja": …, "en": …}, …]; the stored answer value is the 1-based position.
    choices = models.JSONField(_("choices"), default=list, blank=True)

    objects = TemplateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_question_code")
        ]

    def __str__(self):
        return self.text

    def display_text(self) -> str:
        return localized(self.text, self.text_en)

    def options(self) -> list[dict]:
        if self.kind == QuestionKind.SCALE:
            return self.choices or DEFAULT_SCALE_LABELS
        return self.choices if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []

    def labels(self) -> list[str]:
        """The options in the current language, in the order of their stored values (1, 2, …)."""
        return [localized(o.get("ja", ""), o.get("en", "")) for o in self.options()]

    def label_of(self, value: int | None, *, japanese: bool = False) -> str:
        labels = [o.get("ja", "") for o in self.options()] if japanese else self.labels()
        if value is None or not 1 <= value <= len(labels):
            return ""
        return labels[value - 1]


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("survey", "Open for answers")
    CLOSED = "closed", pgettext_lazy("survey", "Closed")


class CampaignQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("surveys.Campaign")

    def for_user(self, user, action: str = VIEW):
        """A center's campaigns belong to its scope; a nationwide one is read by every
        center-side role (for its own centers' share) and changed by the national roles."""
        role = role_of(user)
        if not role or (action == CHANGE and role not in self.editor_roles):
            return self.none()
        if role in TEMPLATE_EDITORS:
            return self
        mine = Q(center__in=scope_centers(user).values("pk"))
        if action == VIEW and role in REGIONAL_ROLES:
            mine |= Q(center__isnull=True)
        return self.filter(mine)


class Campaign(models.Model):
    """One survey run for a fiscal year and a center (or the whole nation)."""

    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("fiscal year")
    )
    center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_campaigns",
        verbose_name=_("center"),
        help_text=_("Empty for a nationwide campaign."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    template = models.ForeignKey(
        SurveyTemplate,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("template"),
    )
    # Set at launch: the version the recipients answer, frozen from then on.
    version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("template version"),
    )
    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(
        _("sessions from"), help_text=_("Clients who had a session in this period are asked.")
    )
    period_end = models.DateField(_("sessions to"))
    sample_size = models.PositiveIntegerField(
        _("sample size per center"),
        null=True,
        blank=True,
        help_text=_("Leave empty to ask everyone; otherwise a random sample of this size."),
    )
    closes_on = models.DateField(
        _("links expire on"), help_text=_("Links can be used up to and including this day.")
    )
    invitation = models.TextField(
        _("invitation text"), help_text=_("Shown in the email and on the printed sheet.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    events = GenericRelation("core.StepEvent")
    objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year__year", "kind", "center__code", "-id"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="campaign_period_in_order",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("surveys:campaign_detail", args=[self.pk])

    @property
    def is_nationwide(self) -> bool:
        return self.center_id is None

    def scope_label(self) -> str:
        return str(self.center) if self.center_id else str(_("Nationwide"))

    def accepts_answers(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == CampaignStatus.OPEN and today <= self.closes_on


class RecordQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = CAMPAIGN_EDITORS


class Recipient(models.Model):
    """Who a campaign asks: a consenting client or a partner institution, for one center."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center")
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_recipients",
        verbose_name=_("client"),
    )
    institution = models.ForeignKey(
        SupportInstitution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_recipients",
        verbose_name=_("support institution"),
    )
    email = models.EmailField(_("email"), blank=True)
    # Decides whether an answer is counted; never shown or acted on per recipient (see the
    # module docstring).
    answered = models.BooleanField(default=False, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["center__code", "id"]
        verbose_name = _("survey recipient")
        verbose_name_plural = _("survey recipients")
        indexes = [models.Index(fields=["campaign", "center"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=False, institution__isnull=True)
                | Q(client__isnull=True, institution__isnull=False),
                name="recipient_is_client_or_institution",
            ),
            models.UniqueConstraint(
                fields=["campaign", "center", "client"], name="recipient_unique_client"
            ),
            models.UniqueConstraint(
                fields=["campaign", "center", "institution"], name="recipient_unique_institution"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} / {self.pk}"

    def label(self, viewer) -> str:
        if self.client_id:
            return self.client.display_name(viewer)
        return self.institution.name


class Channel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("delivery", "Email")
    PRINT = "print", _("Printed sheet")


class Link(models.Model):
    """One issued link. Only the SHA-256 of its token is kept; the token itself exists in
    the email or on the sheet alone. A recipient may hold several (a reminder, a
    reprint); they all behave alike, and the first answer sent through any of them is the
    one counted."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    issued_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self):
        return f"{self.recipient_id} {self.channel}"


class ResponseQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = frozenset()  # answers are never changed

    def released(self):
        """The responses that results may count (call ``releases.release_due`` first)."""
        return self.filter(released=True)


class Response(models.Model):
    """One answered questionnaire: the campaign, center and version, nothing about who."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="responses")
    # False from the answer until the start of the next day or the campaign's close.
    released = models.BooleanField(default=False, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["campaign", "center"])]

    def __str__(self):
        return f"{self.campaign} #{self.pk}"


class ReleaseDay(models.Model):
    """One row: the day (in ``settings.TIME_ZONE``) whose start the released responses
    run up to. Every response held back was sent on this day. No history, no time."""

    day = models.DateField()

    class Meta:
        verbose_name = _("results release day")
        verbose_name_plural = _("results release days")

    def __str__(self):
        return self.day.isoformat()


class AnswerQuerySet(ScopedQuerySet):
    center_lookup = "response__center"
    editor_roles = frozenset()


class Answer(models.Model):
    """The answer to one question: a scale point or a choice (``value``, 1-based), or a
    text. A multiple-choice question has one row per option chosen."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["question", "value"])]

    def __str__(self):
        return f"{self.question.code}={self.value if self.value is not None else self.text}"
