"""The indicator engine against hand-computed figures (domain brief §4)."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import make_activity, make_case, make_client, make_session
from consultations.indicators import (
    CASES_SOLVED,
    CONSULTATIONS,
    STANDARD,
    VISITORS,
    PriorityMetric,
    center_table,
    compute,
    priority_indicator,
)
from consultations.models import PriorityField
from core.fiscal import Period, fiscal_year_of
from organizations.models import Center

D = datetime.date
FY2025 = Period.fiscal_year(2025)


@pytest.fixture
def records(db, tokyo, kanagawa, osaka):
    """A small network, counted by hand in each test."""
    a = make_client(tokyo, "A商店")
    b = make_client(tokyo, "B製作所")
    shared = make_client(tokyo, "共有食品")  # consults in Tokyo and Osaka
    make_session(a, D(2025, 3, 31))  # FY2024
    make_session(a, D(2025, 4, 1))  # FY2025
    make_session(a, D(2025, 4, 2))
    make_session(b, D(2026, 3, 31))  # last day of FY2025
    make_session(shared, D(2025, 6, 1))
    make_session(shared, D(2025, 7, 1), center=osaka)
    make_session(shared, D(2026, 4, 1), center=osaka)  # FY2026
    # A case opened in FY2024 and solved in FY2025 counts in FY2025.
    make_case(a, opened=D(2025, 2, 1), solved=D(2025, 5, 10), priority=["創業支援"])
    make_case(b, opened=D(2025, 4, 1), solved=D(2026, 4, 1))  # solved in FY2026
    make_case(b, opened=D(2025, 4, 1))  # open
    make_activity(tokyo, D(2025, 4, 1))
    make_activity(osaka, D(2025, 3, 31))  # FY2024
    make_activity(kanagawa, D(2025, 12, 1))
    return {"a": a, "b": b, "shared": shared}


def test_fiscal_years_run_from_april_to_march():
    assert fiscal_year_of(D(2025, 3, 31)) == 2024
    assert fiscal_year_of(D(2025, 4, 1)) == 2025
    assert Period(D(2025, 4, 1), D(2026, 3, 31), FY2025.label) == FY2025
    assert "令和7年度" in FY2025.label
    assert Period.quarter(2025, 4).start == D(2026, 1, 1) and Period.half(2025, 1).end == D(
        2025, 9, 30
    )


def test_sessions_on_31_march_and_1_april_fall_in_different_fiscal_years(records, tokyo):
    centers = Center.objects.filter(pk=tokyo.pk)
    assert compute([CONSULTATIONS], period=Period.fiscal_year(2024), centers=centers) == {
        "consultations": 1
    }
    assert compute([CONSULTATIONS], period=FY2025, centers=centers) == {"consultations": 4}


def test_a_client_seen_at_two_centers_counts_once_for_each_center_and_once_nationally(
    records, tokyo, osaka
):
    by_center = compute([VISITORS], period=FY2025, group="center")
    assert by_center[tokyo.pk]["visitors"] == 3  # A, B, shared
    assert by_center[osaka.pk]["visitors"] == 1  # shared
    assert compute([VISITORS], period=FY2025) == {"visitors": 3}  # not 4


def test_a_case_counts_in_the_year_it_is_solved(records):
    assert compute([CASES_SOLVED], period=Period.fiscal_year(2024)) == {"cases_solved": 0}
    assert compute([CASES_SOLVED], period=FY2025) == {"cases_solved": 1}
    assert compute([CASES_SOLVED], period=Period.fiscal_year(2026)) == {"cases_solved": 1}


def test_the_center_table_lists_centers_in_jis_order_with_a_national_total(
    records, tokyo, osaka, kanagawa
):
    rows = center_table(period=FY2025, centers=Center.objects.all())
    assert [r.center.code for r in rows[:-1]] == [f"{n:02d}" for n in range(1, 48)]
    by_code = {r.center.code: r.values for r in rows[:-1]}
    assert by_code["13"] == {
        "consultations": 4,
        "visitors": 3,
        "cases_solved": 1,
        "network_activities": 1,
    }
    assert by_code["27"] == {
        "consultations": 1,
        "visitors": 1,
        "cases_solved": 0,
        "network_activities": 0,
    }
    assert by_code["14"]["network_activities"] == 1
    assert rows[-1].center is None
    assert rows[-1].values == {
        "consultations": 5,
        "visitors": 3,
        "cases_solved": 1,
        "network_activities": 2,
    }


def test_months_quarters_and_ranges_use_the_same_definitions(records, tokyo):
    centers = Center.objects.filter(pk=tokyo.pk)
    assert compute([CONSULTATIONS], period=Period.month(2025, 4), centers=centers) == {
        "consultations": 2
    }
    assert compute([CONSULTATIONS], period=Period.quarter(2025, 4), centers=centers) == {
        "consultations": 1
    }
    between = Period.between(D(2025, 4, 2), D(2025, 6, 1))
    assert compute([CONSULTATIONS, VISITORS], period=between, centers=centers) == {
        "consultations": 2,
        "visitors": 2,
    }
    by_month = compute([CONSULTATIONS], period=FY2025, centers=centers, group="month")
    assert by_month == {
        D(2025, 4, 1): {"consultations": 2},
        D(2025, 6, 1): {"consultations": 1},
        D(2026, 3, 1): {"consultations": 1},
    }


def test_a_priority_field_counts_sessions_clients_and_solved_cases_tagged_with_it(records):
    field = PriorityField.objects.get(name="創業支援")
    a = records["a"]
    case = a.cases.get()
    for day in (D(2025, 4, 5), D(2025, 4, 6)):
        make_session(a, day, case=case)
    values = compute(
        [
            priority_indicator(field, metric)
            for metric in (
                PriorityMetric.SESSIONS,
                PriorityMetric.CLIENTS,
                PriorityMetric.SOLVED_CASES,
            )
        ],
        period=FY2025,
    )
    assert list(values.values()) == [2, 1, 1]


def run_command(*args):
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_the_command_prints_the_table_as_csv_with_a_total_row(records):
    lines = run_command("--fy", "2025")
    assert lines[0] == ["center", "consultations", "visitors", "cases_solved", "network_activities"]
    assert lines[1][0] == "北海道よろず支援拠点" and len(lines) == 1 + 47 + 1
    assert lines[13] == ["東京都よろず支援拠点", "4", "3", "1", "1"]
    assert lines[-1] == ["total", "5", "3", "1", "2"]

    kanto = run_command("--fy", "2025", "--bureau", "関東")
    assert len(kanto) == 1 + 11 + 1 and kanto[-1] == ["total", "4", "3", "1", "2"]


def test_the_command_output_equals_the_indicator_page_and_the_lists(records, client_for, tokyo):
    lines = {row[0]: row[1:] for row in run_command("--fy", "2025", "--bureau", "関東")[1:]}
    client = client_for("kanto_officer")
    page = client.get(reverse("consultations:indicator_table") + "?fy=2025")
    rows = {r.center.name if r.center else "total": r for r in page.context["rows"]}
    for name, values in lines.items():
        assert [str(rows[name].values[i.code]) for i in STANDARD] == values

    # The drill-down lists hold exactly the records the figures count.
    def count(url_name, query):
        return client.get(reverse(url_name) + query).context["paginator"].count

    tokyo_row = lines["東京都よろず支援拠点"]
    assert count("consultations:consultation_list", f"?center={tokyo.pk}&fy=2025") == int(
        tokyo_row[0]
    )
    assert count("consultations:client_list", f"?center={tokyo.pk}&visited_fy=2025") == int(
        tokyo_row[1]
    )
    assert count(
        "consultations:case_list", f"?center={tokyo.pk}&solved_fy=2025&status=solved"
    ) == int(tokyo_row[2])
    assert count("consultations:activity_list", f"?center={tokyo.pk}&fy=2025") == int(tokyo_row[3])


def test_an_unknown_bureau_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown bureau"):
        run_command("--fy", "2025", "--bureau", "火星")


def test_the_indicator_page_only_counts_the_viewers_centers(records, client_for):
    rows = (
        client_for("tokyo_coordinator")
        .get(reverse("consultations:indicator_table") + "?fy=2025")
        .context["rows"]
    )
    assert [r.center.code for r in rows[:-1]] == ["13"]
    assert rows[-1].values["consultations"] == 4


def test_cached_figures_equal_the_records_after_every_committed_write(
    personas, tokyo, osaka, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """compute_cached (the dashboards' last-year figures, the national trend) answers
    from the shared cache until a record of its fiscal year changes, by center too."""
    from django.core.cache import cache

    from consultations.indicators import STANDARD, compute, compute_cached
    from core.fiscal import Period

    settings.INDICATOR_YEAR_CACHE = True
    cache.clear()
    fy2024 = Period.fiscal_year(2024)
    centers = Center.objects.filter(pk__in=[tokyo.pk, osaka.pk])

    def both():
        cached = compute_cached(STANDARD, period=fy2024, centers=centers, group="center")
        assert cached == compute(STANDARD, period=fy2024, centers=centers, group="center")
        return cached

    with django_capture_on_commit_callbacks(execute=True):
        make_session(make_client(tokyo), datetime.date(2024, 5, 1))
    assert both()[tokyo.pk]["consultations"] == 1
    with django_assert_num_queries(1):  # the scope's ids; the figures from the cache
        compute_cached(STANDARD, period=fy2024, centers=centers, group="center")
    # A write in another year leaves FY2024's figures cached ...
    with django_capture_on_commit_callbacks(execute=True):
        make_session(make_client(osaka), datetime.date(2025, 5, 1))
    with django_assert_num_queries(1):
        compute_cached(STANDARD, period=fy2024, centers=centers, group="center")
    # ... one in FY2024 is counted at once.
    with django_capture_on_commit_callbacks(execute=True):
        make_session(make_client(osaka), datetime.date(2025, 3, 31))
    assert both()[osaka.pk]["consultations"] == 1
