"""From a step taken to the people it tells: in-app notifications, then e-mail after commit.

Every ``core.workflow.Step`` may declare ``notify(obj)``: the users to tell. When a step is
taken (``core.workflow.step_taken``, inside the step's transaction) the receiver here keeps
only those who may see the record (``model.objects.for_user(user)``), never the actor,
writes one ``Notification`` each in the same transaction (a rolled-back step tells
nobody), and asks ``transaction.on_commit`` to mail the ones who want mail at once. A mail
that fails is logged; the step and the notification stay, and the daily command sends
what is still unsent.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.workflow import step_taken

from .models import EmailMode, Notification, Preference

logger = logging.getLogger(__name__)


def may_see(user, obj) -> bool:
    """Whether ``user`` may see ``obj``: the record's own ``for_user`` decides."""
    return type(obj).objects.for_user(user).filter(pk=obj.pk).exists()


def recipients(step, obj, actor) -> list:
    """The users ``step`` tells about ``obj``: declared, active, in scope, not the actor."""
    if step.notify is None:
        return []
    declared = {user.pk: user for user in step.notify(obj) or [] if user is not None}
    return [
        user
        for pk, user in sorted(declared.items())
        if user.is_active and pk != getattr(actor, "pk", None) and may_see(user, obj)
    ]


def title_for(workflow, step, obj) -> str:
    return _("%(step)s: %(record)s") % {"step": step.label, "record": obj}


def _url(obj) -> str:
    try:
        return obj.get_absolute_url()
    except Exception:  # a record without a page: the notification still says what happened
        return ""


@receiver(step_taken, dispatch_uid="notifications.step_taken")
def on_step_taken(sender, *, workflow, obj, step, user, reason="", **kwargs):
    people = recipients(step, obj, user)
    if not people:
        return
    # The recipients read Japanese whatever language the actor's screen was in.
    with translation.override(settings.LANGUAGE_CODE):
        title = title_for(workflow, step, obj)[:300]
    content_type = ContentType.objects.get_for_model(obj)
    notifications = Notification.objects.bulk_create(
        Notification(
            user=person,
            actor=user if getattr(user, "pk", None) else None,
            workflow=workflow.name,
            step=step.name,
            title=title,
            url=_url(obj)[:300],
            detail=reason or "",
            content_type=content_type,
            object_id=obj.pk,
        )
        for person in people
    )
    digest = set(
        Preference.objects.filter(user__in=people)
        .exclude(email=EmailMode.IMMEDIATE)
        .values_list("user_id", flat=True)
    )
    immediate = [n.pk for n in notifications if n.user_id not in digest and n.pk]
    if not immediate:
        # bulk_create gives no primary keys on some databases: read them back.
        immediate = list(
            Notification.objects.filter(
                content_type=content_type, object_id=obj.pk, step=step.name, emailed_at=None
            )
            .exclude(user_id__in=digest)
            .values_list("pk", flat=True)
        )
    if immediate:
        transaction.on_commit(lambda: send_now(immediate))


def send_now(notification_ids) -> int:
    """Mail each notification to its user; a failure is logged and left for the daily run."""
    sent = 0
    for notification in Notification.objects.filter(
        pk__in=notification_ids, emailed_at=None
    ).select_related("user"):
        if not notification.user.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[Yorozu] %(title)s") % {"title": notification.title}
            body = _("%(title)s\n\n%(detail)s\n\n%(url)s\n\nYour notifications: %(list)s") % {
                "title": notification.title,
                "detail": notification.detail,
                "url": absolute(notification.url),
                "list": absolute("/notifications/"),
            }
        try:
            send_mail(subject, body, None, [notification.user.email])
        except Exception:  # the step and the notification stay; the daily run tries again
            logger.exception("notification %s: e-mail not sent", notification.pk)
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def absolute(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}" if path else ""
