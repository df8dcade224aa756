"""Keeping the indicator summary tables equal to the records.

The indicator engine (``consultations.indicators``) reads the standard indicators
(consultations, visitors, cases solved, network activities) and the priority-field
variants of the first three from two summary tables instead of scanning ten
years of records (docs/benchmarks.md, 2026-12-01):

- ``IndicatorDayCount``: a summable indicator per (center, day), for all records
  and for those tagged with each priority field;
- ``IndicatorFirstDay``: for a distinct indicator (visitors), each client's first
  day in a fiscal year per center and for the nation (center 0), again for all
  records and per priority field.

Their rows are computed here from the indicators' own querysets and aggregates
(``Indicator.queryset``, ``TAG_PATH``), so the engine keeps one definition.
``refresh`` deletes the rows of the keys a write touched and recounts them from
the records, in the writer's transaction, so refreshing a key twice or one that
did not change is harmless; ``add`` counts records just inserted into the rows
(upserts), which is exact only for records not counted yet. Writers:

- single saves and deletes (forms, quick entry, admin, history restore): the
  signal handlers at the end of this module (``refresh``);
- the importer (bulk writes send no signals): ``add`` for the new rows, then
  ``refresh`` with the keys of the changed ones;
- the demo and bench builders, and anything that writes in bulk without telling:
  ``rebuild()`` (also ``manage.py indicator_summaries --rebuild``; ``--check``
  compares every figure with the records).

The nation's distinct counts (visitors) are kept as first days only (center 0 in
``IndicatorFirstDay``, one row per client and fiscal year) and counted from them
when read: a day count for the nation would be one row every center's saves
write, and so make them wait for each other.

Concurrent writers (PostgreSQL): a refresh recounts only rows of its own keys,
the (family, center, day) of the day counts and the (client, fiscal year) of the
first days, and holds an advisory lock on each of them to its commit (taken in
one order), so two writers never recount the same key from different snapshots,
while saves in different centers (of different clients) never wait for each
other. Bulk writers (``add``, ``rebuild``, and a refresh of more keys than
``MAX_KEY_LOCKS``) take the one lock every refresh shares, exclusively. SQLite has
one writer at a time anyway.
"""

import uuid
import zlib
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, Value
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from core.fiscal import Period, fiscal_year_expression, fiscal_year_of
from core.lookups import filter_one_of, insert_from, with_ids

from .indicators import STANDARD, SUMMARIZED, TAG_PATH, Indicator
from .models import (
    Case,
    Client,
    ClientCenter,
    Consultation,
    IndicatorDayCount,
    IndicatorFirstDay,
    NetworkActivity,
)

LOCK_KEY = 7_241_017  # the advisory locks of summary refreshes (any constant of our own)
MAX_KEY_LOCKS = 64  # more keys than this: the exclusive lock instead of one lock per key
NATION = 0  # center_id of the nation's rows in IndicatorFirstDay

FAMILIES = [i for i in STANDARD if i.family in SUMMARIZED]


def _summed_rows(indicator: Indicator, records, *, tagged: bool):
    """(family, field_id, center_id, day, value) rows of a summable indicator."""
    if tagged:
        records = records.filter(**{f"{TAG_PATH[indicator.model]}__isnull": False})
    return (
        records.values(
            s_family=Value(indicator.family),
            s_field=F(TAG_PATH[indicator.model]) if tagged else Value(0),
            s_center=F("center_id"),
            s_day=F(indicator.date_field),
        )
        .annotate(s_value=indicator.aggregate)
        .order_by()
    )


def _first_day_rows(indicator: Indicator, records, *, tagged: bool, nation: bool):
    """(family, field_id, center_id, client_id, fiscal_year, first_day) rows of a
    distinct indicator: the first day of each (client, center or nation, fiscal year)."""
    client = indicator.aggregate.source_expressions[0].name  # Count("client", distinct=True)
    if tagged:
        records = records.filter(**{f"{TAG_PATH[indicator.model]}__isnull": False})
    return (
        records.values(
            s_family=Value(indicator.family),
            s_field=F(TAG_PATH[indicator.model]) if tagged else Value(0),
            s_center=Value(NATION) if nation else F("center_id"),
            s_client=F(f"{client}_id"),
            s_year=fiscal_year_expression(indicator.date_field),
        )
        .annotate(s_first=Min(indicator.date_field))
        .order_by()
    )


