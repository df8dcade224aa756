from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChecklistItem, ChecklistTemplate


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    """For administrators; HQ keeps the checklists on the app's own pages
    (evaluation/checklists/), which also refuse to change one a hearing uses."""

    inlines = [ChecklistItemInline]
    list_display = ["name", "active"]
