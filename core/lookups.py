"""Filtering on long lists of values without one query parameter per value.

An ``IN (%s, %s, …)`` with tens of thousands of placeholders costs more to build
and parse than the query itself, and SQLite limits the number of parameters.
``OneOf`` passes the whole list as a single parameter: a JSON text, which both
databases unpack (``json_array_elements_text`` on PostgreSQL, ``json_each`` on
SQLite); ``json.dumps`` is far cheaper than adapting a long Python list.

``with_ids`` selects rows just inserted by their ids, and ``insert_from`` writes the
rows a queryset selects into another table, both without the rows leaving the database.
"""

import json

from django.db import connection, connections
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    F,
    Func,
    Lookup,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Substr

# Without JSON support, IN lists of at most this many values.
CHUNK = 5000


class OneOf(Lookup):
    """``lhs`` is one of a list passed as a single query parameter.

    Used as ``queryset.filter(OneOf(F("field"), values))``.
    """

    lookup_name = "one_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        values = json.dumps(self.rhs, ensure_ascii=False, default=str)
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.cast_db_type(connection)
            return (
                f"{lhs} IN (SELECT value::{db_type} FROM json_array_elements_text(%s::json))",
                (*params, values),
            )
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*params, values)


def one_of_supported(queryset) -> bool:
    connection = connections[queryset.db]
    if connection.vendor == "sqlite":
        return connection.features.supports_json_field  # json_each is part of JSON1
    return connection.vendor == "postgresql"


def filter_one_of(queryset, lookup: str, values) -> list:
    """Querysets that together select the rows whose ``lookup`` is in ``values``."""
    values = list(dict.fromkeys(values))
    if not values:
        return []
    if one_of_supported(queryset):
        return [queryset.filter(OneOf(F(lookup), values))]
    return [
        queryset.filter(**{f"{lookup}__in": values[start : start + CHUNK]})
        for start in range(0, len(values), CHUNK)
    ]


def with_ids(queryset, pks):
    """The rows of ``queryset`` whose primary key is one of ``pks`` (sorted): as a few
    ranges where the ids run consecutively, as those of rows just inserted mostly do
    (an index range scan, no list to send), else as one list (``OneOf``)."""
    ranges, start = [], pks[0]
    for previous, pk in zip(pks, [*pks[1:], None], strict=True):
        if pk is None or pk != previous + 1:
            ranges.append((start, previous))
            start = pk
    if len(ranges) > 20:
        return queryset.filter(OneOf(F("pk"), pks))
    condition = Q()
    for first, last in ranges:
        condition |= Q(pk__gte=first, pk__lte=last)
    return queryset.filter(condition)


def insert_from(model, columns: dict, queryset) -> None:
    """INSERT INTO ``model``'s table the rows of ``queryset``: ``columns`` maps each
    column written to the alias of ``queryset`` (``values(alias=…)``) it takes."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
            f"SELECT {', '.join('q.' + quote(alias) for alias in columns.values())} FROM ({sql}) q",
            params,
        )


class JoinedText(Aggregate):
    """Texts joined with ``;`` in the database (STRING_AGG on PostgreSQL, GROUP_CONCAT
    on SQLite): a list's many-to-many column read in the list's own query, as a
    subquery, instead of a second query per chunk of rows and a Python join per row."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ';')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def joined_related(through, owner: str, text: str):
    """A subquery of ``through``'s ``text`` values for the outer row (``owner`` is the
    through model's field pointing at it), joined with ``;``; NULL when there are none."""
    return Subquery(
        through.objects.filter(**{owner: OuterRef("pk")})
        .order_by()
        .values(owner)
        .annotate(joined=JoinedText(text))
        .values("joined")[:1],
        output_field=CharField(),
    )


# --- Export columns computed by the database ---------------------------------------------
# A national year's export is 700,000 rows: a Python call per cell was most of its time.
# Each of these gives the cell's text (or NULL, written as an empty cell) in SQL, on
# PostgreSQL and SQLite alike.


def choice_label(field: str, choices):
    """The label of a choice field's value, in the request's language; an unknown
    value as stored."""
    return Case(
        *(When(**{field: value}, then=Value(str(label))) for value, label in choices),
        default=F(field),
        output_field=CharField(),
    )


def hour_minute(field: str):
    """A time as HH:MM (both databases write a time as text HH:MM:SS[.ffffff])."""
    return Substr(Cast(field, CharField()), 1, 5)


def key_or_pk(field: str = "external_id"):
    """The record's own key, or ``#<id>`` where it has none."""
    return Coalesce(
        NullIf(field, Value("")),
        Concat(Value("#"), Cast("pk", CharField())),
        output_field=CharField(),
    )


class _StrictConcat(Func):
    """``a || b || …``: NULL when any part is NULL (Django's ``Concat`` takes NULL as '')."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = CharField()


def joined(first, second):
    """Two texts (lookups or expressions) joined with ``;``, either of which may be NULL."""
    first, second = (F(x) if isinstance(x, str) else x for x in (first, second))
    return Coalesce(_StrictConcat(first, Value(";"), second), first, second)
