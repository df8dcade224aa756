"""The "My jobs" pages: a user's own background jobs (core/jobs.py), their progress
(polled by htmx while a job runs), report, result file and "Try again"."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View

from core import jobs
from core.models import Job
from core.tabular import _content_disposition
from core.views import ScopedDetailView, ScopedListView, ScopedObjectMixin

POLL_SECONDS = 2


class JobListView(ScopedListView):
    """The user's jobs, newest first; the page polls itself while one is unfinished."""

    model = Job
    template_name = "core/job_list.html"
    paginate_by = 30

    def get_template_names(self):
        if self.request.htmx:
            return ["core/_job_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["polling"] = any(not job.finished for job in context["object_list"])
        context["retention_days"] = settings.JOB_FILE_RETENTION_DAYS
        context["poll_seconds"] = POLL_SECONDS
        return context


class JobDetailView(ScopedDetailView):
    """One job: its progress while it runs, then its report or file."""

    model = Job
    template_name = "core/job_detail.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["core/_job_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context["poll_seconds"] = POLL_SECONDS
        context["report"] = job.report or {}
        return context


class JobFileView(ScopedObjectMixin, View):
    """The job's result file, to its user only. The access log records the download
    (core.access_log.AccessLogMiddleware) with the export's filter and row count."""

    model = Job

    def get(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        path = jobs.result_path(job)
        if not job.has_file or path is None or not path.is_file():
            raise Http404
        response = FileResponse(path.open("rb"), content_type=_content_type(job.result_name))
        response["Content-Disposition"] = _content_disposition(job.result_name)
        rows = job.result_rows
        response.rows_sent = lambda: rows
        request.shows_identity = bool(job.params.get("identity"))
        request.access_log_filters = job.params.get("query", "")
        return response


def _content_type(name: str) -> str:
    if name.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if name.endswith(".csv"):
        return "text/csv; charset=utf-8"
    return "application/octet-stream"


class JobRetryView(ScopedObjectMixin, View):
    """Start a failed job again, where that is safe (it wrote nothing)."""

    model = Job

    def post(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        if job.may_retry and jobs.retry(job):
            messages.success(request, _("The job has been started again."))
        else:
            messages.error(request, _("This job cannot be started again."))
        return redirect(job)
