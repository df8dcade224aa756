"""Impact records (成果): value added by the Agency's definition, and the impact
indicators counted by hand for two centers and the nation."""

import datetime
import io

import pytest
from django.core.management import call_command

from casestudies.impact import compute_impact, impact_table
from casestudies.models import ImpactPoint, ImpactRecord, ImpactSource
from conftest import make_client
from core.fiscal import Period
from organizations.models import Center

FY2025 = Period.fiscal_year(2025)


def figures(
    client,
    center,
    day,
    *,
    profit,
    personnel,
    depreciation,
    employees=None,
    funding=None,
    point=ImpactPoint.FOLLOW_UP,
):
    return ImpactRecord.objects.create(
        client=client,
        center=center,
        recorded_on=day,
        point=point,
        source=ImpactSource.CLIENT,
        operating_profit=profit,
        personnel_costs=personnel,
        depreciation=depreciation,
        employees=employees,
        funding_amount=funding,
    )


def test_value_added_is_operating_profit_plus_personnel_costs_plus_depreciation(tokyo):
    record = figures(
        make_client(tokyo),
        tokyo,
        datetime.date(2025, 5, 1),
        profit=1_200_000,
        personnel=8_000_000,
        depreciation=500_000,
    )
    record.refresh_from_db()
    # 1,200,000 + 8,000,000 + 500,000, added by hand.
    assert record.value_added == 9_700_000


def test_value_added_is_missing_when_one_of_its_parts_is(tokyo):
    record = figures(
        make_client(tokyo),
        tokyo,
        datetime.date(2025, 5, 1),
        profit=-300_000,
        personnel=None,
        depreciation=100,
    )
    record.refresh_from_db()
    assert record.value_added is None
    loss = figures(
        make_client(tokyo),
        tokyo,
        datetime.date(2025, 5, 1),
        profit=-3_000_000,
        personnel=1_000_000,
        depreciation=0,
    )
    loss.refresh_from_db()
    assert loss.value_added == -2_000_000  # a loss can make value added negative


@pytest.fixture
def two_centers(tokyo, osaka):
    """Tokyo: A up by 3,000 (2 jobs, 5,000,000 funding), B down by 1,000 (−1 job),
    C with an intake only; a record of A after the fiscal year is not counted.
    Osaka: D up by 500 (baseline before the year; 1 job), funding 2,000,000 in the year
    and 9,999 the year before (not counted)."""
    intake, mid, late = (
        datetime.date(2025, 4, 10),
        datetime.date(2025, 10, 1),
        datetime.date(2026, 2, 1),
    )
    a, b, c = make_client(tokyo), make_client(tokyo), make_client(tokyo)
    figures(
        a,
        tokyo,
        intake,
        profit=1000,
        personnel=5000,
        depreciation=0,
        employees=5,
        point=ImpactPoint.INTAKE,
    )
    figures(
        a, tokyo, mid, profit=2000, personnel=5500, depreciation=500, employees=6, funding=5_000_000
    )
    figures(
        a, tokyo, late, profit=3000, personnel=6000, depreciation=0, employees=7
    )  # 9000 vs 6000
    figures(
        a,
        tokyo,
        datetime.date(2026, 5, 1),
        profit=9_999_999,
        personnel=0,
        depreciation=0,
        employees=50,
    )
    figures(
        b,
        tokyo,
        intake,
        profit=2000,
        personnel=2000,
        depreciation=0,
        employees=3,
        point=ImpactPoint.INTAKE,
    )
    figures(
        b, tokyo, late, profit=1000, personnel=2000, depreciation=0, employees=2
    )  # 3000 vs 4000
    figures(
        c,
        tokyo,
        intake,
        profit=100,
        personnel=100,
        depreciation=0,
        employees=1,
        point=ImpactPoint.INTAKE,
    )
    d = make_client(osaka)
    figures(
        d,
        osaka,
        datetime.date(2024, 6, 1),
        profit=0,
        personnel=1000,
        depreciation=0,
        employees=4,
        funding=9_999,
        point=ImpactPoint.INTAKE,
    )
    figures(
        d, osaka, mid, profit=500, personnel=1000, depreciation=0, employees=5, funding=2_000_000
    )
    return tokyo, osaka


