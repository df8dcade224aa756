"""Impact records come in through the records importer: all or nothing, per-cell messages."""

import pytest

from casestudies.models import ImpactRecord
from conftest import make_client
from core.imports import KINDS, run_import
from core.tabular import Table

HEADERS = [
    "成果ID",
    "相談者ID",
    "拠点",
    "時点",
    "区分",
    "出典",
    "売上高",
    "営業利益",
    "人件費",
    "減価償却費",
    "従業員数",
    "資金調達額",
    "調達先",
    "新商品・新サービス",
    "創業日",
]


def table(*rows):
    return Table(
        headers=HEADERS,
        rows=[(n + 2, dict(zip(HEADERS, row, strict=True))) for n, row in enumerate(rows)],
    )


@pytest.fixture
def firm(tokyo):
    return make_client(tokyo, "株式会社よろず製作所", external_id="C0001")


def test_the_template_rows_import_and_value_added_is_computed(firm, personas):
    result = run_import(
        "impact", table(*KINDS["impact"].template()), user=personas["tokyo_coordinator"]
    )
    assert result.ok, result.problems
    assert result.created == 2
    later = ImpactRecord.objects.get(external_id="R0002")
    assert later.client == firm and later.value_added == 6_000_000 + 28_000_000 + 2_500_000
    assert later.funding_amount == 10_000_000 and later.funding_source == "日本政策金融公庫"
    again = run_import(
        "impact", table(*KINDS["impact"].template()), user=personas["tokyo_coordinator"]
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_one_bad_row_writes_nothing_and_says_where(firm, personas):
    good, bad = KINDS["impact"].template()
    bad = list(bad)
    bad[7] = "たくさん"  # 営業利益
    bad[4] = "いつか"  # 区分
    result = run_import("impact", table(good, bad), user=personas["tokyo_coordinator"])
    assert not result.ok and ImpactRecord.objects.count() == 0
    assert {(p.row, p.column) for p in result.problems} == {(3, "営業利益"), (3, "区分")}


def test_a_loss_is_written_with_a_minus_or_a_triangle(firm, personas):
    row = list(KINDS["impact"].template()[0])
    row[7] = "▲1,500,000"
    result = run_import("impact", table(row), user=personas["tokyo_coordinator"])
    assert result.ok, result.problems
    assert ImpactRecord.objects.get().operating_profit == -1_500_000
