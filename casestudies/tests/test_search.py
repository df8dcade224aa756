"""Japanese search: the same queries find the same case studies on SQLite and PostgreSQL.

Run on both: ``pytest casestudies/tests/test_search.py`` and again with
``DATABASE_URL=postgres://…``. The expected answers are written out, so both databases
are held to the same list."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from casestudies.models import CaseStudy
from casestudies.search import SearchFilters, search
from conftest import make_case_study

TEXTS = {
    "資金繰り": ("資金繰りの改善で黒字化", "金融機関との対話を重ね、資金繰りの改善に取り組んだ。"),
    "IT": ("IT導入で受発注を効率化", "クラウド型の受発注システムを導入し、残業を半減した。"),
    "ＥＣ": ("ＥＣサイトで全国へ販路拡大", "地元の菓子をネット通販で販売し、売上が増加した。"),
    "承継": ("親族内の事業承継を円滑に", "後継者の育成計画を作成し、事業承継を完了した。"),
    "創業": ("空き店舗でのカフェ創業", "創業計画の策定と融資の申請を支援した。"),
    "補助金": ("ものづくり補助金で新設備", "補助金を活用して新たな加工設備を導入した。"),
    "観光": ("観光客向け新商品の開発", "インバウンド向けの土産物を開発し、売上を伸ばした。"),
    "人材": ("人材定着で離職率を改善", "評価制度を見直し、従業員の定着を図った。"),
    "価格": ("価格転嫁で利益率を回復", "原価を見える化し、取引先と価格交渉を行った。"),
    "DX": ("ＤＸで在庫管理を刷新", "在庫をリアルタイムで把握できるようにした。"),
}

QUERIES = {
    "資金繰り": {"資金繰り"},  # inside 資金繰りの改善
    "IT導入": {"IT"},
    "ＩＴ導入": {"IT"},  # full-width query, half-width text
    "ec": {"ＥＣ"},  # half-width lower case, full-width text
    "ｄｘ": {"DX"},
    "承継": {"承継"},  # a two-character word
    "創業": {"創業"},
    "補助金 設備": {"補助金"},  # every word must occur
    "売上": {"ＥＣ", "観光"},
    "改善": {"資金繰り", "人材"},
    "カフェ": {"創業"},
    "存在しない言葉": set(),
}


@pytest.fixture
def studies(tokyo, osaka):
    made = {}
    for number, (key, (title, summary)) in enumerate(TEXTS.items()):
        made[key] = make_case_study(
            tokyo if number % 2 else osaka,
            status="published",
            title=title,
            summary=summary,
            published_on=datetime.date(2025, 10, 1),
        )
    return made


@pytest.mark.parametrize("query", list(QUERIES))
def test_each_japanese_query_finds_the_same_case_studies(studies, query):
    found = search(CaseStudy.objects.all(), SearchFilters(query=query))
    expected = {studies[key].pk for key in QUERIES[query]}
    assert set(found.values_list("pk", flat=True)) == expected, (connection.vendor, query)


def test_the_filters_narrow_the_results(studies, tokyo, osaka):
    studies["IT"].support_kinds = ["it"]
    studies["IT"].value_added_growth = 12
    studies["IT"].save()
    studies["ＥＣ"].value_added_growth = 5
    studies["ＥＣ"].save()
    every = CaseStudy.objects.all()
    assert list(search(every, SearchFilters(support_kind="it"))) == [studies["IT"]]
    assert set(search(every, SearchFilters(min_growth=10))) == {studies["IT"]}
    assert set(search(every, SearchFilters(query="売上", prefecture=tokyo.prefecture_id))) == {
        s for s in (studies["ＥＣ"], studies["観光"]) if s.center == tokyo
    }


def test_the_public_page_searches_and_ignores_nonsense_filters(client, studies):
    page = client.get(reverse("casestudies:public_list"), {"q": "ＩＴ導入", "min_growth": "x"})
    text = page.content.decode()
    assert page.status_code == 200
    assert studies["IT"].title in text and studies["資金繰り"].title not in text


def test_the_priority_field_filter_on_the_public_page(client, studies):
    from consultations.models import PriorityField

    field = PriorityField.objects.get(name="DX推進")
    studies["DX"].priority_fields.set([field])
    page = client.get(reverse("casestudies:public_list"), {"priority_field": field.pk})
    text = page.content.decode()
    assert studies["DX"].title in text and studies["IT"].title not in text
