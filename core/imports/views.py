"""The one import page (the kind chosen from the registry), a template per kind, and the
list of import batches with their undo."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import import_jobs
from core.models import ImportBatch
from core.scoping import scope_rule
from core.tabular import TableError, check_size, read_table, xlsx_response
from core.views import ScopedListView
from core.workflow import ChangeView

from . import base, run

# The problems table and the warnings list stop here; the count says how many more.
SHOWN_PROBLEMS = 1000
SHOWN_WARNINGS = 50


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Records"))
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only: report what the import would do and write nothing"),
        required=False,
    )
    link_duplicates = forms.BooleanField(
        label=gettext_lazy("Link clients that look like an existing client instead of adding them"),
        help_text=gettext_lazy(
            "A client with the same corporate number, or the same name and phone, as an "
            "existing client takes over that client: only its client ID is set."
        ),
        required=False,
    )

    def __init__(self, *args, kinds, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(spec.key, spec.label) for spec in kinds]
        if kind is not None:  # the page of one kind: no choice to make
            self.fields["kind"].initial = kind.key
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["kind"].required = False
            if not kind.link_duplicates:
                del self.fields["link_duplicates"]
        self.preset = kind

    def clean_kind(self):
        return self.preset.key if self.preset is not None else self.cleaned_data["kind"]


def _kind_summary(spec) -> dict:
    return {
        "key": spec.key,
        "label": spec.label,
        "headers": spec.headers,
        "template_url": reverse("imports:template", kwargs={"kind": spec.key}),
        "page_url": reverse("imports:kind", kwargs={"kind": spec.key}),
    }


@scope_rule(
    "only the kinds Kind.allowed(user) lists; each kind writes only rows of the centers "
    "the user may change (centers_editable_for) and resolves references among what "
    "Model.objects.for_user(user) shows"
)
def import_page(request, kind=None):
    """Upload a file of one kind; every row is checked first; write it whole, or only
    report (check only), or show every problem by row and column."""
    kinds = base.kinds_for(request.user)
    preset = None
    if kind is not None:
        preset = base.KINDS.get(kind)
        if preset is None:
            raise Http404
        if preset not in kinds:
            raise PermissionDenied
    if not kinds:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds, kind=preset)
    context = {
        "form": form,
        "kind": preset,
        "kinds": [_kind_summary(spec) for spec in ([preset] if preset else kinds)],
    }
    if request.method == "POST" and form.is_valid():
        spec = base.KINDS[form.cleaned_data["kind"]]
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        options = {}
        if spec.link_duplicates:
            options["link_duplicates"] = form.cleaned_data.get("link_duplicates", False)
        if import_jobs.is_large(upload):
            return import_jobs.start(
                request,
                spec.key,
                upload,
                options,
                _("Import of %(kind)s (%(file)s)") % {"kind": spec.label, "file": upload.name},
                dry_run=dry_run,
            )
        try:
            check_size(upload.size)
            data = upload.read()
            table = read_table(data, upload.name)
        except TableError as exc:
            context["file_error"] = str(exc)
        else:
            result = run.run_import(
                spec.key,
                table,
                user=request.user,
                dry_run=dry_run,
                file_name=upload.name,
                sha256=run.sha256_of(data),
                **options,
            )
            context["row_count"] = len(table.rows)
            if result.ok and not dry_run:
                messages.success(request, import_jobs.summary_of(result, len(table.rows)))
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
                        % {"count": len(result.warnings) - SHOWN_WARNINGS},
                    )
                return redirect(spec.list_url)
            if result.ok:
                context["dry_run_summary"] = import_jobs.summary_of(result, len(table.rows))
            context.update(
                problems=result.problems[:SHOWN_PROBLEMS],
                problem_count=len(result.problems),
                hidden_problems=max(0, len(result.problems) - SHOWN_PROBLEMS),
                warnings=result.warnings[:SHOWN_WARNINGS],
            )
    return render(request, "core/import.html", context)


@scope_rule("a blank template with example rows, no records")
def template_download(request, kind):
    spec = base.KINDS.get(kind)
    if spec is None:
        raise Http404
    return xlsx_response(f"{kind}-template.xlsx", spec.title, spec.headers, spec.template())


class BatchListView(ScopedListView):
    """The imports the user may see, newest first, each with its undo while it may be."""

    model = ImportBatch
    template_name = "core/import_batches.html"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "center", "undone_by")

    def annotate_page(self, rows):
        labels = {key: spec.label for key, spec in base.KINDS.items()}
        for batch in rows:
            batch.kind_label = labels.get(batch.kind, batch.kind)
            batch.undo_refusal = run.refusal(batch, self.request.user)
            batch.undo_until = run.undo_deadline(batch)


class BatchUndoView(ChangeView):
    model = ImportBatch
    title = gettext_lazy("Undo the import")
    submit_label = gettext_lazy("Undo the import")
    done = gettext_lazy("The import was undone: its records are as they were before it.")

    def refusal(self, obj):
        return run.refusal(obj, self.request.user)

    def confirmation_lines(self, obj):
        return [
            _(
                "The %(created)s records it created are deleted and the %(updated)s it "
                "changed are put back as they were, with their history."
            )
            % {"created": f"{obj.created:,}", "updated": f"{obj.updated:,}"}
        ]

    def run(self, obj, form):
        run.undo(obj, user=self.request.user)
        return obj

    def success_url(self, obj):
        return reverse("imports:batches")
