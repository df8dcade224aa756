"""Writing the access log (core.models.AccessLogEntry).

Views call ``record_identity`` when they show a client's identity. Exports and downloads
need no code of their own: ``AccessLogMiddleware`` records every response sent as a file
(a ``Content-Disposition`` with a file name), whichever view made it. The row count of
an export comes from the tabular helpers (``core.tabular``): they set
``response.rows_sent``, a function returning the rows written so far. A streamed CSV is
recorded when its stream ends (or is abandoned), with the rows actually sent: counting
first would cost a second query over the same rows and could disagree with the file.
"""

import re
from urllib.parse import unquote

from core.scoping import role_of

# Query parameters that say nothing about what was asked for.
IGNORED_PARAMETERS = {"export", "page", "csrfmiddlewaretoken"}


def _filters(request) -> str:
    if hasattr(request, "access_log_filters"):  # a job's file: the filter of its export
        return request.access_log_filters
    query = request.GET.copy()
    for name in IGNORED_PARAMETERS:
        query.pop(name, None)
    return query.urlencode()


def record(request, *, kind, what="", obj=None, rows=None, identity=False):
    from core.models import AccessLogEntry

    user = request.user
    match = getattr(request, "resolver_match", None)
    return AccessLogEntry.objects.create(
        user=user,
        username=user.get_username(),
        role=role_of(user),
        center_id=getattr(user, "center_id", None),
        kind=kind,
        identity=identity,
        view_name=(match.view_name if match else "")[:100],
        path=request.path[:500],
        filters=_filters(request),
        what=str(what)[:255],
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        rows=rows,
    )


def record_identity(request, *, obj=None, what="", rows=None):
    """A page showed a client's identity: one client (``obj``) or a list of ``rows``."""
    from core.models import AccessKind

    if obj is not None and not what:
        what = getattr(obj, "pseudonym", "") or str(obj.pk)
    return record(request, kind=AccessKind.IDENTITY, what=what, obj=obj, rows=rows, identity=True)


_FILENAME = re.compile(r"filename\*=UTF-8''([^;]+)|filename=\"?([^\";]+)\"?", re.I)


def download_name(response) -> str:
    """The file name of a response sent as a file, or '' for a page."""
    disposition = response.get("Content-Disposition", "")
    found = _FILENAME.search(disposition)
    if not found:
        return ""
    return unquote(found.group(1)) if found.group(1) else found.group(2)


class AccessLogMiddleware:
    """Records every export and download a signed-in user receives, once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code != 200 or not (user and user.is_authenticated):
            return response
        name = download_name(response)
        if not name:
            return response
        identity = getattr(request, "shows_identity", False)
        rows_sent = getattr(response, "rows_sent", None)
        if not response.streaming:
            self._record(request, name, rows_sent() if rows_sent else None, identity)
            return response
        response.streaming_content = self._recorded_at_end(
            response.streaming_content, request, name, rows_sent, identity
        )
        return response

    def _recorded_at_end(self, chunks, request, name, rows_sent, identity):
        try:
            yield from chunks
        finally:
            self._record(request, name, rows_sent() if rows_sent else None, identity)

    @staticmethod
    def _record(request, name, rows, identity):
        from core.models import AccessKind

        record(request, kind=AccessKind.EXPORT, what=name, rows=rows, identity=identity)