DAY_COLUMNS = {
    "family": "s_family",
    "field_id": "s_field",
    "center_id": "s_center",
    "day": "s_day",
    "value": "s_value",
}
FIRST_DAY_COLUMNS = {
    "family": "s_family",
    "field_id": "s_field",
    "center_id": "s_center",
    "client_id": "s_client",
    "fiscal_year": "s_year",
    "first_day": "s_first",
}


def _fill_days(indicator, records) -> None:
    for tagged in (False, True) if indicator.model in TAG_PATH else (False,):
        insert_from(IndicatorDayCount, DAY_COLUMNS, _summed_rows(indicator, records, tagged=tagged))


def _fill_first_days(indicator, records) -> None:
    for tagged in (False, True):
        for nation in (False, True):
            rows = _first_day_rows(indicator, records, tagged=tagged, nation=nation)
            insert_from(IndicatorFirstDay, FIRST_DAY_COLUMNS, rows)


def _fill_client_centers(clients, sessions) -> None:
    """Insert the (client, center) pairs of ``clients``' registering centers and of
    ``sessions`` that are not stored yet."""
    quote = connection.ops.quote_name
    pairs = [
        clients.values(s_client=F("pk"), s_center=F("home_center_id")),
        sessions.values(s_client=F("client_id"), s_center=F("center_id")).distinct(),
    ]
    with connection.cursor() as cursor:
        for queryset in pairs:
            if queryset.query.is_empty():
                continue
            sql, params = queryset.order_by().query.sql_with_params()
            table = quote(ClientCenter._meta.db_table)
            # NOT EXISTS first: most pairs are stored already, and skipping them is
            # cheaper than a conflict each (an import of 100,000 sessions: 200 → 140 ms).
            # ON CONFLICT for a pair another transaction adds meanwhile; SQLite (3.24+)
            # and PostgreSQL alike.
            cursor.execute(
                f"INSERT INTO {table} (client_id, center_id) SELECT q.s_client, q.s_center "
                f"FROM ({sql}) q WHERE NOT EXISTS (SELECT 1 FROM {table} s "
                "WHERE s.client_id = q.s_client AND s.center_id = q.s_center) "
                "ON CONFLICT DO NOTHING",
                params,
            )


def refresh_client_centers(client_ids) -> None:
    """Recount the centers of ``client_ids`` from their registration and sessions."""
    client_ids = sorted(set(client_ids))
    for stored in filter_one_of(ClientCenter.objects.all(), "client_id", client_ids):
        stored.delete()
    for clients in filter_one_of(Client._base_manager.all(), "pk", client_ids):
        _fill_client_centers(clients, Consultation.objects.none())
    for sessions in filter_one_of(Consultation._base_manager.all(), "client_id", client_ids):
        _fill_client_centers(Client.objects.none(), sessions)


def _first_day_counts(rows):
    """(family, field_id, center_id, day, value) of ``IndicatorFirstDay`` rows: how many
    clients were first seen on each day at each center, so that a center's distinct
    count from a fiscal year's start to a day is a sum of day counts. Not for the
    nation (see the module's docstring)."""
    return (
        rows.exclude(center_id=NATION)
        .values(
            s_family=F("family"),
            s_field=F("field_id"),
            s_center=F("center_id"),
            s_day=F("first_day"),
        )
        .annotate(s_value=Count("*"))
        .order_by()
    )


