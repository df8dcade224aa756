"""Form widgets shared by the apps."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _


class SearchSelect(forms.Select):
    """A choice among a great many (a large center's clients and cases over ten years).

    The page holds only the chosen option, not hundreds of thousands; a search box
    beside the list asks ``options_url`` (a URL name) for matches as the user types
    and puts them in the list (htmx). The field still validates the submitted value
    against its whole queryset, in one query.

    ``include`` names other fields whose values go with the search (the client, when
    choosing one of its cases).
    """

    def __init__(self, options_url: str, include: str = "", attrs=None):
        super().__init__(attrs)
        self.options_url = options_url
        self.include = include

    def optgroups(self, name, value, attrs=None):
        field = self.choices.field
        chosen = [str(v) for v in value if v not in ("", None)]
        options = [("", field.empty_label or "---------")]
        if chosen:
            found = field.queryset.filter(pk__in=chosen)
            options += [(obj.pk, field.label_from_instance(obj)) for obj in found]
        return [
            (
                None,
                [self.create_option(name, key, label, str(key) in chosen, index, attrs=attrs)],
                index,
            )
            for index, (key, label) in enumerate(options)
        ]

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        include = f"[name='{self.include}']" if self.include else ""
        # form="" keeps the search text out of the form's own submission.
        search = format_html(
            '<input type="search" name="q" form="" class="search-select-query" '
            'placeholder="{}" aria-label="{}" hx-get="{}" hx-trigger="input changed delay:300ms" '
            'hx-target="next select" hx-include="{}">',
            _("Search…"),
            _("Search"),
            reverse(self.options_url),
            include,
        )
        return format_html('<span class="search-select">{}{}</span>', search, select)
