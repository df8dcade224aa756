"""View mixins that route every query through the model's ``for_user`` scope.

A view that shows or changes one object must derive from ``ScopedObjectMixin``;
the generated authorization test fails for any URL with an object argument whose
view does not.
"""

from contextlib import closing
from itertools import islice
from operator import itemgetter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from core.ahead import ahead
from core.pagination import CappedPaginator
from core.scoping import CHANGE, VIEW, may_edit


class ScopedQuerysetMixin:
    """Restrict ``get_queryset`` to the user's scope for ``scope_action``."""

    model = None
    scope_action = VIEW

    def get_queryset(self):
        return self.model.objects.for_user(self.request.user, self.scope_action)


class ScopedObjectMixin(ScopedQuerysetMixin):
    """An object outside the user's scope is simply not found (404)."""


def in_default_order(queryset):
    """``queryset`` in its model's ``Meta.ordering`` where it has lost it: Django does not
    apply the default ordering to aggregate (GROUP BY) queries, so a list that counts
    something per row would otherwise come back, and paginate, in no stable order."""
    ordering = queryset.model._meta.ordering
    return queryset if queryset.ordered or not ordering else queryset.order_by(*ordering)


class ScopedListView(ScopedQuerysetMixin, ListView):
    paginate_by = 50
    paginator_class = CappedPaginator

    def get_context_data(self, *, object_list=None, **kwargs):
        self.object_list = in_default_order(
            self.object_list if object_list is None else object_list
        )
        return super().get_context_data(object_list=self.object_list, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        if type(self).annotate_page is not ScopedListView.annotate_page:
            page.object_list = rows = list(rows)
            self.annotate_page(rows)
        return paginator, page, rows, is_paginated

    def annotate_page(self, rows: list) -> None:
        """Hook: add figures to the rows of the page shown (counted for these rows
        only, in one query, rather than for every row in scope before paginating)."""


class ScopedDetailView(ScopedObjectMixin, DetailView):
    pass


class ScopedSaveMixin:
    """Save in one transaction and re-check, inside it, that the object is still in scope.

    Without the re-check a user could move a record out of their own reach (or into
    another center) by editing the field that decides its scope.
    """

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            self.after_save(form)
            still_visible = (
                self.model.objects.for_user(self.request.user, CHANGE)
                .filter(pk=self.object.pk)
                .exists()
            )
            if not still_visible:
                transaction.set_rollback(True)
                raise PermissionDenied("The record would leave your scope.")
        return response

    def after_save(self, form):
        """Hook for saving related forms inside the same transaction."""


class FormsetMixin:
    """A model form with one inline formset: both are checked, the problems of both are
    shown together, and the formset is saved in the form's transaction (``after_save``).

    Subclasses name ``get_formset(data)`` and ``saved_message``; ``before_save(form)``
    sets what the form does not (who recorded it).
    """

    saved_message = ""

    def get_formset(self, data=None):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        return context

    def before_save(self, form):
        """Hook: set fields the form does not have, before the save."""

    def form_valid(self, form):
        formset = self.get_formset(self.request.POST)
        formset.instance = form.instance
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        self._formset = formset
        self.before_save(form)
        response = super().form_valid(form)
        messages.success(self.request, self.saved_message)
        return response

    def form_invalid(self, form):
        formset = self.get_formset(self.request.POST)
        formset.is_valid()  # its problems are shown too, not only the form's
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def after_save(self, form):
        self._formset.instance = self.object
        self._formset.save()


class ScopedUpdateView(ScopedSaveMixin, ScopedObjectMixin, UpdateView):
    scope_action = CHANGE


class ScopedCreateView(ScopedSaveMixin, CreateView):
    """Creation is open to the model's editor roles; the saved object must be in their scope."""

    scope_rule = (
        "creates only records that Model.objects.for_user(user, CHANGE) returns after the save"
    )

    def dispatch(self, request, *args, **kwargs):
        if not may_edit(request.user, self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ValueColumn(tuple):
    """An export column read with ``values_list`` instead of model instances (a national
    year of sessions is 700,000 rows; building each row's five model instances held the
    export to a few thousand rows a second): ``ValueColumn(header, fields, convert)``
    where ``fields`` is a lookup or a tuple of them (or a query expression annotated
    under the column's own name) and ``convert`` is called with their values (None:
    the single value as it is)."""

    def __new__(cls, header, fields, convert=None):
        return super().__new__(cls, (header, fields, convert))


def streamed(queryset, chunk_size=2000):
    """The queryset's rows a chunk at a time as the database produces them.

    On PostgreSQL read inside a transaction: outside one, Django declares its
    server-side cursor WITH HOLD, and PostgreSQL computes the whole result before
    the first row (18 s for a national year of sessions). Not on SQLite, where a
    transaction here would hold the one writer's lock for the whole download."""
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    with transaction.atomic(), closing(_read_ahead(queryset, chunk_size)) as chunks:
        for chunk in chunks:
            yield from chunk


def _read_ahead(queryset, size):
    """The queryset's rows in lists of ``size``, the next list fetched by a helper thread
    while the caller works on the current one (``core.ahead``): the database makes a
    chunk while Python writes the last (a national export spent half its time waiting
    for each in turn). The cursor is closed here, after the helper has stopped."""
    rows = queryset.iterator(chunk_size=size)
    chunks = iter(lambda: list(islice(rows, size)), [])
    try:
        yield from ahead(chunks)
    finally:
        rows.close()


def value_rows(queryset, columns):
    """The rows of ``columns`` (``ValueColumn``) from ``queryset``, streamed in chunks."""
    lookups, annotations, firsts, converted = [], {}, [], []
    for number, (_header, fields, convert) in enumerate(columns):
        names = []
        for field in fields if isinstance(fields, tuple) else (fields,):
            if not isinstance(field, str):  # an expression: annotated under a name of its own
                name = f"_export_{number}_{len(names)}"
                annotations[name] = field
                field = name
            if field not in lookups:
                lookups.append(field)
            names.append(lookups.index(field))
        firsts.append(names[0])
        if convert is not None or len(names) > 1:
            converted.append((number, _getter(names, convert)))
    if annotations:
        queryset = queryset.annotate(**annotations)
    # Each row's plain cells picked in one call; only the converted ones one by one.
    pick = itemgetter(*firsts) if len(firsts) > 1 else (lambda row: (row[firsts[0]],))
    for row in streamed(queryset.values_list(*lookups)):
        cells = [*pick(row)]
        for number, get in converted:
            cells[number] = get(row)
        yield cells


def _getter(names, convert):
    """A converted column's value from a ``values_list`` row, decided once."""
    if len(names) > 1:
        pick = itemgetter(*names)
        return lambda row: convert(*pick(row))
    index = names[0]
    return lambda row: convert(row[index])


class FilteredListView(ScopedListView):
    """A scoped list with one FilterSet shared by the page and its .xlsx / CSV export.

    Subclasses name ``filterset_class`` and ``export_columns()``: (header, value
    function) pairs evaluated per row.
    """

    filterset_class = None
    export_name = "records"
    export_title = "records"

    def get_base_queryset(self):
        return super().get_queryset()

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset(), user=self.request.user
        )
        return self.filterset.qs

    def export_columns(self) -> list:
        raise NotImplementedError

    def export_queryset(self):
        return in_default_order(self.get_queryset())

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("export")
        if kind in {"xlsx", "csv"}:
            return self.export(kind)
        return super().get(request, *args, **kwargs)

    # Set on the view an export job (core.export_jobs) rebuilds: it writes the file.
    in_job = False

    def export_table(self, kind):
        """(file name, sheet title, headers, rows): what an export of this list holds."""
        import datetime

        columns = self.export_columns()
        headers = [header for header, *_value in columns]
        if all(isinstance(column, ValueColumn) for column in columns):
            rows = value_rows(self.export_queryset(), columns)
        else:
            rows = (
                [value(obj) for _header, value in columns]
                for obj in streamed(self.export_queryset())
            )
        name = f"{self.export_name}-{datetime.date.today():%Y%m%d}.{kind}"
        return name, str(self.export_title), headers, rows

    def export(self, kind):
        """The file, or past JOB_EXPORT_THRESHOLD_ROWS rows a job that makes it (its
        file is downloaded from the My jobs page; no request waits for it)."""
        from django.conf import settings

        from core import export_jobs
        from core.tabular import csv_response, xlsx_response

        limit = settings.JOB_EXPORT_THRESHOLD_ROWS
        # Counted to the limit only: a national list is never counted whole here.
        if not self.in_job and self.export_queryset().values("pk")[: limit + 1].count() > limit:
            return export_jobs.start(self, kind)
        name, title, headers, rows = self.export_table(kind)
        if kind == "xlsx":
            return xlsx_response(name, title, headers, rows)
        return csv_response(name, headers, rows)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["may_edit"] = may_edit(self.request.user, self.model)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["query"] = query.urlencode()
        return context