def _first_days(indicator, clients, years, centers) -> set[tuple]:
    """(field_id, center_id, first_day) of the clients' rows at those centers (not the
    nation's) in those fiscal years."""
    rows = IndicatorFirstDay.objects.filter(
        family=indicator.family, fiscal_year__in=years, center_id__in=centers
    )
    found = set()
    for queryset in filter_one_of(rows, "client_id", clients):
        rows = queryset.values_list("field_id", "center_id", "first_day")
        found |= set(rows.distinct().order_by())
    return found


def _lock(keys: Iterable | None = None) -> None:
    """Lock ``keys`` (hashable tuples) to the end of the transaction, or everything
    (``None``, or more than ``MAX_KEY_LOCKS`` keys). PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    keys = None if keys is None else set(keys)
    if keys is None or len(keys) > MAX_KEY_LOCKS:
        statements = [f"SELECT pg_advisory_xact_lock({LOCK_KEY}, 0)"]
    else:
        # Shared: per-key writers run side by side, a bulk writer waits for them all.
        # The keys one by one in one order, so that two writers cannot wait for each
        # other; a hash collision only makes a writer wait for an unrelated one.
        ids = sorted({zlib.crc32(repr(key).encode()) % (2**31 - 1) + 1 for key in keys})
        statements = [f"SELECT pg_advisory_xact_lock_shared({LOCK_KEY}, 0)"]
        statements += [f"SELECT pg_advisory_xact_lock({LOCK_KEY}, {pk})" for pk in ids]
    with connection.cursor() as cursor:
        # Integers only, no parameters: one round trip (the simple query protocol).
        cursor.execute("; ".join(statements))


@transaction.atomic
def rebuild(*, client_centers: bool = True) -> None:
    """Recount every summary row from the records."""
    _lock()
    if connection.vendor == "postgresql":
        # Millions of groups: hashed in memory rather than sorted on disk (this transaction only).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
    # Fresh statistics of the records first: after a bulk load the planner would
    # otherwise take the empty tables' defaults and, with an SSD's random_page_cost,
    # walk millions of rows through indexes (the rebuild then takes many minutes).
    # The records' tables only: a database-wide ANALYZE in this long transaction would
    # hold its lock on every table, shared catalogs included, until the end.
    _analyse(*RECORD_MODELS)
    IndicatorDayCount.objects.all().delete()
    IndicatorFirstDay.objects.all().delete()
    figures_changed()
    if client_centers:
        ClientCenter.objects.all().delete()
        _fill_client_centers(Client.objects.all(), Consultation.objects.all())
        _analyse(ClientCenter)
    for indicator in FAMILIES:
        if indicator.distinct:
            _fill_first_days(indicator, indicator.queryset())
            _analyse(IndicatorFirstDay)
            rows = IndicatorFirstDay.objects.filter(family=indicator.family)
            insert_from(IndicatorDayCount, DAY_COLUMNS, _first_day_counts(rows))
        else:
            _fill_days(indicator, indicator.queryset())


# Cached figures of whole fiscal years (``indicators.compute_cached``) are kept
# under a version per fiscal year, and one for all years; a write changes the
# version of the years it touched once it commits.
YEAR_VERSION_KEY = "indicators:year-version:{}"
EPOCH_KEY = "indicators:epoch"


def figures_changed(fiscal_years: Iterable | None = None) -> None:
    """After the transaction commits: the cached figures of ``fiscal_years`` (every
    year when None) are out of date."""

    def bump():
        token = uuid.uuid4().hex
        if fiscal_years is None:
            cache.set(EPOCH_KEY, token, None)
        else:
            cache.set_many({YEAR_VERSION_KEY.format(fy): token for fy in fiscal_years}, None)

    transaction.on_commit(bump)


def year_version(fiscal_year: int) -> str:
    """The version of a fiscal year's figures: it changes whenever they may have."""
    epoch = cache.get_or_set(EPOCH_KEY, uuid.uuid4().hex, None)
    year = cache.get_or_set(YEAR_VERSION_KEY.format(fiscal_year), uuid.uuid4().hex, None)
    return f"{epoch}:{year}"


