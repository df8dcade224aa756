"""Demo staff for the 47 centers, distributed like the real network.

About 1,000 people: one chief coordinator per center, coordinators and experts in
proportion to the prefecture's number of SMEs, HQ's advisory board, project
managers and supporters, and a few former staff so that histories show terms.
"""

import datetime
import random

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from .models import Assignment, Center, Person, Qualification, Role

# Approximate number of SMEs per prefecture, in thousands (2016 Economic Census).
SME_THOUSANDS = {
    "01": 146,
    "02": 43,
    "03": 41,
    "04": 55,
    "05": 35,
    "06": 41,
    "07": 66,
    "08": 86,
    "09": 65,
    "10": 71,
    "11": 167,
    "12": 130,
    "13": 413,
    "14": 195,
    "15": 84,
    "16": 36,
    "17": 43,
    "18": 30,
    "19": 33,
    "20": 81,
    "21": 72,
    "22": 127,
    "23": 206,
    "24": 57,
    "25": 40,
    "26": 86,
    "27": 270,
    "28": 152,
    "29": 34,
    "30": 38,
    "31": 18,
    "32": 25,
    "33": 57,
    "34": 89,
    "35": 41,
    "36": 26,
    "37": 34,
    "38": 48,
    "39": 25,
    "40": 141,
    "41": 25,
    "42": 43,
    "43": 53,
    "44": 37,
    "45": 35,
    "46": 55,
    "47": 40,
}

SURNAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
    ("小川", "オガワ"),
    ("岡田", "オカダ"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ"),
    ("健一", "ケンイチ"),
    ("誠", "マコト"),
    ("浩二", "コウジ"),
    ("大輔", "ダイスケ"),
    ("直樹", "ナオキ"),
    ("洋子", "ヨウコ"),
    ("恵美", "エミ"),
    ("裕子", "ユウコ"),
    ("真由美", "マユミ"),
    ("修", "オサム"),
    ("剛", "ツヨシ"),
    ("聡", "サトシ"),
    ("美穂", "ミホ"),
    ("智子", "トモコ"),
    ("隆", "タカシ"),
    ("和也", "カズヤ"),
    ("由紀", "ユキ"),
    ("拓也", "タクヤ"),
    ("明美", "アケミ"),
]

# Share of holders per qualification, from the source table (22 of 47 chief
# coordinators, 192 of about 600 coordinators hold 中小企業診断士, …).
CC_SHARES = {
    "中小企業診断士": 0.47,
    "税理士": 0.04,
    "社会保険労務士": 0.02,
    "販売士": 0.02,
    "ITコーディネーター": 0.06,
    "公認会計士": 0.02,
    "その他": 0.1,
}
CO_SHARES = {
    "中小企業診断士": 0.32,
    "税理士": 0.04,
    "社会保険労務士": 0.045,
    "ITコーディネーター": 0.047,
    "ファイナンシャル・プランニング技能士": 0.03,
    "販売士": 0.022,
    "弁理士": 0.02,
    "公認会計士": 0.007,
    "行政書士": 0.03,
    "司法書士": 0.005,
    "弁護士": 0.003,
    "技術士": 0.008,
    "情報処理技術者": 0.01,
    "ISO審査員": 0.007,
    "建築士": 0.012,
    "ウェブデザイン技能士": 0.005,
    "カラーコーディネーター": 0.01,
    "フードコーディネーター": 0.005,
    "不動産鑑定士": 0.002,
    "その他": 0.22,
}
EXPERT_SHARES = {
    "中小企業診断士": 0.25,
    "税理士": 0.15,
    "公認会計士": 0.05,
    "社会保険労務士": 0.1,
    "弁護士": 0.06,
    "弁理士": 0.05,
    "ITコーディネーター": 0.08,
    "その他": 0.2,
}
TOTAL_STAFF = 960  # center staff; HQ people come on top


def _name(rng):
    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
    return f"{surname[0]} {given[0]}", f"{surname[1]} {given[1]}"


def _pick(rng, shares, qualifications):
    return [qualifications[name] for name, share in shares.items() if rng.random() < share]


@transaction.atomic
def build(rng: random.Random, log) -> None:
    if Person.objects.exists():
        log("staff: already present, skipped")
        return
    qualifications = {q.name: q for q in Qualification.objects.all()}
    centers = list(Center.objects.order_by("code"))
    total_weight = sum(SME_THOUSANDS.values())
    fy_start = datetime.date(2025, 4, 1)
    people, assignments, held = [], [], []
    sequence = 0

    def add(role, center, shares, start, end=None):
        nonlocal sequence
        sequence += 1
        name, kana = _name(rng)
        person = Person(staff_code=f"S{sequence:05d}", name=name, kana=kana)
        people.append(person)
        assignments.append(
            Assignment(person=person, center=center, role=role, start_date=start, end_date=end)
        )
        held.append((person, _pick(rng, shares, qualifications)))

    for center in centers:
        size = max(6, round(TOTAL_STAFF * SME_THOUSANDS[center.code] / total_weight))
        start = fy_start - datetime.timedelta(days=365 * rng.randint(0, 4))
        add(Role.CHIEF_COORDINATOR, center, CC_SHARES, start)
        experts = max(1, size // 5)
        for _ in range(size - 1 - experts):
            begin = fy_start - datetime.timedelta(days=rng.randint(0, 2500))
            add(Role.COORDINATOR, center, CO_SHARES, begin)
        for _ in range(experts):
            add(
                Role.EXPERT,
                center,
                EXPERT_SHARES,
                fy_start - datetime.timedelta(days=rng.randint(0, 1500)),
            )
        # A former coordinator whose term ended last fiscal year.
        add(
            Role.COORDINATOR,
            center,
            CO_SHARES,
            datetime.date(2021, 4, 1),
            datetime.date(2025, 3, 31),
        )
    for role, count in ((Role.ADVISORY_BOARD, 5), (Role.PROJECT_MANAGER, 5), (Role.SUPPORTER, 20)):
        for _ in range(count):
            add(role, None, EXPERT_SHARES, datetime.date(2024, 4, 1))

    bulk_create_with_history(people, Person, batch_size=500)
    saved = {p.staff_code: p for p in Person.objects.all()}
    for assignment in assignments:
        assignment.person = saved[assignment.person.staff_code]
    bulk_create_with_history(assignments, Assignment, batch_size=500)
    through = Person.qualifications.through
    through.objects.bulk_create(
        [through(person=saved[p.staff_code], qualification=q) for p, qs in held for q in qs],
        batch_size=1000,
    )
    log(f"staff: {len(people)} people, {len(assignments)} assignments")