TOKYO = {
    "clients_value_added_up": 1,
    "value_added_growth": 3000 - 1000,
    "jobs_created": 2 - 1,
    "funding_obtained": 5_000_000,
}
OSAKA = {
    "clients_value_added_up": 1,
    "value_added_growth": 500,
    "jobs_created": 1,
    "funding_obtained": 2_000_000,
}
NATION = {code: TOKYO[code] + OSAKA[code] for code in TOKYO}


def test_impact_indicators_equal_a_hand_count_for_two_centers_and_the_nation(two_centers):
    tokyo, osaka = two_centers
    assert compute_impact(period=FY2025, centers=[tokyo]) == TOKYO
    assert compute_impact(period=FY2025, centers=[osaka]) == OSAKA
    assert compute_impact(period=FY2025) == NATION
    by_center = compute_impact(period=FY2025, group="center")
    assert by_center == {tokyo.pk: TOKYO, osaka.pk: OSAKA}
    table = impact_table(period=FY2025, centers=Center.objects.all())
    assert table[None] == NATION and table[tokyo.pk] == TOKYO


def test_the_indicators_command_prints_the_impact_columns_with_impact(two_centers):
    out = io.StringIO()
    call_command("indicators", fy=2025, with_impact=True, stdout=out)
    lines = [line.split(",") for line in out.getvalue().splitlines()]
    header = lines[0]
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}
    for name, expected in (
        ("東京都よろず支援拠点", TOKYO),
        ("大阪府よろず支援拠点", OSAKA),
        ("total", NATION),
    ):
        assert {code: int(rows[name][code]) for code in expected} == expected, name
    plain = io.StringIO()
    call_command("indicators", fy=2025, stdout=plain)
    assert "jobs_created" not in plain.getvalue()


def test_the_indicator_page_shows_the_same_impact_figures(two_centers, client_for):
    import re

    from django.urls import reverse

    page = client_for("hq").get(reverse("consultations:indicator_table"), {"fy": 2025})
    html = page.content.decode()
    table = html[html.index('data-testid="impact-table"') :]
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td>(.*?)</tr>", table, re.S)
    cells = {
        name: [int(v.replace(",", "")) for v in re.findall(r'class="num">([^<]+)<', body)]
        for name, body in rows
    }
    codes = list(TOKYO)
    assert dict(zip(codes, cells["東京都よろず支援拠点"], strict=True)) == TOKYO
    assert dict(zip(codes, cells["大阪府よろず支援拠点"], strict=True)) == OSAKA
    total = [v for name, v in cells.items() if "よろず" not in name]
    assert dict(zip(codes, total[-1], strict=True)) == NATION


def test_the_center_records_figures_from_the_client_page(client_for, personas, tokyo, osaka):
    from django.urls import reverse

    firm = make_client(tokyo)
    web = client_for("tokyo_coordinator")
    page = web.get(firm.get_absolute_url()).content.decode()
    assert 'data-testid="record-impact"' in page
    form = {
        "client": firm.pk,
        "center": tokyo.pk,
        "recorded_on": "2025-04-01",
        "point": "intake",
        "source": "statements",
        "operating_profit": "1000000",
        "personnel_costs": "5000000",
        "depreciation": "200000",
        "employees": "8",
    }
    response = web.post(reverse("casestudies:impact_create"), form)
    assert response.status_code == 302
    assert ImpactRecord.objects.get().value_added == 6_200_000
    assert "6,200,000" in web.get(firm.get_absolute_url()).content.decode()
    # Another center's client is not a choice: nothing is written.
    stranger = make_client(osaka)
    web.post(reverse("casestudies:impact_create"), {**form, "client": stranger.pk})
    assert ImpactRecord.objects.count() == 1
    # Osaka's staff do not see Tokyo's figures.
    assert not ImpactRecord.objects.for_user(personas["osaka_coordinator"]).exists()
    assert ImpactRecord.objects.for_user(personas["tokyo_manager"]).count() == 1
