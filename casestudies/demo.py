"""Demo case studies and impact figures: about 150 case studies over the 47 centers.

Each is written from one of the center's solved cases, in Japanese, from a text per topic
(the client's situation, what the center did, the results); its client gets figures at
intake and a year later. Most are published, some wait for consent or HQ's approval.
"""

import datetime

from django.db import transaction

from consultations.models import Case, CaseStatus
from organizations.models import Center

from .models import CaseStudy, CaseStudyStatus, ImpactPoint, ImpactRecord, ImpactSource
from .search import normalise

PER_CENTER = (2, 3, 3, 4, 4)  # drawn per center: about 150 in all

# Per topic: titles, the situation, what the center did, the results, kinds of support.
STORIES = {
    "売上拡大": (
        [
            "地元食材の加工品でECに挑戦し売上拡大",
            "老舗和菓子店が新商品で若年層を開拓",
            "町の工務店がリフォーム提案で受注増",
        ],
        "主要取引先への依存度が高く、売上が数年横ばいで推移していた。新たな顧客層の開拓が課題だった。",
        "コーディネーターが強みの棚卸しを行い、ターゲットを絞った商品構成と販売チャネルを提案。専門家とともにECサイトの商品ページと写真を改善した。",
        "新商品の投入とネット販売の開始により、1年で売上が約2割増加した。",
        ["consultation", "sales", "it"],
    ),
    "経営改善・事業再生": (
        ["赤字続きの製造業が原価管理で黒字転換", "金融機関と連携した経営改善計画の策定"],
        "原材料高騰の影響で営業赤字が続き、借入金の返済が重荷になっていた。",
        "製品別の原価計算を整備し、不採算品の見直しと価格交渉を支援。取引金融機関を交えて経営改善計画を策定した。",
        "粗利率が5ポイント改善し、2期ぶりに営業黒字を確保した。",
        ["consultation", "expert", "financing"],
    ),
    "創業": (
        ["空き店舗を活用したカフェの創業", "子育て経験を生かした地域密着型の教室を開業"],
        "会社員として働きながら創業を志していたが、事業計画や資金調達の進め方がわからなかった。",
        "創業計画書の作成を伴走支援し、日本政策金融公庫の創業融資の申請と商工会の創業セミナーへの参加につないだ。",
        "創業融資を受けて開業し、開業半年で月次黒字を達成した。",
        ["consultation", "financing", "referral"],
    ),
    "事業承継": (
        ["親族内承継で二代目が新事業に挑戦", "従業員への事業承継を円滑に実現"],
        "経営者が高齢となり後継者への引継ぎを考えていたが、株式や借入金の整理が進んでいなかった。",
        "事業承継・引継ぎ支援センターと連携し、承継計画の作成、株式の移転、金融機関への説明を支援した。",
        "後継者への代表交代を完了し、新体制で新規取引先を獲得した。",
        ["consultation", "referral", "expert"],
    ),
    "資金繰り": (
        ["資金繰りの改善で黒字倒産の危機を回避", "資金繰り表の作成で金融機関との対話を改善"],
        "売掛金の回収が遅れ、仕入代金の支払いに資金が不足する月が続いていた。",
        "資金繰り表の作成を支援し、回収条件の見直しと金融機関への返済条件変更の相談に同行した。",
        "資金繰りが安定し、運転資金の借入を受けて仕入を拡大できた。",
        ["consultation", "financing"],
    ),
    "IT・DX": (
        [
            "IT導入で受発注業務を効率化",
            "クラウド会計の導入で月次決算を早期化",
            "ＤＸで在庫管理を刷新した卸売業",
        ],
        "受発注を電話とFAXで行っており、入力ミスや残業が多く、人手不足が深刻だった。",
        "業務の流れを整理したうえでクラウド型の受発注システムを選定し、IT導入補助金の申請と導入後の定着を支援した。",
        "受発注の処理時間が半減し、残業代の削減と新規顧客の受け入れが可能になった。",
        ["consultation", "it", "subsidy"],
    ),
    "人材": (
        ["評価制度の見直しで若手の定着率が向上", "多能工化で人手不足を乗り越えた介護事業所"],
        "若手従業員の離職が続き、採用しても定着しないことが経営の課題だった。",
        "社会保険労務士と連携して評価・賃金制度を見直し、育成計画と面談の仕組みづくりを支援した。",
        "離職率が大きく下がり、新たに2名を正社員として採用した。",
        ["consultation", "expert"],
    ),
    "海外展開": (
        ["日本酒の輸出で海外の販路を開拓", "越境ECで工芸品を海外へ"],
        "国内市場の縮小を受けて海外での販売を検討していたが、輸出の手続きや取引先探しに不安があった。",
        "JETROと連携して輸出手続きを整理し、海外向けの商品説明と越境ECの出店を支援した。",
        "初年度に3か国へ輸出を開始し、売上の1割を海外が占めるようになった。",
        ["consultation", "referral", "sales"],
    ),
    "生産性向上": (
        ["ものづくり補助金で新設備を導入し生産性向上", "工程の見直しで納期を短縮した町工場"],
        "設備の老朽化で不良率が高く、受注を増やしたくても生産能力が足りなかった。",
        "工程を分析して改善点を整理し、ものづくり補助金の事業計画作成を支援した。",
        "新設備の導入で生産能力が3割向上し、不良率も半減した。",
        ["consultation", "subsidy", "expert"],
    ),
    "知的財産": (
        ["商標登録でブランドを守り販路を拡大", "特許を活用した共同開発を実現"],
        "自社の人気商品の名称を他社に使われるおそれがあり、ブランドの保護が課題だった。",
        "知財総合支援窓口と弁理士につなぎ、商標出願とブランド戦略の整理を支援した。",
        "商標を取得し、百貨店との取引を始めることができた。",
        ["consultation", "referral"],
    ),
}
SIZES = ["従業員5人以下", "従業員6〜20人", "従業員21〜50人", "従業員51人以上"]


