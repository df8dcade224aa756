"""The access log's pages: the Agency reads and exports the whole log, a center manager
their own center's (what its staff viewed and exported)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from core import roles
from core.filtersets import AccessLogFilterSet
from core.models import AccessLogEntry
from core.scoping import role_of
from core.views import FilteredListView, ScopedDetailView

LOG_READERS = frozenset({roles.AGENCY_ADMIN, roles.CENTER_MANAGER})


class LogReadersOnly:
    def dispatch(self, request, *args, **kwargs):
        if role_of(request.user) not in LOG_READERS:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AccessLogListView(LogReadersOnly, FilteredListView):
    model = AccessLogEntry
    filterset_class = AccessLogFilterSet
    template_name = "core/access_log_list.html"
    export_name = "access-log"
    export_title = _("Access log")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("center")

    def export_columns(self):
        return [
            ("日時", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")),
            ("利用者", lambda e: e.username),
            ("役割", lambda e: e.role),
            ("拠点", lambda e: e.center.name if e.center else ""),
            ("種別", lambda e: e.get_kind_display()),
            ("相談者情報", lambda e: "有" if e.identity else "無"),
            ("画面", lambda e: e.view_name),
            ("アドレス", lambda e: e.path),
            ("条件", lambda e: e.filters),
            ("対象", lambda e: e.what),
            ("記録種別", lambda e: e.object_type),
            ("記録ID", lambda e: e.object_id),
            ("件数", lambda e: e.rows if e.rows is not None else ""),
        ]


class AccessLogDetailView(LogReadersOnly, ScopedDetailView):
    model = AccessLogEntry
    template_name = "core/access_log_detail.html"
