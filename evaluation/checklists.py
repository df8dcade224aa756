"""Hearing checklists (domain brief §5): HQ and the Agency keep them in the app.

A checklist a hearing uses (``ChecklistTemplate.in_use``) is kept as it is, so that
a hearing's scores keep the meaning they were given; its items refuse to change. To
change it, copy it, edit the copy and offer the copy for new hearings instead.
"""

from django.db import transaction

from .models import ChecklistItem, ChecklistTemplate

ITEM_FIELDS = ("group", "order", "text", "score_0", "score_1", "score_2", "score_3")


def copy_checklist(template: ChecklistTemplate, name: str, user) -> ChecklistTemplate:
    """A new checklist with the items of ``template``, offered for new hearings; the
    original is no longer offered (the copy replaces it)."""
    with transaction.atomic():
        copy = ChecklistTemplate(name=name, active=True)
        copy._history_user = user
        copy.save()
        for item in template.items.all():
            new = ChecklistItem(template=copy, **{f: getattr(item, f) for f in ITEM_FIELDS})
            new._history_user = user
            new.save()  # one by one: a few dozen items, each with its history row
        if template.active:
            template.active = False
            template._history_user = user
            template.save(update_fields=["active"])
    return copy