@transaction.atomic
def build(rng, log) -> None:
    if CaseStudy.objects.exists():
        log("case studies: already there")
        return
    today = datetime.date.today()
    studies, impacts = [], []
    topics_of = {}
    for center in Center.objects.select_related("prefecture").order_by("code"):
        wanted = rng.choice(PER_CENTER)
        cases = list(
            Case.objects.filter(center=center, status=CaseStatus.SOLVED, topics__name__in=STORIES)
            .select_related("client")
            .prefetch_related("topics")
            .order_by("id")[:200]
        )
        seen = set()
        for case in rng.sample(cases, min(len(cases), wanted * 2)):
            if case.pk in seen or len(seen) >= wanted:
                continue
            seen.add(case.pk)
            topic = next(t for t in case.topics.all() if t.name in STORIES)
            titles, situation, support, results, kinds = STORIES[topic.name]
            intake, later = _figures(rng, case, center, today)
            impacts += [intake, later]
            growth = None
            if intake.operating_profit is not None:
                before = intake.operating_profit + intake.personnel_costs + intake.depreciation
                after = later.operating_profit + later.personnel_costs + later.depreciation
                growth = round((after - before) * 100 / before, 1) if before > 0 else None
            status = rng.choices(
                [CaseStudyStatus.PUBLISHED, CaseStudyStatus.CONSENTED, CaseStudyStatus.DRAFT],
                [7, 1, 2],
            )[0]
            published = case.resolved_on + datetime.timedelta(days=rng.randint(30, 120))
            if published >= today:
                status = CaseStudyStatus.CONSENTED
            title = rng.choice(titles)
            study = CaseStudy(
                case=case,
                center=center,
                title=title,
                summary=f"{center.prefecture.name}の事業者が、よろず支援拠点の支援を受けて課題を解決した事例。{results}",
                situation=situation,
                support=support,
                results=results,
                support_kinds=kinds,
                industry=case.client.industry,
                prefecture=center.prefecture,
                size_band=rng.choice(SIZES),
                value_added_growth=growth,
                status=status,
                published_on=published if status == CaseStudyStatus.PUBLISHED else None,
                consent_document_name="" if status == CaseStudyStatus.DRAFT else "同意書.pdf",
                consent_document_type="application/pdf",
                consent_document=None if status == CaseStudyStatus.DRAFT else b"%PDF-1.4 demo",
            )
            study.search_text = normalise(
                " ".join([title, study.summary, situation, support, results])
            )
            studies.append(study)
            topics_of[len(studies) - 1] = [t.pk for t in case.topics.all()]
    ImpactRecord.objects.bulk_create(impacts)
    CaseStudy.objects.bulk_create(studies)
    through = CaseStudy.topics.through
    through.objects.bulk_create(
        [
            through(casestudy_id=study.pk, topic_id=topic)
            for index, study in enumerate(studies)
            for topic in topics_of[index]
        ]
    )
    log(f"case studies: {len(studies)} with {len(impacts)} impact records")


def _figures(rng, case, center, today):
    """Figures at intake and about a year later (in yen), mostly better after the support."""
    employees = rng.randint(1, 60)
    sales = employees * rng.randint(8, 25) * 1_000_000
    personnel = int(employees * rng.randint(3_000_000, 4_500_000))
    depreciation = int(sales * rng.uniform(0.01, 0.05))
    profit = int(sales * rng.uniform(-0.05, 0.06))
    grow = rng.uniform(-0.05, 0.35)
    intake = ImpactRecord(
        client=case.client,
        center=center,
        recorded_on=case.opened_on,
        point=ImpactPoint.INTAKE,
        source=ImpactSource.STATEMENTS,
        sales=sales,
        operating_profit=profit,
        personnel_costs=personnel,
        depreciation=depreciation,
        employees=employees,
    )
    funded = rng.random() < 0.3
    later = ImpactRecord(
        client=case.client,
        center=center,
        recorded_on=min(case.resolved_on + datetime.timedelta(days=rng.randint(60, 200)), today),
        point=ImpactPoint.FOLLOW_UP,
        source=rng.choice([ImpactSource.CLIENT, ImpactSource.STATEMENTS]),
        sales=int(sales * (1 + grow)),
        operating_profit=int(profit + abs(sales) * grow * 0.1),
        personnel_costs=int(personnel * (1 + grow / 2)),
        depreciation=depreciation,
        employees=employees + max(0, round(employees * grow / 2)),
        funding_amount=rng.choice([3, 5, 10, 20, 30]) * 1_000_000 if funded else None,
        funding_source=rng.choice(["日本政策金融公庫", "地方銀行", "信用金庫"]) if funded else "",
    )
    return intake, later
