from django.contrib import admin

from .models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (the model refuses changes as well)."""

    list_display = ["at", "username", "role", "center", "kind", "identity", "what", "rows"]
    list_filter = ["kind", "identity"]
    search_fields = ["username", "what", "path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