def _analyse(*models) -> None:
    """Statistics for tables just filled, before they are read (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    tables = {model._meta.db_table for model in models}
    for model in models:  # and the records' many-to-many tables (staff, fields, …)
        tables |= {f.remote_field.through._meta.db_table for f in model._meta.many_to_many}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(sorted(map(connection.ops.quote_name, tables))))


# The records the summaries are counted from.
RECORD_MODELS = (Client, Consultation, Case, NetworkActivity)


@transaction.atomic
def refresh(*, days: Iterable = (), visits: Iterable = ()) -> None:
    """Recount the summary rows that records written or deleted may have changed.

    ``days``: (family, center_id, day) of the records' dates (for sessions and
    network activities their date, for cases their resolution date); ``visits``:
    (client_id, fiscal_year, center_id) of the sessions' clients and centers. Every
    center and day of ``days`` is recounted with every other (a superset of the
    keys, still exact), for all priority fields; likewise the first days of every
    client at every center of ``visits``, and for the nation.
    """
    days = {key for key in days if key[2] is not None}
    visits = {key for key in visits if key[0] is not None}
    if not days and not visits:
        return
    figures_changed({fiscal_year_of(day) for _f, _c, day in days} | {fy for _c, fy, _ in visits})
    summed = {}
    for indicator in FAMILIES:
        wanted = {(c, day) for family, c, day in days if family == indicator.family}
        if wanted and not indicator.distinct:
            summed[indicator] = (
                sorted({c for c, _day in wanted}),
                sorted({day for _c, day in wanted}),
            )
    # The first days' and the clients' locks, then the day counts': one order for
    # every writer.
    clients = sorted({client for client, _year, _center in visits})
    _lock([*(("client", client, year) for client, year, _center in visits), *clients])
    if clients:
        refresh_client_centers(clients)
    distinct = {}
    for indicator in FAMILIES:
        if indicator.distinct and visits and (changed := _refresh_first_days(indicator, visits)):
            distinct[indicator] = changed
    _lock(
        (indicator.family, c, day)
        for indicator, (centers, dates, *_fields) in (summed | distinct).items()
        for c in centers
        for day in dates
    )
    for indicator, (centers, dates) in summed.items():
        IndicatorDayCount.objects.filter(
            family=indicator.family, center_id__in=centers, day__in=dates
        ).delete()
        records = indicator.queryset().filter(
            center_id__in=centers, **{f"{indicator.date_field}__in": dates}
        )
        _fill_days(indicator, records)
    for indicator, (centers, dates, fields) in distinct.items():
        IndicatorDayCount.objects.filter(
            family=indicator.family, field_id__in=fields, center_id__in=centers, day__in=dates
        ).delete()
        rows = IndicatorFirstDay.objects.filter(
            family=indicator.family, field_id__in=fields, center_id__in=centers, first_day__in=dates
        )
        insert_from(IndicatorDayCount, DAY_COLUMNS, _first_day_counts(rows))


def _refresh_first_days(indicator, visits):
    """Recount the clients' first days at the centers of ``visits`` and for the nation;
    give the (centers, days, fields) whose day counts may have changed, or None."""
    clients = sorted({client for client, _year, _center in visits})
    years = sorted({year for _client, year, _center in visits})
    centers = sorted({center for _client, _year, center in visits})
    during = Q()
    for year in years:
        period = Period.fiscal_year(year)
        during |= Q(
            **{
                f"{indicator.date_field}__gte": period.start,
                f"{indicator.date_field}__lte": period.end,
            }
        )
    before = _first_days(indicator, clients, years, centers)
    stale = IndicatorFirstDay.objects.filter(
        family=indicator.family, fiscal_year__in=years, center_id__in=[NATION, *centers]
    )
    for queryset in filter_one_of(stale, "client_id", clients):
        queryset.delete()
    client = indicator.aggregate.source_expressions[0].name
    for records in filter_one_of(indicator.queryset().filter(during), f"{client}_id", clients):
        for tagged in (False, True):
            at_centers = records.filter(center_id__in=centers)
            for nation, rows in ((False, at_centers), (True, records)):
                rows = _first_day_rows(indicator, rows, tagged=tagged, nation=nation)
                insert_from(IndicatorFirstDay, FIRST_DAY_COLUMNS, rows)
    # The day counts of every (field, center, day) where one of these clients was or
    # now is first seen (fields, centers and days crossed: a superset, still exact).
    changed = before | _first_days(indicator, clients, years, centers)
    if not changed:
        return None
    return (
        sorted({c for _field, c, _day in changed}),
        sorted({day for _field, _c, day in changed}),
        sorted({field for field, _c, _day in changed}),
    )


# --- New records: counted in ------------------------------------------------------------
# A bulk import of new records would recount every key it touches (the clients' whole
# year, every center and day), which costs more than the import itself; new records
# can only raise a day's count and bring a first day forward, so they are added to
# the summaries instead, exactly: day counts by upsert, first days where earlier.


@transaction.atomic
def add(model, pks) -> None:
    """Count the new records ``pks`` of ``model`` into the summaries. Only for records
    just inserted (not yet counted); changed or deleted ones go through ``refresh``."""
    pks = sorted(pks)
    if not pks:
        return
    _lock()
    figures_changed()
    if model is Client:
        _fill_client_centers(with_ids(Client.objects.all(), pks), Consultation.objects.none())
    elif model is Consultation:
        _fill_client_centers(Client.objects.none(), with_ids(Consultation.objects.all(), pks))
    for indicator in FAMILIES:
        if indicator.model is not model:
            continue
        records = with_ids(indicator.queryset(), pks)
        if indicator.distinct:
            _add_first_days(indicator, records)
        else:
            for tagged in (False, True) if model in TAG_PATH else (False,):
                _upsert_days(_summed_rows(indicator, records, tagged=tagged))


def _upsert_days(queryset, source_sql=None, params=()) -> None:
    """Add the (family, field_id, center_id, day, value) rows to the day counts."""
    table = connection.ops.quote_name(IndicatorDayCount._meta.db_table)
    if source_sql is None:
        sql, params = queryset.query.sql_with_params()
        source_sql = f"SELECT q.s_family, q.s_field, q.s_center, q.s_day, q.s_value FROM ({sql}) q"
    with connection.cursor() as cursor:
        # "WHERE 1 = 1": SQLite needs a WHERE before ON CONFLICT after a SELECT.
        cursor.execute(
            f"INSERT INTO {table} (family, field_id, center_id, day, value) "
            f"SELECT * FROM ({source_sql}) s WHERE 1 = 1 "
            "ON CONFLICT (family, day, center_id, field_id) "
            f"DO UPDATE SET value = {table}.value + EXCLUDED.value",
            params,
        )


DELTA = "summary_first_day_delta"


def _add_first_days(indicator, records) -> None:
    """Bring the first days forward where the new records come earlier (or first), and
    move the clients' day counts from their old first day to the new one."""
    parts, params = [], []
    for tagged in (False, True):
        rows = _first_day_rows(indicator, records, tagged=tagged, nation=False)
        sql, part_params = rows.query.sql_with_params()
        parts.append(sql)
        params += part_params
    first_days = connection.ops.quote_name(IndicatorFirstDay._meta.db_table)
    temporary = "CREATE TEMPORARY TABLE" if connection.vendor == "sqlite" else "CREATE TEMP TABLE"
    # The nation's first days are the earliest of the centers' (``c``): counted from
    # them, not from the records again (a second pass over the new records and their
    # priority fields).
    key = "s_family, s_field, s_client, s_year"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {DELTA}")
        cursor.execute(
            f"{temporary} {DELTA} AS "
            f"WITH c AS ({' UNION ALL '.join(parts)}) "
            "SELECT g.s_family AS family, g.s_field AS field_id, g.s_center AS center_id, "
            "g.s_client AS client_id, g.s_year AS fiscal_year, g.s_first AS first_day, "
            "f.first_day AS old_day "
            f"FROM (SELECT s_family, s_field, s_center, s_client, s_year, s_first FROM c "
            f"UNION ALL SELECT s_family, s_field, {NATION}, s_client, s_year, MIN(s_first) "
            f"FROM c GROUP BY {key}) g LEFT JOIN {first_days} f "
            "ON f.client_id = g.s_client AND f.fiscal_year = g.s_year "
            "AND f.family = g.s_family AND f.field_id = g.s_field AND f.center_id = g.s_center "
            "WHERE f.first_day IS NULL OR g.s_first < f.first_day",
            params,
        )
        # Day counts by center only: the nation's are counted from its first days.
        group = "GROUP BY family, field_id, center_id"
        _upsert_days(
            None,
            f"SELECT family, field_id, center_id, first_day, COUNT(*) FROM {DELTA} "
            f"WHERE center_id <> {NATION} {group}, first_day",
        )
        _upsert_days(
            None,
            f"SELECT family, field_id, center_id, old_day, -COUNT(*) FROM {DELTA} "
            f"WHERE old_day IS NOT NULL AND center_id <> {NATION} {group}, old_day",
        )
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(IndicatorDayCount._meta.db_table)} "
            f"WHERE family = %s AND value = 0 AND day IN (SELECT old_day FROM {DELTA})",
            [indicator.family],
        )
        cursor.execute(
            f"INSERT INTO {first_days} "
            "(family, field_id, center_id, client_id, fiscal_year, first_day) "
            f"SELECT family, field_id, center_id, client_id, fiscal_year, first_day FROM {DELTA} "
            "WHERE 1 = 1 ON CONFLICT (client_id, fiscal_year, family, field_id, center_id) "
            "DO UPDATE SET first_day = EXCLUDED.first_day"
        )
        cursor.execute(f"DROP TABLE {DELTA}")


