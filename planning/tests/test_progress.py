"""Pace, projection and status, against hand-computed cases."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import make_client, make_plan, make_session
from core.fiscal import Period
from organizations.models import Center
from planning import progress
from planning.progress import (
    AT_RISK,
    BEHIND,
    NOT_STARTED,
    ON_TRACK,
    expected_share,
    project,
    status_of,
)

D = datetime.date
FY = Period.fiscal_year(2025)


def test_with_no_previous_year_the_pace_is_the_share_of_days():
    # 1 April to 30 September 2025 is 183 of 365 days.
    assert expected_share(period=FY, as_of=D(2025, 9, 30), last_year_by_month={}) == pytest.approx(
        183 / 365
    )
    assert expected_share(period=FY, as_of=D(2025, 3, 1), last_year_by_month={}) == 0
    assert expected_share(period=FY, as_of=D(2026, 5, 1), last_year_by_month={}) == 1


def test_the_pace_follows_last_years_monthly_pattern():
    # Last year: 10 sessions in April, 30 in May, 60 in March: 100 in all.
    pattern = {D(2024, 4, 1): 10, D(2024, 5, 1): 30, D(2025, 3, 1): 60}
    assert expected_share(
        period=FY, as_of=D(2025, 4, 30), last_year_by_month=pattern
    ) == pytest.approx(0.10)
    # Mid-May: April (0.10) + 16 of 31 days of May (0.30 × 16/31).
    assert expected_share(
        period=FY, as_of=D(2025, 5, 16), last_year_by_month=pattern
    ) == pytest.approx(0.10 + 0.30 * 16 / 31)
    # All of the months up to February carry 40 %; March is still to come.
    assert expected_share(
        period=FY, as_of=D(2026, 2, 28), last_year_by_month=pattern
    ) == pytest.approx(0.40)


def test_the_projection_divides_the_actual_by_the_expected_share():
    assert project(20, 0.10) == 200
    assert project(0, 0.25) == 0  # a center with no activity yet projects to zero
    assert project(5, 0) is None  # nothing can be said before the year starts


def test_the_status_uses_the_margin():
    margin = Decimal("0.10")
    assert status_of(target=100, projected=100, share=0.5, margin=margin) == ON_TRACK
    assert status_of(target=100, projected=90, share=0.5, margin=margin) == AT_RISK
    assert status_of(target=100, projected=89, share=0.5, margin=margin) == BEHIND
    assert status_of(target=100, projected=None, share=0, margin=margin) == NOT_STARTED


@pytest.fixture
def network(personas, tokyo, kanagawa, osaka):
    """Tokyo: a plan, last year's pattern and this year's sessions. Kanagawa: a plan, nothing yet. Osaka: no plan."""
    tokyo_plan = make_plan(tokyo, 2025, change_request=False)
    kanagawa_plan = make_plan(kanagawa, 2025, change_request=False)
    a = make_client(tokyo)
    for day in (1, 2):  # last year: April 2, May 0, … (only April), so April carries the whole year
        make_session(a, D(2024, 4, day))
    for day in range(1, 11):  # this year: 10 sessions in April
        make_session(a, D(2025, 4, day))
    make_session(make_client(osaka), D(2025, 4, 3))
    return tokyo_plan, kanagawa_plan


def test_center_progress_projects_each_center_by_hand(network, tokyo, kanagawa, osaka):
    year = network[0].fiscal_year
    rows = progress.center_progress(
        fiscal_year=year,
        centers=Center.objects.filter(code__in=["13", "14", "27"]),
        as_of=D(2025, 4, 30),
    )
    by_code = {r.center.code: r for r in rows}

    tokyo_consultations = by_code["13"].item("consultations")
    # Last year all of Tokyo's sessions were in April: by 30 April the whole year is "expected".
    assert (
        tokyo_consultations.actual,
        tokyo_consultations.share,
        tokyo_consultations.projected,
    ) == (10, 1.0, 10)
    assert tokyo_consultations.target == 100 and tokyo_consultations.status == BEHIND

    kanagawa_consultations = by_code["14"].item("consultations")
    # No previous year: straight line, 30 of 365 days; no activity yet: projected 0.
    assert kanagawa_consultations.share == pytest.approx(30 / 365)
    assert (kanagawa_consultations.actual, kanagawa_consultations.projected) == (0, 0)

    osaka_consultations = by_code["27"].item("consultations")
    assert by_code["27"].plan is None and osaka_consultations.target is None
    assert osaka_consultations.status == "no_target"

    # The priority field of Tokyo's plan (創業支援, sessions) is tracked too.
    assert any(i.code.startswith("priority:") for i in by_code["13"].items)
    warnings = progress.early_warnings(rows)
    assert ("13", "consultations") in {(c.code, i.code) for c, i in warnings}


def test_each_role_sees_exactly_its_scope_on_every_dashboard(
    network, client_for, tokyo, osaka, kanagawa
):
    query = "?fy=2025&as_of=2025-04-30"
    kanto = tokyo.prefecture.bureau
    rows = (
        client_for("kanto_officer")
        .get(reverse("planning:bureau_dashboard", args=[kanto.pk]) + query)
        .context["rows"]
    )
    assert {r.center.prefecture.bureau for r in rows} == {kanto} and len(rows) == 11
    assert (
        client_for("kanto_officer")
        .get(reverse("planning:bureau_dashboard", args=[osaka.prefecture.bureau.pk]) + query)
        .status_code
        == 404
    )
    assert (
        client_for("kanto_officer").get(reverse("planning:national_dashboard") + query).status_code
        == 403
    )

    center_page = client_for("tokyo_manager").get(
        reverse("planning:center_dashboard", args=[tokyo.pk]) + query
    )
    assert [r.center for r in center_page.context["rows"]] == [tokyo]
    assert (
        client_for("tokyo_manager")
        .get(reverse("planning:center_dashboard", args=[kanagawa.pk]) + query)
        .status_code
        == 404
    )
    assert (
        client_for("tokyo_manager")
        .get(reverse("planning:bureau_dashboard", args=[kanto.pk]) + query)
        .status_code
        == 404
    )

    national = client_for("admin").get(reverse("planning:national_dashboard") + query).context
    assert len(national["rows"]) == 47
    warnings = (
        client_for("kinki_officer").get(reverse("planning:warnings") + query).context["warnings"]
    )
    assert all(center.prefecture.bureau == osaka.prefecture.bureau for center, _item in warnings)


def test_dashboard_figures_equal_the_indicators_command_and_totals_are_sums(
    network, client_for, capsys
):
    import csv
    import io

    out = io.StringIO()
    call_command("indicators", "--fy", "2025", stdout=out)
    command = {row[0]: row[1:] for row in list(csv.reader(io.StringIO(out.getvalue())))[1:]}
    context = (
        client_for("admin")
        .get(reverse("planning:national_dashboard") + "?fy=2025&as_of=2026-03-31")
        .context
    )
    for row in context["rows"]:
        assert [str(i.actual) for i in row.items[:4]] == command[row.center.name]
    for total in context["totals"]:
        assert total["actual"] == sum(r.item(total["code"]).actual for r in context["rows"])
        assert total["target"] == sum(r.item(total["code"]).target or 0 for r in context["rows"])
    # Additive indicators agree with the command's national row as well.
    assert str(context["totals"][0]["actual"]) == command["total"][0]


def test_the_compiled_table_downloads_as_xlsx(network, client_for):
    from core.tabular import read_table

    response = client_for("hq").get(
        reverse("planning:national_dashboard") + "?fy=2025&as_of=2025-04-30&export=xlsx"
    )
    table = read_table(response.content, "c.xlsx")
    assert len(table.rows) == 48 and table.headers[1] == "拠点"
    # (read_table normalises headers: the full-width colon is read as ":")
    assert table.headers[2:4] == ["相談対応件数:目標", "相談対応件数:実績"]
    tokyo_row = next(
        values for _n, values in table.rows if values["拠点"] == "東京都よろず支援拠点"
    )
    assert tokyo_row[table.headers[2]] == 100 and tokyo_row[table.headers[3]] == 10


def _sheets(content):
    """{sheet title: [rows as lists]} of an .xlsx download."""
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}


def test_the_kanto_officer_downloads_the_compiled_results_of_the_11_kanto_centers(
    network, client_for
):
    from organizations.models import Bureau

    kanto = Bureau.objects.get(code="kanto")
    response = client_for("kanto_officer").get(
        reverse("planning:bureau_dashboard", args=[kanto.pk])
        + "?fy=2025&as_of=2025-04-30&export=xlsx"
    )
    assert response.status_code == 200
    (title, rows), *others = _sheets(response.content).items()
    assert not others and title == kanto.short_name
    header, *centers, total = rows
    kanto_centers = set(
        Center.objects.filter(prefecture__bureau=kanto).values_list("name", flat=True)
    )
    assert len(kanto_centers) == 11
    assert {row[1] for row in centers} == kanto_centers and len(centers) == 11
    assert "大阪府よろず支援拠点" not in str(rows)
    # Japanese headers, the projection among them, and the bureau's own total.
    assert header[:2] == ["経済産業局", "拠点"]
    assert all(ord(ch) > 127 or not ch.isalpha() for cell in header for ch in cell), header
    assert "相談対応件数：年度末見込み" in header
    assert total[0] == f"{kanto.short_name} 計"
    tokyo_row = next(r for r in centers if r[1] == "東京都よろず支援拠点")
    column = header.index("相談対応件数：実績")
    assert tokyo_row[column] == 10 and total[column] == 10  # Osaka's session is not in it
    assert total[header.index("相談対応件数：目標")] == 200  # Tokyo's and Kanagawa's plans


def test_no_bureau_officer_downloads_another_bureaus_compiled_results(network, client_for):
    from organizations.models import Bureau

    kanto = Bureau.objects.get(code="kanto")
    response = client_for("kinki_officer").get(
        reverse("planning:bureau_dashboard", args=[kanto.pk]) + "?fy=2025&export=xlsx"
    )
    assert response.status_code == 404


def test_the_national_compiled_results_have_one_sheet_per_bureau(network, client_for):
    from organizations.models import Bureau

    response = client_for("hq").get(
        reverse("planning:national_dashboard") + "?fy=2025&as_of=2025-04-30&export=xlsx"
    )
    sheets = _sheets(response.content)
    first, *bureau_sheets = sheets
    assert first == "全国" and len(sheets[first]) == 1 + 47 + 1
    assert set(bureau_sheets) == set(Bureau.objects.values_list("short_name", flat=True))
    kanto = sheets["関東"]
    assert len(kanto) == 1 + 11 + 1 and kanto[-1][0] == "関東 計"
    assert sheets[first][-1][0] == "全国計"


def test_the_national_trend_counts_each_fiscal_year_with_the_engine(client_for, tokyo):
    c = make_client(tokyo)
    make_session(c, D(2024, 3, 31))  # FY2023
    make_session(c, D(2024, 4, 1))  # FY2024
    make_session(c, D(2025, 3, 31))  # FY2024, same client
    make_session(c, D(2025, 4, 1))  # FY2025
    make_plan(tokyo, 2025, change_request=False)
    response = client_for("admin").get(reverse("planning:national_trend") + "?fy=2025")
    trend = {t["year"]: t["values"] for t in response.context["trend"]}
    assert trend == {2023: [1, 1, 0, 0], 2024: [2, 1, 0, 0], 2025: [1, 1, 0, 0]}
    assert (
        client_for("kanto_officer").get(reverse("planning:national_trend") + "?fy=2025").status_code
        == 403
    )


def test_the_trends_cached_years_follow_every_write_of_their_records(
    client_for, tokyo, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """With the shared cache on (production), a past year's figures come from the cache
    until a record of that year is written, then from the records again."""
    from django.core.cache import cache

    settings.INDICATOR_YEAR_CACHE = True
    cache.clear()
    url = reverse("planning:national_trend") + "?fy=2025"
    admin = client_for("admin")

    def trend():
        return {t["year"]: t["values"] for t in admin.get(url).context["trend"]}

    c = make_client(tokyo)
    with django_capture_on_commit_callbacks(execute=True):
        make_session(c, D(2024, 4, 1))  # FY2024
        make_plan(tokyo, 2025, change_request=False)
    assert trend() == {2024: [1, 1, 0, 0]}
    with django_assert_max_num_queries(12):  # ten years from the cache: no figure counted
        assert trend() == {2024: [1, 1, 0, 0]}
    # A session entered late into the past year, by another client: the year is recounted.
    with django_capture_on_commit_callbacks(execute=True):
        late = make_session(make_client(tokyo), D(2025, 3, 31))
    assert trend() == {2024: [2, 2, 0, 0]}
    with django_capture_on_commit_callbacks(execute=True):
        late.delete()
    assert trend() == {2024: [1, 1, 0, 0]}
    # A write that rolls back changes nothing, and nothing is recounted for it.
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_session(c, D(2024, 6, 1))
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and trend() == {2024: [1, 1, 0, 0]}


def test_a_distinct_count_follows_last_years_distinct_curve(personas, tokyo):
    make_plan(tokyo, 2025, change_request=False)
    a, b = make_client(tokyo), make_client(tokyo)
    make_session(a, D(2024, 4, 10))
    make_session(a, D(2024, 5, 10))  # the same client again: still one
    make_session(b, D(2024, 5, 20))
    for _ in range(3):
        make_session(make_client(tokyo), D(2025, 4, 15))
    from planning.models import FiscalYear

    rows = progress.center_progress(
        fiscal_year=FiscalYear.objects.get(year=2025),
        centers=Center.objects.filter(pk=tokyo.pk),
        as_of=D(2025, 4, 30),
    )
    visitors = rows[0].item("visitors")
    # By 30 April last year 1 of last year's 2 clients had come: share 0.5, so 3 → 6.
    assert (visitors.actual, visitors.share, visitors.projected) == (3, 0.5, 6)


def test_the_total_rate_compares_targets_with_the_same_centers_actuals(network, client_for, osaka):
    context = (
        client_for("admin")
        .get(reverse("planning:national_dashboard") + "?fy=2025&as_of=2025-04-30")
        .context
    )
    consultations = next(t for t in context["totals"] if t["code"] == "consultations")
    # Tokyo (10) and Kanagawa (0) have plans with 100 each; Osaka's session has no target.
    assert (consultations["target"], consultations["planned_actual"], consultations["actual"]) == (
        200,
        10,
        11,
    )
    assert consultations["rate"] == 10 / 200


def test_distinct_visitors_of_a_past_year_do_not_count_the_next_years_sessions(client_for, tokyo):
    from planning.models import FiscalYear

    FiscalYear.objects.get_or_create(year=2025)
    last_year, next_year = make_client(tokyo), make_client(tokyo)
    make_session(last_year, datetime.date(2025, 10, 1))
    make_session(next_year, datetime.date(2026, 5, 1))  # FY2026
    context = (
        client_for("admin")
        .get(reverse("planning:national_dashboard") + "?fy=2025&as_of=2026-06-30")
        .context
    )
    assert context["distinct_visitors"] == 1


def test_the_current_years_cached_figures_follow_every_write_and_keep_to_their_scope(
    network, client_for, tokyo, osaka, settings, django_capture_on_commit_callbacks
):
    """With the shared cache on (production), the dashboards and the indicators page
    keep the year's figures to date until a record of the year is written: each page
    shows a session as soon as it is committed, and one scope's figures never show in
    another's."""
    from django.core.cache import cache

    settings.INDICATOR_YEAR_CACHE = True
    cache.clear()
    query = "?fy=2025&as_of=2025-06-30"
    kanto, kinki = tokyo.prefecture.bureau, osaka.prefecture.bureau

    def figures():
        national = client_for("admin").get(reverse("planning:national_dashboard") + query)
        kanto_rows = (
            client_for("kanto_officer")
            .get(reverse("planning:bureau_dashboard", args=[kanto.pk]) + query)
            .context["rows"]
        )
        kinki_rows = (
            client_for("kinki_officer")
            .get(reverse("planning:bureau_dashboard", args=[kinki.pk]) + query)
            .context["rows"]
        )
        center = client_for("tokyo_manager").get(
            reverse("planning:center_dashboard", args=[tokyo.pk]) + query
        )
        table = client_for("kanto_officer").get(
            reverse("consultations:indicator_table") + "?fy=2025"
        )

        def tokyo_of(rows):
            return next(r for r in rows if r.center == tokyo).item("consultations").actual

        return {
            "national": tokyo_of(national.context["rows"]),
            "kanto": tokyo_of(kanto_rows),
            "kinki": sum(r.item("consultations").actual for r in kinki_rows),
            "center": tokyo_of(center.context["rows"]),
            "month": center.context["months"][1]["values"][0],  # May
            "table": table.context["rows"][-1].values["consultations"],  # the scope's total
        }

    before = figures()
    assert figures() == before  # the second time from the cache
    with django_capture_on_commit_callbacks(execute=True):
        make_session(make_client(tokyo), D(2025, 5, 20))
    after = figures()
    assert after == {
        **before,
        "national": before["national"] + 1,
        "kanto": before["kanto"] + 1,
        "center": before["center"] + 1,
        "month": before["month"] + 1,
        "table": before["table"] + 1,
    }
