"""Form widgets shared by the apps."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
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


def _attrs(attrs) -> str:
    # As django/forms/widgets/attrs.html: True is a bare attribute, False none.
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def render_select(widget) -> str:
    """A select's HTML, as django/forms/widgets/select.html renders it, in one pass.

    The template includes two templates per option: a filter's staff list over the
    nation (over a thousand people) took a quarter of a second to render.
    """
    parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                format_html('<option value="{}"', option["value"])
                + _attrs(option["attrs"])
                + format_html(">{}</option>", option["label"])
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # every part escaped above


class FormRenderer(DjangoTemplates):
    """The project's form renderer (``FORM_RENDERER``): Django's, with selects and
    multiple selects rendered by ``render_select``."""

    SELECTS = ("django/forms/widgets/select.html",)

    def render(self, template_name, context, request=None):
        if template_name in self.SELECTS:
            return render_select(context["widget"])
        return super().render(template_name, context, request=request)