# --- The keys a write touches ---------------------------------------------------------


def session_keys(rows) -> tuple[set, set]:
    """(days, visits) of sessions given as (center_id, client_id, date) triples."""
    days, visits = set(), set()
    for center, client, day in rows:
        if day is None:
            continue
        days.add(("consultations", center, day))
        visits.add((client, fiscal_year_of(day), center))
    return days, visits


def case_keys(case_ids) -> tuple[set, set]:
    """(days, visits) that depend on cases' priority fields or resolutions: the cases'
    resolution days and their sessions' days and clients (current values)."""
    case_ids = [pk for pk in case_ids if pk is not None]
    if not case_ids:
        return set(), set()
    days = set()
    for queryset in filter_one_of(Case._base_manager.all(), "pk", case_ids):
        days |= {
            ("cases_solved", center, day)
            for center, day in queryset.values_list("center_id", "resolved_on")
            if day
        }
    sessions = []
    for queryset in filter_one_of(Consultation._base_manager.all(), "case_id", case_ids):
        sessions += queryset.values_list("center_id", "client_id", "date")
    session_days, visits = session_keys(sessions)
    return days | session_days, visits


# --- Single saves and deletes: signals -------------------------------------------------
# The state before the change is read in pre_save (one query), so that moving a
# session to another day, center or client recounts both the old and the new keys.


