from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChecklistItem, ChecklistTemplate


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1

    # The items of a checklist a hearing uses stay as they were scored (the model refuses).
    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.in_use()

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    """For administrators; HQ keeps the checklists on the app's own pages
    (evaluation/checklists/), which also refuse to change one a hearing uses."""

    inlines = [ChecklistItemInline]
    list_display = ["name", "active"]
