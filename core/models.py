"""The access and export log: who saw a client's identity, who exported or downloaded what.

Append-only: an entry is written once and never changed or deleted by the application
(the retention command, ``manage.py expire_access_log``, is the one way out).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedQuerySet


class AccessKind(models.TextChoices):
    IDENTITY = "identity", _("Client identity viewed")
    EXPORT = "export", _("Export or download")


class AccessLogQuerySet(ScopedQuerySet):
    """Scoped by the center of the user who made the access: a center manager reads
    what their center's staff viewed and exported; national roles read everything."""

    center_lookup = "center"
    editor_roles = frozenset()  # nobody changes an entry

    def update(self, **kwargs):
        raise ValidationError(_("The access log is append-only."))

    def delete(self):
        raise ValidationError(_("The access log is append-only."))

    def expire(self, before) -> int:
        """Delete the entries older than ``before``: retention, the only deletion."""
        count, _by_model = models.QuerySet.delete(self.filter(at__lt=before))
        return count


class AccessLogEntry(models.Model):
    """One access: a client's identity shown, or an export or download sent."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_log",
    )
    # As they were at the time: a user's role or center may change later.
    username = models.CharField(_("user name"), max_length=150)
    role = models.CharField(_("role"), max_length=32, blank=True)
    center = models.ForeignKey(
        "organizations.Center",
        verbose_name=_("center"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AccessKind.choices)
    identity = models.BooleanField(_("client identity included"), default=False)
    view_name = models.CharField(_("page"), max_length=100, blank=True)
    path = models.CharField(_("address"), max_length=500)
    filters = models.TextField(_("filters"), blank=True)
    what = models.CharField(_("what"), max_length=255, blank=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record ID"), max_length=64, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        # Viewing is the only permission there is (no add, change or delete in the admin).
        default_permissions = ("view",)
        indexes = [models.Index(fields=["center", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("The access log is append-only."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("core:access_log_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The access log is append-only."))


class StepEvent(models.Model):
    """One step taken on a record of a workflow (``core.workflow``), or a refused attempt:
    who, when, from which state to which, and the reason.

    Records whose app kept an event table of its own before (plans, selection rounds,
    appointments, evaluation runs) record there, with the same columns; every other
    workflow's records reach theirs through a ``GenericRelation`` named ``events``.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    obj = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    refused = models.BooleanField(_("refused"), default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status}"

    @property
    def label(self) -> str:
        """The step's name in the user's language (``action`` is its code)."""
        from core.workflow import step_label

        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        return step_label(model, self.action)


# --- Background jobs (core/jobs.py) -----------------------------------------------------


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class JobQuerySet(ScopedQuerySet):
    """A job is its user's alone: nobody else sees it or its files, whatever their role
    (an export holds what its user may see, which another user may not)."""

    editor_roles = frozenset()

    def for_user(self, user, action: str = "view"):
        if not user.is_authenticated or action != "view":
            return self.none()
        return self.filter(user=user)

    def unfinished(self):
        return self.filter(state__in=[JobState.QUEUED, JobState.RUNNING])


class Job(models.Model):
    """Long work done in the background for a user: what they see of it (state, progress,
    messages, the result file or report). The work itself runs as a django-tasks task
    (``core.jobs.run_job``); ``task_id`` is its result's id."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="jobs",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    state = models.CharField(
        _("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=255, blank=True)
    # [{"level": "info"|"warning"|"error", "text": …}], in the user's language.
    messages = models.JSONField(_("messages"), default=list, blank=True)
    # What the work needs (an import's kind and options, an export's page and filter).
    params = models.JSONField(default=dict, blank=True)
    # An import's report: counts, problems and warnings by row and column.
    report = models.JSONField(default=dict, blank=True)
    # Files under MEDIA_ROOT/jobs/<pk>/: the upload the job reads, the file it made.
    upload = models.CharField(max_length=500, blank=True)
    result_file = models.CharField(max_length=500, blank=True)
    result_name = models.CharField(_("file"), max_length=255, blank=True)
    result_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    files_deleted = models.BooleanField(default=False)
    # The failure as the user reads it (plain words); the traceback goes to the log.
    error = models.TextField(_("problem"), blank=True)
    retry_safe = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=255, blank=True)  # host:pid of the running attempt
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["state"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)

    @property
    def may_retry(self) -> bool:
        return self.state == JobState.FAILED and self.retry_safe and not self.files_deleted

    @property
    def has_file(self) -> bool:
        return bool(self.result_file) and not self.files_deleted


class DailyRun(models.Model):
    """One day's scheduled work (``manage.py run_daily``): claimed once per day, so that
    a timer and the workers can all ask for it and it still runs once."""

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return str(self.day)


class ImportBatchQuerySet(ScopedQuerySet):
    """An import batch is seen by the national roles, by the importing center's scope
    (a center's staff, its bureau, its HQ expert) and by whoever imported it."""

    center_lookup = "center"
    editor_roles = frozenset()  # undone through ``core.imports.undo``, never edited

    def for_user(self, user, action: str = "view"):
        if not user.is_authenticated or action != "view":
            return self.none()
        return (super().for_user(user) | self.filter(user=user)).distinct()


class ImportBatch(models.Model):
    """One import that wrote: who, when, which file (name and SHA-256), what it did.
    ``stamp`` is the time of every history row it wrote, which is how ``undo`` finds
    its records again."""

    kind = models.CharField(_("kind"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    center = models.ForeignKey(
        "organizations.Center",
        verbose_name=_("center"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stamp = models.DateTimeField(_("imported at"), db_index=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    # A kind whose rows have no key of their own (paper survey answers): its content's
    # digest, so that the same answers are not counted twice.
    digest = models.CharField(max_length=64, blank=True, db_index=True)
    # What the history of the changed records does not keep (``updated_at``), for the undo.
    untracked = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-stamp", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self):
        return f"{self.file_name or self.kind} ({timezone.localtime(self.stamp):%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        # The batch's page is its undo page: what it did, and its undo or why not.
        return reverse("imports:undo", args=[self.pk])