def _old_session(instance):
    if instance.pk is None:
        return None
    return (
        Consultation._base_manager.filter(pk=instance.pk)
        .values_list("center_id", "client_id", "date")
        .first()
    )


@receiver(pre_save, sender=Consultation, dispatch_uid="summaries_session_before")
def _session_before(sender, instance, raw=False, **kwargs):
    instance._summary_before = None if raw else _old_session(instance)


@receiver(post_save, sender=Consultation, dispatch_uid="summaries_session_saved")
@receiver(post_delete, sender=Consultation, dispatch_uid="summaries_session_deleted")
def _session_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    rows = [(instance.center_id, instance.client_id, instance.date)]
    if before := getattr(instance, "_summary_before", None):
        rows.append(before)
    days, visits = session_keys(rows)
    refresh(days=days, visits=visits)


@receiver(pre_save, sender=Client, dispatch_uid="summaries_client_before")
def _client_before(sender, instance, raw=False, **kwargs):
    instance._home_before = (
        None
        if raw or instance.pk is None
        else Client._base_manager.filter(pk=instance.pk)
        .values_list("home_center_id", flat=True)
        .first()
    )


@receiver(post_save, sender=Client, dispatch_uid="summaries_client_saved")
def _client_saved(sender, instance, raw=False, created=False, **kwargs):
    """A new client belongs to its registering center; a client moved to another
    registering center leaves the old one unless that center served it."""
    if raw:
        return
    if created or getattr(instance, "_home_before", None) != instance.home_center_id:
        _lock([instance.pk])
        refresh_client_centers([instance.pk])


