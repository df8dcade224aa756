"""Benchmark the Japanese text search on PostgreSQL: 100,000 sessions' summaries and
10,000 case studies. Not a test and never run by CI::

    .venv/bin/python bench/search.py [--database-url postgres://postgres@127.0.0.1:5432/yorozu_search_bench] [--drop]

It creates and migrates its own database (``yorozu_search_bench``), fills it once (47
centers, 10,000 clients and solved cases with a published case study each, 100,000
sessions with Japanese summaries), analyses it, then times each query (median of 7):

- ``casestudies.search.search`` over the published case studies, a page of 20
  (the public page), for typical queries including a two-character word;
- the sessions list's text filter (``ConsultationFilterSet.filter_text``) for the nation,
  its first page of 50 in the list's order.

Target: under 100 ms for a typical query (issue 18).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yorozu_search_bench"
TARGET_MS = 100
STUDIES, SESSIONS = 10_000, 100_000
QUERIES = [
    "資金繰り",
    "IT導入",
    "ＩＴ導入",
    "事業承継",
    "承継",
    "販路 開拓",
    "補助金 設備",
    "存在しない言葉",
]

PHRASES = [
    "資金繰りの改善について相談",
    "IT導入補助金の申請手続き",
    "事業承継の進め方",
    "販路開拓のための展示会出展",
    "創業計画書の作成支援",
    "ECサイトの売上向上策",
    "人材採用と定着の課題",
    "価格転嫁と原価管理",
    "ものづくり補助金で新設備を導入",
    "インバウンド向け新商品の開発",
    "クラウド会計の導入",
    "商標登録とブランド戦略",
    "金融機関との返済条件の相談",
    "店舗の集客とSNS活用",
    "海外展開と輸出手続き",
    "生産工程の見直し",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yorozu.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from bench.records import create_database, drop_database

    create_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        fill()
        run()
    finally:
        if args.drop:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


def fill():
    from django.db import connection, transaction

    from casestudies.models import CaseStudy
    from casestudies.search import normalise
    from consultations.models import Case, Client, Consultation
    from organizations.models import Center

    if CaseStudy.objects.count() >= STUDIES:
        print("data already there")
        return
    rng = random.Random(2026)
    started = time.perf_counter()
    centers = list(Center.objects.select_related("prefecture"))
    day = datetime.date(2025, 4, 1)
    with transaction.atomic():
        clients = Client.objects.bulk_create(
            [
                Client(
                    home_center=centers[i % 47],
                    business_name=f"ベンチ商事{i}",
                    name_key=f"ベンチ商事{i}",
                    form="corporation",
                )
                for i in range(STUDIES)
            ],
            batch_size=5000,
        )
        cases = Case.objects.bulk_create(
            [
                Case(
                    client=c,
                    center=c.home_center,
                    title=rng.choice(PHRASES),
                    opened_on=day,
                    status="solved",
                    resolved_on=day + datetime.timedelta(days=rng.randint(10, 300)),
                    resolution_kind="sales_up",
                )
                for c in clients
            ],
            batch_size=5000,
        )
        studies = []
        for case in cases:
            text = "。".join(rng.sample(PHRASES, 4))
            title = rng.choice(PHRASES)
            studies.append(
                CaseStudy(
                    case=case,
                    center=case.center,
                    title=title,
                    summary=text,
                    prefecture_id=centers[case.center_id % 47].prefecture_id,
                    status="published",
                    published_on=case.resolved_on,
                    search_text=normalise(f"{title} {text}"),
                )
            )
        CaseStudy.objects.bulk_create(studies, batch_size=5000)
        Consultation.objects.bulk_create(
            [
                Consultation(
                    center=clients[i % STUDIES].home_center,
                    client=clients[i % STUDIES],
                    date=day + datetime.timedelta(days=i % 365),
                    mode="visit",
                    summary="。".join(rng.sample(PHRASES, 2)),
                )
                for i in range(SESSIONS)
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - started:.1f} s")


def timed(function, runs=7):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run():
    from accounts.models import User
    from casestudies.models import CaseStudy
    from casestudies.search import SearchFilters, search
    from consultations.filtersets import ConsultationFilterSet
    from consultations.models import Consultation
    from core import roles

    admin = User(username="bench", role=roles.AGENCY_ADMIN)
    rows = []

    def studies_page(query):
        published = CaseStudy.objects.published()
        return list(
            search(published, SearchFilters(query=query)).order_by("-published_on", "-id")[:20]
        )

    filterset = ConsultationFilterSet.__new__(ConsultationFilterSet)  # only its text filter
    sessions = Consultation.objects.for_user(admin).order_by("-date", "-id")

    def sessions_page(query):
        return list(filterset.filter_text(sessions, "q", query)[:50])

    for query in QUERIES:
        found = search(CaseStudy.objects.published(), SearchFilters(query=query)).count()
        rows.append(("case studies", query, found, timed(lambda q=query: studies_page(q))))
    for query in QUERIES[:5]:
        rows.append(("sessions", query, "", timed(lambda q=query: sessions_page(q))))
    print(f"{'what':<14}{'query':<16}{'found':>8}{'ms':>10}  target {TARGET_MS} ms")
    for what, query, found, ms in rows:
        verdict = "PASS" if ms < TARGET_MS else "FAIL"
        print(f"{what:<14}{query:<16}{found!s:>8}{ms:>10.1f}  {verdict}")


if __name__ == "__main__":
    main()
