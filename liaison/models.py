"""HQ's own liaison with the national support organisations, and its publicity requests.

HQ works with the national institutions (日本商工会議所, 全国商工会連合会, JETRO, …) as a
center works with its local partners, but these activities are HQ's: they belong to no
center, so they are kept apart from the centers' network activities and never count in a
center's or a bureau's indicator (the indicator engine reads only
``consultations.NetworkActivity``). The national dashboard shows them beside the
centers' figures (``summary``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consultations.models import NetworkKind
from core import roles
from core.scoping import CHANGE, VIEW, ScopedQuerySet, role_of


class HQQuerySet(ScopedQuerySet):
    """HQ's own records: the Agency and HQ read them; ``editor_roles`` change them.
    No center's or bureau's user sees them (they are nobody's center's)."""

    def for_user(self, user, action: str = VIEW):
        role = role_of(user)
        if role not in roles.NATIONAL or (action == CHANGE and role not in self.editor_roles):
            return self.none()
        return self


class InstitutionQuerySet(HQQuerySet):
    editor_roles = roles.editors("liaison.NationalInstitution")


class InstitutionKind(models.TextChoices):
    BUSINESS = "business", _("Business federation")
    FINANCE = "finance", _("Government-affiliated finance")
    PUBLIC = "public", _("Public support agency")
    PROFESSIONAL = "professional", _("Professional association")
    OTHER = "other", _("Other")


class NationalInstitution(models.Model):
    """A national support organisation HQ works with (master data)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = InstitutionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("national institution")
        verbose_name_plural = _("national institutions")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("liaison:institution_update", args=[self.pk])


class ActivityQuerySet(HQQuerySet):
    editor_roles = roles.editors("liaison.HQActivity")


class HQActivity(models.Model):
    """A network activity of HQ with national institutions (HQ's, not a center's)."""

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=NetworkKind.choices)
    institutions = models.ManyToManyField(
        NationalInstitution, related_name="activities", verbose_name=_("national institutions")
    )
    description = models.TextField(_("description"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[institutions])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("HQ network activity")
        verbose_name_plural = _("HQ network activities")
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("liaison:activity_detail", args=[self.pk])


class PublicityQuerySet(HQQuerySet):
    editor_roles = roles.editors("liaison.PublicityRequest")


class Medium(models.TextChoices):
    BULLETIN = "bulletin", _("Member bulletin or magazine")
    WEBSITE = "website", _("Website")
    NEWSLETTER = "newsletter", _("E-mail newsletter")
    EVENT = "event", _("Seminar or event")
    LEAFLET = "leaflet", _("Leaflets at their counters")
    OTHER = "other", _("Other")


class PublicityStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")


class PublicityRequest(models.Model):
    """HQ asks a national institution to make the centers known (広報依頼)."""

    requested_on = models.DateField(_("requested on"))
    institution = models.ForeignKey(
        NationalInstitution,
        on_delete=models.PROTECT,
        related_name="publicity_requests",
        verbose_name=_("national institution"),
    )
    medium = models.CharField(_("medium"), max_length=20, choices=Medium.choices)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PublicityStatus.choices,
        default=PublicityStatus.REQUESTED,
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = PublicityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("publicity request")
        verbose_name_plural = _("publicity requests")

    def __str__(self):
        return f"{self.requested_on:%Y-%m-%d} {self.institution} {self.subject}"

    def get_absolute_url(self):
        return reverse("liaison:publicity_update", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.status == PublicityStatus.PUBLISHED and not self.published_on:
            raise ValidationError({"published_on": _("Give the date it was published.")})


def summary(period) -> dict:
    """HQ's liaison in ``period`` for the national dashboard: counted apart from the
    centers' network activities, in two queries."""
    activities = HQActivity.objects.filter(date__range=(period.start, period.end)).aggregate(
        activities=Count("id", distinct=True),
        institutions=Count("institutions", distinct=True),
    )
    requests = PublicityRequest.objects.filter(
        requested_on__range=(period.start, period.end)
    ).aggregate(
        publicity=Count("id"),
        published=Count("id", filter=Q(status=PublicityStatus.PUBLISHED)),
    )
    return {**activities, **requests}