@receiver(post_delete, sender=Client, dispatch_uid="summaries_client_deleted")
def _client_deleted(sender, instance, **kwargs):
    ClientCenter.objects.filter(client_id=instance.pk).delete()


@receiver(pre_save, sender=Case, dispatch_uid="summaries_case_before")
def _case_before(sender, instance, raw=False, **kwargs):
    instance._summary_before = None
    if not raw and instance.pk is not None:
        instance._summary_before = (
            Case._base_manager.filter(pk=instance.pk)
            .values_list("center_id", "resolved_on")
            .first()
        )


@receiver(post_save, sender=Case, dispatch_uid="summaries_case_saved")
@receiver(post_delete, sender=Case, dispatch_uid="summaries_case_deleted")
def _case_changed(sender, instance, raw=False, **kwargs):
    """A case counts where it is solved; its sessions' tagged figures follow its tags,
    which a save does not change (``_tags_changed``)."""
    if raw:
        return
    days = {("cases_solved", instance.center_id, instance.resolved_on)}
    if before := getattr(instance, "_summary_before", None):
        days.add(("cases_solved", *before))
    refresh(days=days)


@receiver(pre_save, sender=NetworkActivity, dispatch_uid="summaries_activity_before")
def _activity_before(sender, instance, raw=False, **kwargs):
    instance._summary_before = None
    if not raw and instance.pk is not None:
        instance._summary_before = (
            NetworkActivity._base_manager.filter(pk=instance.pk)
            .values_list("center_id", "date")
            .first()
        )


@receiver(post_save, sender=NetworkActivity, dispatch_uid="summaries_activity_saved")
@receiver(post_delete, sender=NetworkActivity, dispatch_uid="summaries_activity_deleted")
def _activity_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    days = {("network_activities", instance.center_id, instance.date)}
    if before := getattr(instance, "_summary_before", None):
        days.add(("network_activities", *before))
    refresh(days=days)


@receiver(m2m_changed, sender=Case.priority_fields.through, dispatch_uid="summaries_tags")
def _tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if reverse:  # priority_field.cases.add(…): the cases are in pk_set
        case_ids = list(pk_set or ())
        if action == "pre_clear":
            instance._summary_cases = list(instance.cases.values_list("pk", flat=True))
            return
        if action == "post_clear":
            case_ids = getattr(instance, "_summary_cases", [])
    else:
        if action == "pre_clear":
            return
        case_ids = [instance.pk]
    days, visits = case_keys(case_ids)
    refresh(days=days, visits=visits)


# --- Checking ------------------------------------------------------------------------


def _rows() -> set[tuple]:
    return (
        {("day", *row) for row in IndicatorDayCount.objects.values_list(*DAY_COLUMNS)}
        | {("first", *row) for row in IndicatorFirstDay.objects.values_list(*FIRST_DAY_COLUMNS)}
        | {("center", *row) for row in ClientCenter.objects.values_list("client_id", "center_id")}
    )


def differences() -> tuple[set, set]:
    """(rows stored but not in a recount, rows of a recount not stored); both empty
    when the summaries equal the records. The recount is rolled back."""
    stored = _rows()
    with transaction.atomic():
        rebuild()
        recounted = _rows()
        transaction.set_rollback(True)
    return stored - recounted, recounted - stored
