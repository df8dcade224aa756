"""Demo liaison: HQ's meetings, joint seminars and referrals with the national
institutions over this fiscal year and the last, and its publicity requests."""

import datetime

from django.db import transaction

from accounts.models import User, UserRole
from consultations.models import NetworkKind
from core.fiscal import fiscal_year_of

from .models import HQActivity, Medium, NationalInstitution, PublicityRequest, PublicityStatus

# (months after the start of the fiscal year, kind, institutions, description)
ACTIVITIES = [
    (
        0,
        NetworkKind.MEETING,
        ["日本商工会議所", "全国商工会連合会"],
        "年度の活動方針の共有と、拠点と各地の商工会・商工会議所の連携強化について意見交換。",
    ),
    (
        1,
        NetworkKind.MEETING,
        ["株式会社日本政策金融公庫"],
        "資金繰り相談の紹介ルールの見直しと、拠点向け融資制度説明会の日程調整。",
    ),
    (
        2,
        NetworkKind.SEMINAR,
        ["独立行政法人日本貿易振興機構（JETRO）"],
        "海外展開を目指す中小企業向けの共同オンラインセミナー（全国の拠点へ配信）。",
    ),
    (
        3,
        NetworkKind.REFERRAL,
        ["独立行政法人中小企業基盤整備機構"],
        "事業承継・引継ぎ支援センターとの相互紹介の手順を確認。",
    ),
    (
        4,
        NetworkKind.MEETING,
        ["全国中小企業団体中央会"],
        "組合向け相談会への拠点コーディネーターの派遣について協議。",
    ),
    (
        5,
        NetworkKind.SEMINAR,
        ["一般社団法人全国信用金庫協会", "一般社団法人全国地方銀行協会"],
        "金融機関の渉外担当者向けに、よろず支援拠点の活用事例を紹介。",
    ),
    (
        7,
        NetworkKind.MEETING,
        ["独立行政法人情報処理推進機構（IPA）"],
        "中小企業のセキュリティ対策支援での連携について意見交換。",
    ),
    (
        9,
        NetworkKind.OUTREACH,
        ["日本商工会議所"],
        "全国商工会議所の経営指導員研修で拠点の相談事例を講演。",
    ),
]
PUBLICITY = [
    (
        0,
        "日本商工会議所",
        Medium.BULLETIN,
        "会報誌「石垣」への拠点紹介記事の掲載依頼",
        PublicityStatus.PUBLISHED,
    ),
    (
        1,
        "全国商工会連合会",
        Medium.WEBSITE,
        "会員向けサイトへの相談窓口リンク掲載",
        PublicityStatus.PUBLISHED,
    ),
    (
        3,
        "株式会社日本政策金融公庫",
        Medium.LEAFLET,
        "支店窓口への拠点リーフレット配架",
        PublicityStatus.PUBLISHED,
    ),
    (
        5,
        "一般社団法人全国銀行協会",
        Medium.NEWSLETTER,
        "会員行向けメールマガジンでの事例集の紹介",
        PublicityStatus.REQUESTED,
    ),
    (
        8,
        "全国中小企業団体中央会",
        Medium.EVENT,
        "全国大会での拠点紹介ブース出展",
        PublicityStatus.DECLINED,
    ),
]


def _on(fy: int, months: int, day: int = 10) -> datetime.date:
    month = 4 + months
    return datetime.date(fy + (month - 1) // 12, (month - 1) % 12 + 1, day)


@transaction.atomic
def build(rng, log) -> None:
    if HQActivity.objects.exists():
        log("liaison: already present, skipped")
        return
    from django.apps import apps

    from .master_data import load

    load(apps)  # the master data (after a flush, it is not there)
    hq = User.objects.filter(role=UserRole.HQ_STAFF).first()
    today = datetime.date.today()
    institutions = {i.name: i for i in NationalInstitution.objects.all()}
    current = fiscal_year_of(today)
    count = 0
    for fy in (current - 1, current):
        for months, kind, names, description in ACTIVITIES:
            date = _on(fy, months, rng.randint(5, 25))
            if date > today:
                continue
            activity = HQActivity.objects.create(
                date=date, kind=kind, description=description, recorded_by=hq
            )
            activity.institutions.set([institutions[n] for n in names])
            count += 1
        for months, name, medium, subject, status in PUBLICITY:
            date = _on(fy, months)
            if date > today:
                continue
            PublicityRequest.objects.create(
                requested_on=date,
                institution=institutions[name],
                medium=medium,
                subject=subject,
                status=status,
                published_on=date + datetime.timedelta(days=30)
                if status == PublicityStatus.PUBLISHED
                else None,
                recorded_by=hq,
            )
    log(f"liaison: {count} HQ activities with national institutions, publicity requests")
