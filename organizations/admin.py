"""Master data maintained by the Agency administrator in Django's admin, with history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Bureau, Qualification, SupportInstitutionType, TrainingBlock


@admin.register(Bureau)
class BureauAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "code", "order"]


@admin.register(TrainingBlock, Qualification, SupportInstitutionType)
class OrderedNameAdmin(SimpleHistoryAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]
