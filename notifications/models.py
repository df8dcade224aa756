"""A notification tells one user that a step was taken on a record they may see."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedQuerySet


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("Once a day (digest)")
    NONE = "none", _("No e-mail")


class NotificationQuerySet(ScopedQuerySet):
    """Each user reads and marks their own notifications, whatever their role."""

    editor_roles = frozenset()

    def for_user(self, user, action: str = "view"):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    workflow = models.CharField(_("workflow"), max_length=60)
    step = models.CharField(_("step"), max_length=40)
    title = models.CharField(_("what happened"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    detail = models.TextField(_("reason or note"), blank=True)
    # The record the step was taken on: read again to check the user may still see it.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When it went out by e-mail (immediately or in a digest); empty: not yet (or never).
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["emailed_at", "user"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("notifications:open", args=[self.pk])


class Preference(models.Model):
    """How a user wants their notifications by e-mail (no row: immediately)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(
        _("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    reminders = models.BooleanField(
        _("daily reminder of items falling due"),
        default=True,
        help_text=_("Once a day, what in your inbox falls due within the days the Agency set."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user}: {self.get_email_display()}"


def email_mode(user) -> str:
    preference = Preference.objects.filter(user=user).first()
    return preference.email if preference else EmailMode.IMMEDIATE
