"""Large exports as background jobs: a list export (``core.views.FilteredListView``) of
more than ``JOB_EXPORT_THRESHOLD_ROWS`` rows is not made in the request (91,000 sessions
as .xlsx took 41–45 s, past gunicorn's timeout) but by an "export" job, which rebuilds
the same view for the same user and filter and writes the same file with the same
writer (``core.tabular``). The user downloads it from the job's page; the access log
records that download once, with the export's filter and row count.
"""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.test import RequestFactory
from django.urls import resolve
from django.utils.translation import gettext as _

from core import jobs
from core.tabular import write_csv, write_xlsx


def start(view, kind: str):
    """Queue the export the view was asked for, and send the user to the job's page."""
    request = view.request
    query = request.GET.copy()
    query.pop("export", None)
    job = jobs.create(
        user=request.user,
        kind="export",
        title=_("Export: %(title)s (%(format)s)")
        % {"title": view.export_title, "format": kind.upper()},
        params={
            "path": request.path,
            "query": query.urlencode(),
            "format": kind,
            "identity": bool(getattr(request, "shows_identity", False)),
        },
        language=getattr(request, "LANGUAGE_CODE", None),
    )
    messages.info(
        request,
        _(
            "The list has more rows than are exported while you wait: the file is made in "
            "the background. Download it here or from the My jobs page when it is ready."
        ),
    )
    return redirect(job)


def rebuild_view(job):
    """The list view of the job's page, for the job's user and filter."""
    params = job.params
    match = resolve(params["path"])
    request = RequestFactory().get(params["path"], QueryDict(params["query"]))
    request.user = job.user
    request.htmx = False
    request.LANGUAGE_CODE = params.get("language")
    view = match.func.view_class(**getattr(match.func, "view_initkwargs", {}))
    view.setup(request, *match.args, **match.kwargs)
    view.in_job = True
    return view


@jobs.handler("export", retry_safe=True)
def run_export(ctx: jobs.JobContext) -> None:
    view = rebuild_view(ctx.job)
    kind = ctx.params["format"]
    total = view.export_queryset().count()
    name, title, headers, rows = view.export_table(kind)
    ctx.progress(1, _("Writing %(rows)s rows…") % {"rows": f"{total:,}"}, force=True)

    def counted(rows):
        for number, row in enumerate(rows, start=1):
            if number % 2000 == 0:
                ctx.progress(
                    98 * number / max(total, 1),
                    _("Writing rows: %(done)s of %(total)s")
                    % {"done": f"{number:,}", "total": f"{total:,}"},
                )
            yield row

    path = ctx.result_path(name)
    with path.open("wb") as out:
        if kind == "xlsx":
            count = write_xlsx(out, title, headers, counted(rows))
        else:
            count = write_csv(out, headers, counted(rows))
    ctx.job.result_rows = count
    ctx.message(_("%(rows)s rows exported.") % {"rows": f"{count:,}"})
