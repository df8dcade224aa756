from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChecklistItem, ChecklistTemplate


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    """Checklists are edited rarely, by HQ staff with admin access: the admin suffices."""

    inlines = [ChecklistItemInline]
    list_display = ["name", "active"]
