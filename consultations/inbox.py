"""This app's home-page panel: a coordinator's latest entries (the quick-entry button is
the first thing on their home page, see home/_heading.html)."""

from core import roles
from core.home import Panel, register_panel


def _latest(request):
    from .views import my_latest_sessions

    return {"recent": my_latest_sessions(request.user)}


register_panel(
    Panel(
        "consultations.latest_entries",
        "consultations/_home_latest.html",
        frozenset({roles.COORDINATOR}),
        _latest,
        order=5,
    )
)
