"""Impact records (成果), a kind of the one import (core.imports): the same page, template,
checks and all-or-nothing write as the consultation records."""

from django.db import transaction
from django.utils.translation import gettext_lazy

from consultations.imports import _Importer
from core import imports
from core.imports import Kind, Row, choice, choice_words
from core.imports.records import date_cell, integer, max_length, raw_text, runner

from .models import ImpactPoint, ImpactRecord, ImpactSource

POINTS = choice_words(
    ImpactPoint,
    {
        ImpactPoint.INTAKE: ["初回", "相談開始時", "intake"],
        ImpactPoint.FOLLOW_UP: ["フォローアップ", "追跡", "follow-up", "follow_up"],
    },
)
SOURCES = choice_words(
    ImpactSource,
    {
        ImpactSource.CLIENT: ["本人申告", "相談者申告", "client"],
        ImpactSource.STATEMENTS: ["決算書", "財務諸表", "statements"],
        ImpactSource.SURVEY: ["調査", "アンケート", "survey"],
    },
)
# Amounts in yen: up to a trillion either way (a loss is negative).
YEN = 10**12

AMOUNTS = ("sales", "operating_profit", "personnel_costs", "depreciation")


def _yen(raw, txt: str) -> int:
    negative = txt.startswith(("-", "▲", "△"))
    body = txt.lstrip("-▲△")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return integer(raw, txt, -YEN, YEN)
    value = integer(None, body, 0, YEN)
    return -value if negative else value


class ImpactImporter(_Importer):
    fields = (
        "external_id",
        "client_id",
        "center_id",
        "recorded_on",
        "point",
        "source",
        *AMOUNTS,
        "employees",
        "funding_amount",
        "funding_source",
        "new_products",
        "founded_on",
    )

    def load(self):
        self.load_clients()

    def check_row(self, number, cells, texts, external_id):
        p = self.parse
        center = self.center(number, texts["center"])
        values = {
            "external_id": external_id,
            "client_id": self.client(number, texts["client"], center),
            "center_id": center,
            "recorded_on": None,
            "point": "",
            "source": "",
            "employees": None,
            "funding_amount": None,
            "founded_on": None,
            "funding_source": "",
            "new_products": raw_text(cells["new_products"]),
        }
        for key in ("recorded_on", "founded_on"):
            if texts[key]:
                values[key] = p(number, key, date_cell, cells[key], texts[key])
        if texts["point"]:
            values["point"] = p(number, "point", choice, texts["point"], POINTS)
        if texts["source"]:
            values["source"] = p(number, "source", choice, texts["source"], SOURCES)
        for key in AMOUNTS:
            values[key] = p(number, key, _yen, cells[key], texts[key]) if texts[key] else None
        if texts["employees"]:
            values["employees"] = p(
                number, "employees", integer, cells["employees"], texts["employees"], 0, 10**6
            )
        if texts["funding_amount"]:
            values["funding_amount"] = p(
                number,
                "funding_amount",
                integer,
                cells["funding_amount"],
                texts["funding_amount"],
                0,
                YEN,
            )
        values["funding_source"] = (
            p(
                number,
                "funding_source",
                max_length,
                raw_text(cells["funding_source"]),
                ImpactRecord,
                "funding_source",
            )
            or ""
        )
        return Row(number, external_id, values)

    def write_rows(self, creates, changes, stamp):
        """Plain ORM writes (value added is the database's own column; no history kept)."""
        with transaction.atomic():
            ImpactRecord.objects.bulk_create(
                [ImpactRecord(**row.values) for row in creates], batch_size=2000
            )
            objects = ImpactRecord.objects.in_bulk([pk for pk, _row, _c in changes])
            changed_fields = set()
            for pk, row, changed in changes:
                for name in changed:
                    setattr(objects[pk], name, row.values[name])
                changed_fields.update(changed)
            if changes:
                ImpactRecord.objects.bulk_update(list(objects.values()), sorted(changed_fields))


TEMPLATE = [
    [
        "R0001",
        "C0001",
        "東京都",
        "2025-04-01",
        "初回",
        "決算書",
        120000000,
        3000000,
        25000000,
        2000000,
        12,
        "",
        "",
        "",
        "",
    ],
    [
        "R0002",
        "C0001",
        "東京都",
        "2026-03-31",
        "フォローアップ",
        "本人申告",
        150000000,
        6000000,
        28000000,
        2500000,
        14,
        10000000,
        "日本政策金融公庫",
        "EC向け新商品",
        "",
    ],
]


IMPACT = Kind(
    key="impact",
    title="成果",
    label=gettext_lazy("Impact records (成果)"),
    model=ImpactRecord,
    columns={
        "external_id": "成果ID",
        "client": "相談者ID",
        "center": "拠点",
        "recorded_on": "時点",
        "point": "区分",
        "source": "出典",
        "sales": "売上高",
        "operating_profit": "営業利益",
        "personnel_costs": "人件費",
        "depreciation": "減価償却費",
        "employees": "従業員数",
        "funding_amount": "資金調達額",
        "funding_source": "調達先",
        "new_products": "新商品・新サービス",
        "founded_on": "創業日",
    },
    required=("external_id", "client", "center", "recorded_on", "point", "source"),
    list_url="consultations:client_list",
    run=runner(ImpactImporter),
    template=lambda: TEMPLATE,
    notes={
        "external_id": "the impact record's ID in your system",
        "client": "the client; must already exist",
        "center": "the center",
        "recorded_on": "the date the figures are for",
        "point": "at intake or at a follow-up",
        "source": "where the figures come from",
        "sales": "sales in yen (a loss as -, ▲ or △)",
        "operating_profit": "operating profit in yen",
        "personnel_costs": "personnel costs in yen",
        "depreciation": "depreciation in yen",
        "employees": "number of employees",
        "funding_amount": "funding obtained in yen",
        "funding_source": "who provided the funding",
        "new_products": "new products or services (free text)",
        "founded_on": "the date the business was founded",
    },
    choices={"point": POINTS, "source": SOURCES},
    natural_key="成果ID within the center (拠点)",
    order=60,
)


def register():
    imports.register(IMPACT)
