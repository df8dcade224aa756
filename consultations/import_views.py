"""Browser pages of the record import: upload a file, see every problem or the result."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import import_jobs
from core.scoping import may_edit, scope_rule
from core.tabular import TableError, read_upload, xlsx_response

from . import imports

# The problems table and the warnings list stop here; the count says how many more.
SHOWN_PROBLEMS = 1000
SHOWN_WARNINGS = 50


class RecordsUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Records"),
        choices=[(key, spec.label) for key, spec in imports.KINDS.items()],
    )
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    link_duplicates = forms.BooleanField(
        label=gettext_lazy("Link clients that look like an existing client instead of adding them"),
        help_text=gettext_lazy(
            "A client with the same corporate number, or the same name and phone, as an "
            "existing client takes over that client: only its client ID is set."
        ),
        required=False,
    )


def template_url(kind: str) -> str:
    try:
        return reverse("consultations:records_template", kwargs={"kind": kind})
    except NoReverseMatch:  # mounted as …/template.xlsx?kind=…
        return reverse("consultations:records_template") + "?" + urlencode({"kind": kind})


def _kind_summary(spec) -> dict:
    return {
        "key": spec.key,
        "label": spec.label,
        "headers": spec.headers,
        "template_url": template_url(spec.key),
    }


def _may_import(user) -> bool:
    return any(may_edit(user, spec.model) for spec in imports.KINDS.values())


@scope_rule(
    "writes only rows of centers_editable_for(user, model); existing records outside "
    "Model.objects.for_user(user, 'change') are row errors"
)
def records_import(request):
    """Upload clients, cases, sessions or network activities; all rows are checked first."""
    if not _may_import(request.user):
        raise PermissionDenied
    form = RecordsUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "kinds": [_kind_summary(spec) for spec in imports.KINDS.values()]}
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        if import_jobs.is_large(upload):
            return import_jobs.start(
                request,
                "records",
                upload,
                {"kind": kind, "link_duplicates": form.cleaned_data["link_duplicates"]},
                _("Import of %(kind)s (%(file)s)")
                % {"kind": imports.KINDS[kind].label, "file": upload.name},
            )
        try:
            table = read_upload(upload)
        except TableError as exc:
            context["file_error"] = str(exc)
        else:
            result = imports.import_records(
                kind,
                table,
                user=request.user,
                link_duplicates=form.cleaned_data["link_duplicates"],
            )
            if result.ok:
                messages.success(
                    request,
                    _(
                        "Imported %(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged."
                    )
                    % {
                        "rows": f"{len(table.rows):,}",
                        "created": f"{result.created:,}",
                        "updated": f"{result.updated:,}",
                        "unchanged": f"{result.unchanged:,}",
                    },
                )
                for warning in result.warnings[:SHOWN_WARNINGS]:
                    messages.warning(
                        request,
                        _("Row %(row)s, %(column)s: %(message)s")
                        % {
                            "row": warning.row,
                            "column": warning.column,
                            "message": warning.message,
                        },
                    )
                if len(result.warnings) > SHOWN_WARNINGS:
                    messages.warning(
                        request,
                        _("… and %(count)s more warnings.")
                        % {"count": f"{len(result.warnings) - SHOWN_WARNINGS:,}"},
                    )
                return redirect(imports.KINDS[kind].list_url)
            context.update(
                problems=result.problems[:SHOWN_PROBLEMS],
                problem_count=len(result.problems),
                hidden_problems=max(0, len(result.problems) - SHOWN_PROBLEMS),
                warnings=result.warnings[:SHOWN_WARNINGS],
                row_count=len(table.rows),
            )
    return render(request, "consultations/import.html", context)


@scope_rule("a blank template with example rows, no records")
def records_template(request, kind=None):
    """The .xlsx template of one kind: ``…/<kind>/template.xlsx`` or ``…?kind=<kind>``."""
    kind = kind or request.GET.get("kind", "")
    spec = imports.KINDS.get(kind)
    if spec is None:
        raise Http404
    return xlsx_response(
        f"{kind}-template.xlsx", spec.title, spec.headers, imports.template_rows(kind)
    )
