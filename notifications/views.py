"""A user's own notifications: the list, open one (marks it read), read/unread, preferences."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from core.scoping import CHANGE, scope_rule
from core.views import ScopedListView, ScopedObjectMixin

from .forms import PreferenceForm
from .models import Notification, Preference


class NotificationListView(ScopedListView):
    model = Notification
    template_name = "notifications/list.html"

    def get_queryset(self):
        queryset = super().get_queryset().select_related("actor")
        if self.request.GET.get("unread"):
            queryset = queryset.unread()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["only_unread"] = bool(self.request.GET.get("unread"))
        return context


class NotificationOpenView(ScopedObjectMixin, View):
    """Follow a notification to its record; it counts as read."""

    model = Notification

    def get(self, request, pk):
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        if notification.read_at is None:
            Notification.objects.filter(pk=pk).update(read_at=timezone.now())
        return redirect(notification.url or "notifications:list")


class NotificationMarkView(ScopedObjectMixin, View):
    """POST: mark one notification read (or unread, with ``unread=1``)."""

    model = Notification
    scope_action = CHANGE

    def post(self, request, pk):
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        notification.read_at = None if request.POST.get("unread") else timezone.now()
        notification.save(update_fields=["read_at"])
        return _back(request)


@scope_rule("marks the signed-in user's own notifications only")
def mark_all_read(request):
    if request.method == "POST":
        count = Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
        messages.success(
            request, _("%(count)s notifications marked read.") % {"count": f"{count:,}"}
        )
    return _back(request)


@scope_rule("the signed-in user's own preferences only")
def preferences(request):
    preference = Preference.objects.filter(user=request.user).first() or Preference(
        user=request.user
    )
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


def _back(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "notifications:list")
