"""Demo consultation records: the last fiscal years of the 47 centers, up to yesterday.

``build`` fills the demo database with the ``FULL_YEARS`` (two) fiscal years
before the current one in full and the current one up to yesterday (run in
FY2026: FY2024, FY2025, and FY2026 to yesterday), at a fraction of the real
volume (``scale``; 1.0 is about 700,000 sessions a year nationally), growing
by about ``GROWTH`` (4 %) a year, so that the dashboards have last year's
monthly pattern and the plan forms last year's results to propose.
``generate_year`` is the generator behind it, shared with the benchmark
(``bench/records.py``), which streams ten years of it into PostgreSQL with COPY.

What the data looks like, and why:

- volume per center in proportion to the prefecture's number of SMEs
  (``SME_THOUSANDS``), ±8 % per center: in the demo a level that the center
  keeps from year to year, growing by 2–6 % a year with ±2 % of noise
  (``center_volumes``); in the benchmark a fresh draw each year;
- sessions on weekdays, few on Saturdays, none on Sundays, at New Year or on
  most public holidays, fewer in August and late December, more in autumn and
  in January to March (the end of the fiscal year), the same pattern each year;
- modes 来訪 55 %, 出張・サテライト 15 %, オンライン 15 %, 電話 10 %, メール 5 %;
- clients come back: about 3.3 sessions per client in a year, a few with 10
  or more, and about 5 % also consult a second center (mostly in the same
  bureau); from the second year on, some clients are those of earlier years;
- about nine sessions in ten belong to a case of 1–6 sessions; a third of the
  cases are solved, with a resolution kind that fits the topic and a line of
  evidence; some cases were opened late in the previous fiscal year and are
  solved in this one. Each year is drawn on its own: a case's sessions after
  31 March are not made (the case stays open), and a case carried over into a
  year has its opening date in the year before but only this year's sessions;
  the monthly volumes are right across the boundary, a case is not followed
  across it;
- in the year in progress nothing is dated after yesterday (``until``): a case
  with sessions still to come is open, a client whose first visit is still to
  come does not exist yet;
- network activities are 3–6 % of the session count (in the demo a share the
  center keeps from year to year), each with 1–3 support institutions of the
  center's prefecture.

Rows are produced as plain tuples in the column order of ``FIELDS`` with their
ids already assigned, so that the demo can ``bulk_create`` them and the
benchmark can ``COPY`` them without going through model instances.
"""

import bisect
import contextlib
import datetime
import itertools
import random
import time
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from core.fiscal import Period, fiscal_year_of
from organizations.demo import GIVEN_NAMES, SME_THOUSANDS, SURNAMES
from organizations.demo_institutions import CITIES, city_base
from organizations.models import Assignment, Center, Role, SupportInstitution

from . import summaries
from .models import (
    Case,
    CaseStatus,
    Client,
    ClientForm,
    Consultation,
    Mode,
    NetworkActivity,
    NetworkKind,
    PriorityField,
    ResolutionKind,
    Topic,
    normalize_name,
)

DEFAULT_SCALE = 0.05  # of the last full fiscal year
GROWTH = 1.04  # sessions of a year over the year before, nationally
FULL_YEARS = 2  # fiscal years in full before the current one
SESSIONS_AT_FULL_SCALE = 700_000
JST = ZoneInfo("Asia/Tokyo")

CaseTopic = Case.topics.through
CasePriorityField = Case.priority_fields.through
ConsultationStaff = Consultation.other_staff.through
ActivityInstitution = NetworkActivity.institutions.through
ActivityStaff = NetworkActivity.staff.through

# Column order of the generated tuples (attribute names, which are also the
# column names), parents before children. Through rows carry no id.
FIELDS = {
    Client: (
        "id",
        "external_id",
        "home_center_id",
        "business_name",
        "name_key",
        "corporate_number",
        "form",
        "industry",
        "employees",
        "capital",
        "prefecture_id",
        "municipality",
        "founding_year",
        "contact_name",
        "phone",
        "phone_key",
        "email",
        "survey_consent",
        "created_at",
    ),
    Case: (
        "id",
        "external_id",
        "client_id",
        "center_id",
        "title",
        "opened_on",
        "status",
        "resolved_on",
        "resolution_kind",
        "evidence",
        "referred_from_id",
        "referred_to_id",
    ),
    CaseTopic: ("case_id", "topic_id"),
    CasePriorityField: ("case_id", "priorityfield_id"),
    Consultation: (
        "id",
        "external_id",
        "date",
        "start_time",
        "minutes",
        "center_id",
        "lead_staff_id",
        "mode",
        "place",
        "client_id",
        "case_id",
        "summary",
        "advice",
        "next_step",
    ),
    ConsultationStaff: ("consultation_id", "person_id"),
    NetworkActivity: ("id", "external_id", "date", "center_id", "kind", "description"),
    ActivityInstitution: ("networkactivity_id", "supportinstitution_id"),
    ActivityStaff: ("networkactivity_id", "person_id"),
}

Batch = dict  # {model: [row tuple, ...]} in the order of FIELDS


class Weighted:
    """Draws from a fixed population with fixed weights, cheaply and many times."""

    def __init__(self, pairs):
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        self.items = [item for item, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1] if self.cum else 0

    def __bool__(self):
        return bool(self.items)

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# --- calendar ------------------------------------------------------------------------------------

MONTH_FACTOR = {4: 0.85, 5: 0.9, 6: 1.0, 7: 1.0, 8: 0.75, 9: 1.0}
MONTH_FACTOR |= {10: 1.1, 11: 1.1, 12: 0.9, 1: 1.05, 2: 1.15, 3: 1.2}


def _nth_monday(year: int, month: int, n: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def japanese_holidays(year: int) -> set[datetime.date]:
    """National holidays of a calendar year, close enough for demo data (no one-off changes)."""
    day = datetime.date
    fixed = [(1, 1), (2, 11), (2, 23), (4, 29), (5, 3), (5, 4), (5, 5), (8, 11), (11, 3), (11, 23)]
    holidays = {day(year, m, d) for m, d in fixed}
    holidays |= {_nth_monday(year, m, n) for m, n in ((1, 2), (7, 3), (9, 3), (10, 2))}
    shift = 0.242194 * (year - 1980) - (year - 1980) // 4
    holidays |= {day(year, 3, int(20.8431 + shift)), day(year, 9, int(23.2488 + shift))}
    for holiday in sorted(holidays):  # 振替休日: a Sunday holiday moves to the next free day
        if holiday.weekday() == 6:
            substitute = holiday + datetime.timedelta(days=1)
            while substitute in holidays:
                substitute += datetime.timedelta(days=1)
            holidays.add(substitute)
    return holidays


def day_weight(day: datetime.date, holidays: set) -> float:
    if day.weekday() == 6 or (day.month, day.day) in {(12, 29), (12, 30), (12, 31)}:
        return 0.0
    if day.month == 1 and day.day <= 3:
        return 0.0
    weight = MONTH_FACTOR[day.month]
    if day in holidays:
        weight *= 0.03  # an outreach event now and then
    elif day.weekday() == 5:
        weight *= 0.12
    if day.month == 12 and day.day >= 22 or day.month == 1 and day.day <= 5:
        weight *= 0.6
    if day.month == 8 and 13 <= day.day <= 16:  # お盆
        weight *= 0.3
    return weight


class Calendar:
    """The days around a fiscal year with the relative chance of a session on each.

    The calendar reaches ``MARGIN`` days either side of the fiscal year, so that
    cases can start before it (carried over from the previous year) and run past
    its end (their later sessions are not part of this year): the months at both
    ends of the year get the same share of follow-up sessions as the others.
    """

    MARGIN = 120

    def __init__(self, fiscal_year: int):
        period = Period.fiscal_year(fiscal_year)
        self.start, self.end = period.start, period.end
        first = self.start - datetime.timedelta(days=self.MARGIN)
        count = (self.end - first).days + 1 + self.MARGIN
        self.days = [first + datetime.timedelta(days=i) for i in range(count)]
        holidays = set().union(*(japanese_holidays(fiscal_year + k) for k in (-1, 0, 1, 2)))
        self.cum = list(itertools.accumulate(day_weight(d, holidays) for d in self.days))
        self.first, self.last = self.MARGIN, count - 1 - self.MARGIN  # the fiscal year's indexes

    def pick(self, rng: random.Random, low: int | None = None, high: int | None = None) -> int:
        """A day index between ``low`` and ``high`` (both included; default the fiscal year), by weight."""
        low = self.first if low is None else max(low, 0)
        high = self.last if high is None else min(high, len(self.days) - 1)
        low = min(low, high)
        floor = self.cum[low - 1] if low else 0.0
        span = self.cum[high] - floor
        if span <= 0:
            return low
        return bisect.bisect_right(self.cum, floor + span * rng.random(), low, high)


# --- what the database provides ------------------------------------------------------------------


@dataclass
class CenterInfo:
    id: int
    code: str
    prefecture_id: str
    bureau_id: int
    weight: float
    cities: list[str]
    # (person id, role, start date, end date or None) of the center's staff
    staff: list[tuple] = field(default_factory=list)
    institutions: dict[str, list[int]] = field(default_factory=dict)
    neighbours: list["CenterInfo"] = field(default_factory=list)


@dataclass
class Context:
    centers: list[CenterInfo]
    topics: dict[str, int]
    priority_fields: dict[str, int]
    institution_names: dict[int, str]


def load_context() -> Context:
    """Centers, their staff and partners, and the taxonomies, as plain values."""
    centers = {
        c.pk: CenterInfo(
            id=c.pk,
            code=c.code,
            prefecture_id=c.prefecture_id,
            bureau_id=c.prefecture.bureau_id,
            weight=SME_THOUSANDS.get(c.code, 50),
            cities=CITIES.get(c.code, [c.prefecture.name]),
        )
        for c in Center.objects.select_related("prefecture").order_by("code")
    }
    assignments = Assignment.objects.filter(center__isnull=False).order_by("person_id", "pk")
    for a in assignments.values_list("center_id", "person_id", "role", "start_date", "end_date"):
        centers[a[0]].staff.append(a[1:])
    by_prefecture = {c.prefecture_id: c for c in centers.values()}
    names = {}
    institutions = SupportInstitution.objects.filter(is_active=True).order_by("pk")
    for pk, name, prefecture_id, type_name in institutions.values_list(
        "pk", "name", "prefecture_id", "institution_type__name"
    ):
        names[pk] = name
        if prefecture_id in by_prefecture:
            by_prefecture[prefecture_id].institutions.setdefault(type_name, []).append(pk)
    for center in centers.values():
        center.neighbours = [
            c for c in centers.values() if c.bureau_id == center.bureau_id and c is not center
        ]
    return Context(
        centers=list(centers.values()),
        topics=dict(Topic.objects.values_list("name", "pk")),
        priority_fields=dict(PriorityField.objects.values_list("name", "pk")),
        institution_names=names,
    )


class Ids:
    """The next id of each record table; starts after what the database holds."""

    def __init__(self, client=1, case=1, consultation=1, activity=1):
        self.client, self.case, self.consultation, self.activity = (
            client,
            case,
            consultation,
            activity,
        )

    @classmethod
    def after_existing(cls) -> "Ids":
        def following(model):
            return (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1

        return cls(
            following(Client), following(Case), following(Consultation), following(NetworkActivity)
        )


class ClientPool:
    """Clients of the years generated so far, by registering center, so that they come back.

    Only clients of earlier years are drawn (``start_year`` marks where a year
    begins): a client's several problems within a year are its cases.
    """

    def __init__(self):
        self.by_center: dict[int, array] = {}
        self.earlier: dict[int, int] = {}

    def start_year(self) -> None:
        self.earlier = {center_id: len(ids) for center_id, ids in self.by_center.items()}

    def add(self, center_id: int, client_id: int) -> None:
        self.by_center.setdefault(center_id, array("q")).append(client_id)

    def pick(self, rng: random.Random, center_id: int) -> int | None:
        count = self.earlier.get(center_id, 0)
        return self.by_center[center_id][int(rng.random() * count)] if count else None


# --- vocabulary ----------------------------------------------------------------------------------

MORE_SURNAMES = "山下 石井 中島 小野 田村 竹内 金子 和田 中山 藤井 西村 福田 太田 三浦 藤原 岡本 松田 中川 中野 原田 小松 上田 杉山 村上 近藤 坂本 遠藤 青木 菅原 野口"
FAMILY_NAMES = [name for name, _kana in SURNAMES] + MORE_SURNAMES.split()
FIRST_NAMES = [name for name, _kana in GIVEN_NAMES]
SHOP_WORDS = [
    "ひまわり",
    "さくら",
    "アオバ",
    "ミライ",
    "ハーモニー",
    "リーフ",
    "ソレイユ",
    "コハク",
    "ツバキ",
    "ルミエール",
    "グリーン",
    "ブルーム",
    "ことり",
    "ポラリス",
    "エール",
    "ハナミズキ",
    "こもれび",
]

TOPIC_WEIGHTS = {
    "売上拡大": 35,
    "経営改善・事業再生": 12,
    "創業": 6,
    "資金繰り": 9,
    "IT・DX": 8,
    "事業承継": 6,
    "人材": 5,
    "生産性向上": 5,
    "その他": 4.5,
    "海外展開": 2,
    "知的財産": 2,
    "廃業": 1.5,
}
SUBJECTS = {
    "売上拡大": [
        "新商品の販路開拓",
        "ECサイトでの売上拡大",
        "SNSを活用した集客",
        "既存顧客のリピート率向上",
        "展示会出展の準備",
        "価格設定の見直し",
        "ふるさと納税返礼品への登録",
        "商品パッケージの刷新",
        "飲食店のメニュー改善",
        "法人取引先の開拓",
    ],
    "経営改善・事業再生": [
        "赤字からの黒字化",
        "原価管理の見直し",
        "経営改善計画の策定",
        "不採算部門の整理",
        "返済条件の見直し",
        "固定費の削減",
    ],
    "創業": [
        "創業計画書の作成",
        "開業資金の調達",
        "店舗物件の選定",
        "開業後の集客方法",
        "開業届と各種手続き",
        "事業コンセプトの整理",
    ],
    "事業承継": [
        "後継者への事業承継",
        "親族外承継の検討",
        "事業承継計画の策定",
        "第三者承継（M&A）の検討",
        "自社株式の移転方法",
    ],
    "廃業": ["廃業の手続き", "事業の整理と資産の処分"],
    "資金繰り": [
        "運転資金の確保",
        "借入金の条件変更",
        "資金繰り表の作成",
        "設備資金の借入",
        "補助金の申請",
    ],
    "IT・DX": [
        "会計ソフトの導入",
        "在庫管理のシステム化",
        "キャッシュレス決済の導入",
        "ホームページのリニューアル",
        "生成AIの業務活用",
        "予約システムの導入",
    ],
    "人材": ["人材採用の進め方", "従業員の定着", "人事評価制度の導入", "外国人材の受け入れ"],
    "海外展開": ["海外販路の開拓", "越境ECの活用", "輸出手続きと海外商談会"],
    "生産性向上": ["製造工程の改善", "事務作業の効率化", "設備投資計画", "省力化投資の検討"],
    "知的財産": ["商標登録", "特許出願の検討", "ブランドの保護"],
    "その他": ["法人化の検討", "BCPの策定", "許認可の手続き", "事業計画全般"],
}
PROPOSALS = {
    "売上拡大": [
        "ECサイトの活用を提案",
        "SNSでの定期的な情報発信を提案",
        "商談会への出展を提案",
        "セット商品による客単価向上を提案",
        "ターゲットを絞った商品構成を提案",
        "地元食材を生かした新メニューを提案",
    ],
    "経営改善・事業再生": [
        "部門別の損益把握を提案",
        "仕入先の見直しを提案",
        "月次での資金管理を提案",
    ],
    "創業": ["計画書の収支計画の見直しを提案", "創業融資の活用を提案", "小規模での試験販売を提案"],
    "事業承継": ["事業承継計画の作成を提案", "事業承継・引継ぎ支援センターの活用を提案"],
    "資金繰り": ["金融機関への早めの相談を提案", "資金繰り表の月次更新を提案"],
    "IT・DX": ["クラウドサービスの導入を提案", "業務の棚卸しから着手するよう提案"],
    "人材": ["求人票の書き方の改善を提案", "働きやすい職場づくりの取組を提案"],
    "海外展開": ["JETROの支援メニュー活用を提案", "越境ECモールへの出店を提案"],
    "生産性向上": ["作業工程の見える化を提案", "省力化補助金の活用を提案"],
}
GENERIC_PROPOSALS = ["専門家派遣の活用を提案", "補助金の活用を提案", "支援機関との連携を提案"]
FIRST_ACTIONS = [
    "現状と課題をヒアリング",
    "決算書をもとに経営状況を確認",
    "事業の強みを整理",
    "ターゲット顧客を整理",
]
FOLLOW_ACTIONS = [
    "前回の提案の進捗を確認",
    "試作品を確認し改善点を助言",
    "作成中の計画書を添削",
    "実施結果を振り返り",
    "次の打ち手を検討",
]
ADVICE = [
    "数値目標を設定し、月次で進捗を確認するよう助言。",
    "顧客の声を集めて商品に反映するよう助言。",
    "優先順位を付けて一つずつ取り組むよう助言。",
    "取引金融機関と情報を共有するよう助言。",
    "小さく試して効果を確かめるよう助言。",
]
NEXT_STEPS = [
    "2週間後に進捗を確認。",
    "次回、見積書を持参。",
    "次回までに計画書を修正。",
    "専門家同席で再相談。",
    "1か月後に再訪予定。",
    "メールで資料を送付。",
]

# (mode, share, minute choices)
MODES = [
    (Mode.VISIT, 55, [30, 45, 60, 60, 60, 90, 90, 120]),
    (Mode.OUTREACH, 15, [30, 45, 60, 60, 90]),
    (Mode.PHONE, 10, [10, 15, 20, 30, 30, 45]),
    (Mode.ONLINE, 15, [30, 45, 60, 60, 90]),
    (Mode.EMAIL, 5, [10, 15, 20, 30]),
]
START_TIMES = Weighted(
    (datetime.time(hour, minute), weight)
    for hour, weights in zip(range(9, 17), (2, 5, 5, 3, 4, 5, 4, 2), strict=True)
    for minute, weight in ((0, weights), (30, weights * 0.8))
)
INDUSTRIES = Weighted(
    zip(
        ["I", "M", "E", "D", "N", "L", "R", "P", "G", "H", "K", "A", "O", "B", "J", "F", "C", "Q"],
        (20, 14, 13, 9, 9, 7, 6, 5, 4, 3, 3, 3, 2, 1, 0.5, 0.2, 0.2, 0.1),
        strict=True,
    )
)
FOUNDER_INDUSTRIES = Weighted(
    zip(
        ["M", "N", "I", "L", "R", "G", "P", "O", "A"] + [""],
        (25, 15, 15, 10, 10, 6, 5, 5, 4, 5),
        strict=True,
    )
)
CORPORATE_SUFFIXES = {
    "E": ["製作所", "工業", "精機", "金属工業", "食品", "化成", "電機"],
    "D": ["建設", "工務店", "建工", "設備工業", "組"],
    "I": ["商事", "商店", "物産", "産業", "酒販"],
    "M": ["フーズ", "観光", "ホテル", "食品"],
    "N": ["クリーニング", "ビューティー", "サービス"],
    "L": ["設計", "コンサルティング", "技研"],
    "G": ["システム", "ソフト", "情報サービス"],
    "H": ["運輸", "運送", "物流"],
    "K": ["不動産", "リース"],
    "P": ["介護サービス", "メディカル"],
    "A": ["農園", "ファーム"],
    "B": ["水産"],
    "O": ["教育", "ゼミナール"],
}
DEFAULT_SUFFIXES = ["産業", "商事", "企画"]
# Shop names of sole proprietors; {s} surname, {g} given name, {p} place, {w} a shop word.
SHOP_PATTERNS = {
    "I": ["{s}商店", "{s}酒店", "{p}青果", "{s}鮮魚店", "{s}米穀店"],
    "M": ["{g}カフェ", "カフェ{w}", "{s}食堂", "そば処{s}", "居酒屋{g}", "{p}ラーメン", "民宿{s}"],
    "N": ["美容室{w}", "{s}理容店", "{s}クリーニング店", "エステサロン{w}"],
    "E": ["{s}製作所", "{s}工房", "{p}食品"],
    "D": ["{s}工務店", "{s}塗装", "{s}電気工事"],
    "A": ["{s}農園", "{p}{s}ファーム"],
    "L": ["{s}デザイン事務所", "{s}行政書士事務所"],
    "P": ["{s}整骨院", "{s}鍼灸院"],
    "R": ["{s}写真館", "{s}自動車整備"],
    "G": ["{s}ITサービス", "{w}デザイン"],
    "H": ["{s}運送", "{s}急便"],
    "K": ["{s}不動産", "{p}住宅センター"],
    "O": ["{s}学習塾", "{w}教室"],
    "B": ["{s}水産", "{p}漁業{s}"],
}
DEFAULT_SHOP_PATTERNS = ["{s}企画", "オフィス{w}", "{s}事務所"]
AREA_CODES = dict(
    zip(
        [f"{i:02d}" for i in range(1, 48)],
        [
            "011",
            "017",
            "019",
            "022",
            "018",
            "023",
            "024",
            "029",
            "028",
            "027",
            "048",
            "043",
            "03",
            "045",
            "025",
            "076",
            "076",
            "0776",
            "055",
            "026",
            "058",
            "054",
            "052",
            "059",
            "077",
            "075",
            "06",
            "078",
            "0742",
            "073",
            "0857",
            "0852",
            "086",
            "082",
            "083",
            "088",
            "087",
            "089",
            "088",
            "092",
            "0952",
            "095",
            "096",
            "097",
            "0985",
            "099",
            "098",
        ],
        strict=True,
    )
)
EMPLOYEES = {
    ClientForm.CORPORATION: Weighted(
        [((1, 5), 35), ((6, 20), 33), ((21, 50), 18), ((51, 100), 9), ((101, 300), 5)]
    ),
    ClientForm.SOLE_PROPRIETOR: Weighted([((0, 0), 15), ((1, 2), 45), ((3, 5), 30), ((6, 10), 10)]),
}
# Capital (yen) by size class of the corporation: mostly the round amounts registries show.
CAPITAL_BY_SIZE = {
    (1, 5): [1_000_000, 3_000_000, 3_000_000, 5_000_000, 10_000_000],
    (6, 20): [3_000_000, 5_000_000, 10_000_000, 10_000_000, 20_000_000],
    (21, 50): [10_000_000, 10_000_000, 20_000_000, 30_000_000, 50_000_000],
    (51, 100): [20_000_000, 30_000_000, 50_000_000, 100_000_000],
    (101, 300): [50_000_000, 100_000_000, 100_000_000, 300_000_000],
}
SMALL_CAPITAL = [1_000_000, 3_000_000, 3_000_000, 5_000_000, 10_000_000]
FORMS = Weighted(
    [
        (ClientForm.CORPORATION, 45),
        (ClientForm.SOLE_PROPRIETOR, 43),
        (ClientForm.PROSPECTIVE_FOUNDER, 12),
    ]
)
# Cases per client and sessions per case: about 3.3 sessions per client in a year.
CASES_PER_CLIENT = Weighted([(0, 20), (1, 52), (2, 17), (3, 6), (4, 3.5), (5, 1.5)])
SESSIONS_PER_CASE = Weighted([(1, 24), (2, 24), (3, 19), (4, 13), (5, 10), (6, 10)])
CASE_WINDOW_DAYS = 120  # the sessions of a case fall within four months
SOLVED_SHARE = 0.43  # of cases; those that run past the year's end are solved in the next
RESOLUTIONS = {
    "売上拡大": [(ResolutionKind.SALES_UP, 85), (ResolutionKind.OTHER, 15)],
    "経営改善・事業再生": [
        (ResolutionKind.COST_DOWN, 50),
        (ResolutionKind.FINANCING, 30),
        (ResolutionKind.SALES_UP, 20),
    ],
    "創業": [(ResolutionKind.FOUNDED, 85), (ResolutionKind.FINANCING, 15)],
    "事業承継": [(ResolutionKind.SUCCESSION, 90), (ResolutionKind.OTHER, 10)],
    "資金繰り": [(ResolutionKind.FINANCING, 85), (ResolutionKind.COST_DOWN, 15)],
    "IT・DX": [(ResolutionKind.COST_DOWN, 60), (ResolutionKind.SALES_UP, 40)],
    "生産性向上": [(ResolutionKind.COST_DOWN, 80), (ResolutionKind.SALES_UP, 20)],
    "海外展開": [(ResolutionKind.SALES_UP, 80), (ResolutionKind.OTHER, 20)],
}
RESOLUTIONS = {topic: Weighted(kinds) for topic, kinds in RESOLUTIONS.items()}
OTHER_RESOLUTION = Weighted([(ResolutionKind.OTHER, 1)])
PRIORITY_OF_TOPIC = {
    "売上拡大": "販路開拓",
    "創業": "創業支援",
    "事業承継": "事業承継",
    "IT・DX": "DX推進",
    "生産性向上": "DX推進",
    "経営改善・事業再生": "経営改善・事業再生",
    "資金繰り": "経営改善・事業再生",
    "海外展開": "海外展開",
    "人材": "人材確保・育成",
}
REFERRED_FROM_TYPES = [
    ("商工会議所", 3),
    ("商工会", 2),
    ("金融機関（銀行）", 2),
    ("金融機関（信用金庫・信用組合）", 2),
    ("市区町村", 1.5),
    ("政府系金融機関", 1),
    ("都道府県", 0.5),
    ("士業団体", 0.5),
]
REFERRED_TO_TYPES = {
    "資金繰り": [("政府系金融機関", 3), ("信用保証協会", 2), ("金融機関（銀行）", 2)],
    "創業": [("政府系金融機関", 3), ("商工会議所", 2), ("市区町村", 1)],
    "事業承継": [("士業団体", 3), ("商工会議所", 1), ("金融機関（銀行）", 1)],
}
DEFAULT_REFERRED_TO_TYPES = [("商工会議所", 2), ("士業団体", 2), ("中小企業団体中央会", 1)]
NETWORK_KINDS = Weighted(
    [
        (NetworkKind.MEETING, 35),
        (NetworkKind.SEMINAR, 15),
        (NetworkKind.OUTREACH, 20),
        (NetworkKind.PUBLICITY, 10),
        (NetworkKind.REFERRAL, 20),
    ]
)
NETWORK_PARTNER_TYPES = [
    ("商工会議所", 4),
    ("商工会", 3),
    ("金融機関（銀行）", 3),
    ("金融機関（信用金庫・信用組合）", 3),
    ("政府系金融機関", 2),
    ("市区町村", 2),
    ("信用保証協会", 1),
    ("都道府県", 1),
    ("観光協会", 1),
    ("商店街振興組合", 1),
    ("中小企業団体中央会", 1),
    ("士業団体", 1),
]
SEMINAR_THEMES = [
    "SNS活用",
    "事業承継",
    "創業",
    "価格転嫁",
    "DX入門",
    "補助金活用",
    "インボイス対応",
]


def corporate_number(client_id: int) -> str:
    """A valid, unique 法人番号 derived from the client id (check digit first)."""
    body = f"{(client_id * 7_919_051 + 100_000_000_037) % 10**12:012d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    return f"{9 - total % 9}{body}"


# --- the generator -------------------------------------------------------------------------------


def generate_year(
    rng: random.Random,
    fiscal_year: int,
    scale: float,
    *,
    context: Context | None = None,
    ids: Ids | None = None,
    clients_pool: ClientPool | None = None,
    until: datetime.date | None = None,
    volume: dict[int, float] | None = None,
    activity_share: dict[int, float] | None = None,
) -> Iterator[Batch]:
    """One fiscal year of records for every center: one ``Batch`` per center.

    ``ids`` is advanced as rows are made; pass the same ``Ids`` and
    ``ClientPool`` to successive years so that ids do not collide and clients
    of earlier years come back.

    ``until`` cuts the year short, for the year in progress: the year is drawn
    in full and nothing dated after ``until`` is kept, so the months so far
    have the volume and pattern of a full year. A case with sessions still to
    come stays open, and a client whose first session is still to come does
    not exist yet.

    ``volume`` is each center's volume (by center id) relative to its share of
    the nation's SMEs; a center missing from it draws ±8 %, a fresh draw each
    year. ``activity_share`` is each center's network activities per session;
    a center missing from it draws 3–6 %, a fresh draw each year. The demo
    passes a persistent level per center and its yearly growth in both; the
    benchmark passes neither.
    """
    generator = _YearGenerator(
        rng,
        fiscal_year,
        scale,
        context or load_context(),
        ids or Ids.after_existing(),
        clients_pool if clients_pool is not None else ClientPool(),
        until=until,
        volume=volume,
        activity_share=activity_share,
    )
    for center in generator.context.centers:
        yield generator.center_batch(center)


class _YearGenerator:
    RETURNING_SHARE = 0.15  # of a year's clients, when earlier years exist
    SECOND_CENTER_SHARE = 0.05
    # Sessions at a second center land on top of that center's own volume.
    OWN_VOLUME = 0.98

    def __init__(
        self, rng, fiscal_year, scale, context, ids, pool, *, until, volume, activity_share
    ):
        self.rng, self.fiscal_year, self.scale = rng, fiscal_year, scale
        self.context, self.ids, self.pool = context, ids, pool
        self.volume, self.activity_share = volume or {}, activity_share or {}
        self.calendar = Calendar(fiscal_year)
        # The last day index kept, when the year is cut short; sessions drawn
        # after it are counted (so that the volume so far is right) but not made.
        self.cutoff = None
        if until is not None and until < self.calendar.end:
            self.cutoff = (until - self.calendar.days[0]).days
        self.future = 0  # sessions drawn after the cutoff
        self.month_of_index = [(d.year, d.month) for d in self.calendar.days]
        self.total_weight = sum(c.weight for c in context.centers) or 1
        self.topics = Weighted(
            (context.topics[name], weight)
            for name, weight in TOPIC_WEIGHTS.items()
            if name in context.topics
        )
        self.topic_names = {pk: name for name, pk in context.topics.items()}
        self.priority_ids = list(context.priority_fields.values())
        self.staff = {c.id: self._staff_by_month(c) for c in context.centers}
        self.partners = {c.id: self._partners(c) for c in context.centers}
        self.batch: Batch = {}
        self.first_contact = None  # of the client being made
        pool.start_year()

    # Staff -------------------------------------------------------------------------------------

    def _staff_by_month(self, center: CenterInfo) -> dict:
        """Per month: (leads, others); leads are the active chief and coordinators, by workload."""
        result = {}
        for month_start in self._month_starts():
            month_end = Period.month(month_start.year, month_start.month).end

            def active(start, end, month_start=month_start, month_end=month_end):
                return start <= month_start and (end is None or end >= month_end)

            leads = [s for s in center.staff if s[1] in LEAD_ROLES and active(s[2], s[3])]
            if not leads:  # years before the demo staff's terms: anyone who ever led
                leads = [s for s in center.staff if s[1] in LEAD_ROLES]
            others = [s[0] for s in center.staff if active(s[2], s[3])] or [s[0] for s in leads]
            result[month_start.year, month_start.month] = (
                Weighted((s[0], _workload(s[0], s[1])) for s in leads),
                others,
            )
        return result

    def _month_starts(self):
        return [datetime.date(self.fiscal_year + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3)]

    def _lead(self, center_id: int, day_index: int):
        leads = self.staff[center_id][self.month_of_index[day_index]][0]
        return leads.pick(self.rng) if leads else None

    def _partners(self, center: CenterInfo) -> dict:
        def by_types(types):
            pool = [(t, w) for t, w in types if center.institutions.get(t)]
            return Weighted(pool)

        return {
            "from": by_types(REFERRED_FROM_TYPES),
            "network": by_types(NETWORK_PARTNER_TYPES),
            **{topic: by_types(types) for topic, types in REFERRED_TO_TYPES.items()},
            "to": by_types(DEFAULT_REFERRED_TO_TYPES),
            "outreach": [
                name
                for type_name in ("商工会議所", "商工会", "市区町村")
                for name in (
                    self.context.institution_names[pk]
                    for pk in center.institutions.get(type_name, [])
                )
            ],
        }

    def _institution(self, center: CenterInfo, kind: str):
        types = self.partners[center.id].get(kind)
        if not types:
            return None
        return self.rng.choice(center.institutions[types.pick(self.rng)])

    # Batches -----------------------------------------------------------------------------------

    def center_batch(self, center: CenterInfo) -> Batch:
        self.batch = {model: [] for model in FIELDS}
        rng = self.rng
        share = center.weight / self.total_weight
        factor = self.volume.get(center.id) or rng.uniform(0.92, 1.08)
        target = round(SESSIONS_AT_FULL_SCALE * self.scale * share * self.OWN_VOLUME * factor)
        sessions = self.batch[Consultation]
        made = 0
        while made < target:
            before = len(sessions) + self.future
            self._client_year(center)
            made += len(sessions) + self.future - before
        activities = self.activity_share.get(center.id) or rng.uniform(0.03, 0.06)
        for _ in range(round(target * activities)):
            self._activity(center)
        return self.batch

    def _client_year(self, center: CenterInfo) -> None:
        """A client's year at a center: a new client, or one of an earlier year coming back."""
        rng = self.rng
        client_id = self.pool.pick(rng, center.id) if rng.random() < self.RETURNING_SHARE else None
        new = client_id is None
        if new:
            client_id = self.ids.client
            self.ids.client += 1
            form = FORMS.pick(rng)
        self.first_contact = None
        sessions = self.batch[Consultation]
        before = len(sessions)
        cases = CASES_PER_CLIENT.pick(rng)
        if cases == 0:
            for _ in range(1 if rng.random() < 0.8 else 2):
                self._session(center, client_id, None, self.calendar.pick(rng), None, None)
        else:
            first_topic = None
            if new and form == ClientForm.PROSPECTIVE_FOUNDER and rng.random() < 0.8:
                first_topic = self.context.topics.get("創業")
            for number in range(cases):
                self._case(center, client_id, first_topic if number == 0 else None)
            if rng.random() < 0.15:
                self._session(center, client_id, None, self.calendar.pick(rng), None, None)
        if not new or len(sessions) == before:  # a returning client, or only last year's sessions
            return
        self._add_client(center, client_id, form, self.first_contact)
        if rng.random() < self.SECOND_CENTER_SHARE:
            self._second_center(center, client_id)

    def _second_center(self, center: CenterInfo, client_id: int) -> None:
        rng = self.rng
        if center.neighbours and rng.random() < 0.7:
            other = rng.choice(center.neighbours)
        else:
            other = rng.choice([c for c in self.context.centers if c is not center])
        if rng.random() < 0.8:
            self._case(other, client_id, None, sessions=1 if rng.random() < 0.6 else 2)
        else:
            self._session(other, client_id, None, self.calendar.pick(rng), None, None)

    def _add_client(self, center: CenterInfo, client_id: int, form, first_contact) -> None:
        rng = self.rng
        surname, given = rng.choice(FAMILY_NAMES), rng.choice(FIRST_NAMES)
        city = center.cities[0] if rng.random() < 0.45 else rng.choice(center.cities)
        place = city_base(city)
        mobile = 0.9
        if form == ClientForm.PROSPECTIVE_FOUNDER:
            industry = FOUNDER_INDUSTRIES.pick(rng)
            name = f"{surname} {given}（創業予定）"
            employees = capital = founded = None
            number = ""
        else:
            industry = INDUSTRIES.pick(rng)
            size = EMPLOYEES[form].pick(rng)
            employees = rng.randint(*size)
            if form == ClientForm.CORPORATION:
                name = self._corporate_name(industry, surname, place, employees)
                if name.startswith(("有限会社", "合同会社")):
                    capital = rng.choice(SMALL_CAPITAL)
                else:
                    capital = rng.choice(CAPITAL_BY_SIZE[size])
                founded = min(2024, 1948 + int(76 * rng.random() ** 0.8))
                number = corporate_number(client_id)
                mobile = 0.15
            else:
                pattern = rng.choice(SHOP_PATTERNS.get(industry, DEFAULT_SHOP_PATTERNS))
                name = pattern.format(s=surname, g=given, p=place, w=rng.choice(SHOP_WORDS))
                capital, number = None, ""
                founded = rng.randint(1975, 2024)
                mobile = 0.5
        if rng.random() < mobile:
            phone = f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        else:
            area = AREA_CODES.get(center.code, "03")
            local = f"{rng.randint(10 ** (9 - len(area)), 10 ** (10 - len(area)) - 1)}"
            phone = f"{area}-{local[:-4]}-{local[-4:]}"
        email = ""
        if rng.random() < 0.45:
            email = (
                f"info@c{client_id:07d}.example.co.jp"
                if form == ClientForm.CORPORATION
                else f"c{client_id:07d}@example.ne.jp"
            )
        self.batch[Client].append(
            (
                client_id,
                f"C{client_id:08d}",
                center.id,
                name,
                normalize_name(name),
                number,
                form,
                industry,
                employees,
                capital,
                center.prefecture_id,
                city,
                founded,
                f"{surname} {given}",
                phone,
                phone.replace("-", ""),
                email,
                rng.random() < 0.6,
                datetime.datetime.combine(first_contact, datetime.time(9), tzinfo=JST),
            )
        )
        self.pool.add(center.id, client_id)

    def _corporate_name(self, industry, surname, place, employees) -> str:
        rng = self.rng
        suffix = rng.choice(CORPORATE_SUFFIXES.get(industry, DEFAULT_SUFFIXES))
        roll = rng.random() * (0.7 if employees > 50 else 1)  # larger firms are 株式会社
        if roll < 0.5:
            return f"株式会社{surname}{suffix}"
        if roll < 0.7:
            return f"{surname}{suffix}株式会社"
        if roll < 0.92:
            return f"有限会社{place}{suffix}"
        return f"合同会社{rng.choice(SHOP_WORDS)}"

    def _case(self, center: CenterInfo, client_id: int, topic_id, sessions: int | None = None):
        """A case and its sessions of this fiscal year.

        The case may start up to ``Calendar.MARGIN`` days before the year (it was
        opened last year) and run past its end; only this year's sessions are
        made, and a case with none is not made at all.
        """
        rng, calendar = self.rng, self.calendar
        count = sessions or SESSIONS_PER_CASE.pick(rng)
        first = calendar.pick(rng, 0)
        days = [first] + sorted(
            calendar.pick(rng, first + 1, first + CASE_WINDOW_DAYS) for _ in range(count - 1)
        )
        kept = [day for day in days if calendar.first <= day <= calendar.last]
        pending = False  # sessions still to come in the year in progress
        if self.cutoff is not None:
            pending = any(day > self.cutoff for day in kept)
            if pending:
                self.future += sum(day > self.cutoff for day in kept)
                kept = [day for day in kept if day <= self.cutoff]
        if not kept:
            return
        case_id = self.ids.case
        self.ids.case += 1
        topic_id = topic_id or self.topics.pick(rng)
        topic = self.topic_names[topic_id]
        subject = rng.choice(SUBJECTS[topic])
        opened_on = calendar.days[first]
        if self.first_contact is None or opened_on < self.first_contact:
            self.first_contact = opened_on
        lead = self._lead(center.id, kept[0])
        for day in kept:
            staff = lead if rng.random() < 0.85 else self._lead(center.id, day)
            self._session(center, client_id, case_id, day, staff, (topic, subject, days.index(day)))

        status, resolved_on, kind, evidence = CaseStatus.OPEN, None, "", ""
        roll = rng.random()
        last_day = calendar.end if self.cutoff is None else calendar.days[self.cutoff]
        if roll < SOLVED_SHARE:
            resolved = calendar.days[days[-1]] + datetime.timedelta(days=rng.randint(0, 45))
            if resolved <= last_day and not pending:  # otherwise it is solved later
                status, resolved_on = CaseStatus.SOLVED, resolved
                kind = RESOLUTIONS.get(topic, OTHER_RESOLUTION).pick(rng)
                evidence = self._evidence(kind, resolved_on)
        elif roll > 0.92 and not pending:
            status = CaseStatus.CLOSED
        referred_from = self._institution(center, "from") if rng.random() < 0.12 else None
        referred_to = None
        if rng.random() < 0.07:
            referred_to = self._institution(center, topic if topic in REFERRED_TO_TYPES else "to")
        self.batch[Case].append(
            (
                case_id,
                f"K{case_id:08d}",
                client_id,
                center.id,
                subject,
                opened_on,
                status,
                resolved_on,
                kind,
                evidence,
                referred_from,
                referred_to,
            )
        )
        self.batch[CaseTopic].append((case_id, topic_id))
        if rng.random() < 0.25:
            second = self.topics.pick(rng)
            if second != topic_id:
                self.batch[CaseTopic].append((case_id, second))
        if rng.random() < 0.15 and self.priority_ids:
            wanted = self.context.priority_fields.get(PRIORITY_OF_TOPIC.get(topic, ""))
            priority = wanted or rng.choice(self.priority_ids)
            self.batch[CasePriorityField].append((case_id, priority))

    def _evidence(self, kind, day: datetime.date) -> str:
        rng = self.rng
        if kind == ResolutionKind.SALES_UP:
            return f"前年同期比で売上が{rng.randint(5, 40)}%増加（月次試算表で確認）"
        if kind == ResolutionKind.FINANCING:
            lender = rng.choice(["日本政策金融公庫", "取引金融機関", "地元信用金庫"])
            return f"{lender}から{rng.choice([300, 500, 800, 1000, 2000, 3000])}万円の融資が実行"
        if kind == ResolutionKind.FOUNDED:
            return f"{day.year}年{day.month}月に開業（開業届の控えで確認）"
        if kind == ResolutionKind.SUCCESSION:
            return rng.choice(["後継者への代表者交代が完了", "親族への株式譲渡契約を締結"])
        if kind == ResolutionKind.COST_DOWN:
            return rng.choice(
                [
                    f"事務作業が月{rng.randint(10, 60)}時間削減",
                    f"原価率が{rng.randint(2, 8)}ポイント改善",
                ]
            )
        return rng.choice(
            ["小規模事業者持続化補助金が採択", "商標登録が完了", "採用計画により2名を採用"]
        )

    def _session(self, center, client_id, case_id, day_index, lead, story) -> None:
        if self.cutoff is not None and day_index > self.cutoff:
            self.future += 1
            return
        rng, ids = self.rng, self.ids
        session_id = ids.consultation
        ids.consultation += 1
        if lead is None:
            lead = self._lead(center.id, day_index)
        day = self.calendar.days[day_index]
        if self.first_contact is None or day < self.first_contact:
            self.first_contact = day
        mode, _share, minutes = MODES[MODE_INDEX.pick(rng)]
        if mode == Mode.VISIT:
            place = "拠点相談室"
        elif mode == Mode.OUTREACH:
            outreach = self.partners[center.id]["outreach"]
            place = rng.choice(outreach) if outreach else f"サテライト（{center.cities[0]}）"
        elif mode == Mode.ONLINE:
            place = "オンライン"
        else:
            place = ""
        if story is None:
            topic = self.topic_names[self.topics.pick(rng)]
            subject, number = rng.choice(SUBJECTS[topic]), 0
        else:
            topic, subject, number = story
        action = rng.choice(FIRST_ACTIONS if number == 0 else FOLLOW_ACTIONS)
        proposal = rng.choice(PROPOSALS.get(topic, GENERIC_PROPOSALS))
        self.batch[Consultation].append(
            (
                session_id,
                f"S{session_id:09d}",
                day,
                None if mode == Mode.EMAIL else START_TIMES.pick(rng),
                rng.choice(minutes),
                center.id,
                lead,
                mode,
                place,
                client_id,
                case_id,
                f"{subject}について相談。{action}。{proposal}。",
                rng.choice(ADVICE) if rng.random() < 0.5 else "",
                rng.choice(NEXT_STEPS) if rng.random() < 0.6 else "",
            )
        )
        if rng.random() < 0.08:
            others = self.staff[center.id][self.month_of_index[day_index]][1]
            other = rng.choice(others) if others else None
            if other is not None and other != lead:
                self.batch[ConsultationStaff].append((session_id, other))

    def _activity(self, center: CenterInfo) -> None:
        rng, ids = self.rng, self.ids
        day = self.calendar.pick(rng)
        if self.cutoff is not None and day > self.cutoff:
            return
        activity_id = ids.activity
        ids.activity += 1
        kind = NETWORK_KINDS.pick(rng)
        wanted = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3)
        partners = []
        for _ in range(wanted * 2):
            pk = self._institution(center, "network")
            if pk is not None and pk not in partners:
                partners.append(pk)
            if len(partners) == wanted:
                break
        name = self.context.institution_names[partners[0]] if partners else "地域の支援機関"
        if kind == NetworkKind.MEETING:
            text = rng.choice(
                [
                    f"{name}と連絡会議を開催。相談案件の共有と今後の連携方針を協議。",
                    f"{name}を訪問し、拠点の支援メニューを説明。",
                ]
            )
        elif kind == NetworkKind.SEMINAR:
            theme = rng.choice(SEMINAR_THEMES)
            text = f"{name}と共催で「{theme}」セミナーを開催（参加者{rng.randint(8, 60)}名）。"
        elif kind == NetworkKind.OUTREACH:
            text = f"{name}で出張相談会を実施（{rng.randint(2, 12)}事業者）。"
        elif kind == NetworkKind.PUBLICITY:
            text = f"{name}の広報誌・ウェブサイトに拠点の案内を掲載。"
        else:
            text = f"{name}へ相談事業者を紹介し、支援を引き継ぎ。"
        self.batch[NetworkActivity].append(
            (
                activity_id,
                f"N{activity_id:08d}",
                self.calendar.days[day],
                center.id,
                kind,
                text,
            )
        )
        self.batch[ActivityInstitution].extend((activity_id, pk) for pk in partners)
        staff = {self._lead(center.id, day) for _ in range(1 if rng.random() < 0.7 else 2)}
        self.batch[ActivityStaff].extend((activity_id, pk) for pk in staff if pk is not None)


LEAD_ROLES = frozenset({Role.CHIEF_COORDINATOR, Role.COORDINATOR})
MODE_INDEX = Weighted((index, share) for index, (_mode, share, _minutes) in enumerate(MODES))


def _workload(person_id: int, role: str) -> float:
    """A stable share of the sessions per person: the chief consults more than most."""
    if role == Role.CHIEF_COORDINATOR:
        return 1.6
    return 0.6 + (person_id * 2_654_435_761 % 1000) / 1250


# --- the demo builder ----------------------------------------------------------------------------


@contextlib.contextmanager
def _explicit_created_at():
    """bulk_create fills auto_now_add fields with now; demo clients were registered at their first visit."""
    created_at = Client._meta.get_field("created_at")
    created_at.auto_now_add = False
    try:
        yield
    finally:
        created_at.auto_now_add = True


def write_batch(batch: Batch, counts: Counter) -> None:
    """Insert one batch with bulk_create: no history rows, no signals."""
    for model, fields in FIELDS.items():
        rows = batch.get(model)
        if rows:
            model._base_manager.bulk_create(
                [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=2000
            )
            counts[model] += len(rows)


def demo_years(today: datetime.date) -> list[tuple[int, datetime.date | None]]:
    """(fiscal year, last day kept or None for the whole year) of the demo records.

    The ``FULL_YEARS`` fiscal years before ``today``'s in full, then ``today``'s
    up to the day before: run in FY2026, FY2024 and FY2025 in full and FY2026
    to yesterday.
    """
    current = fiscal_year_of(today)
    years: list[tuple[int, datetime.date | None]] = [
        (year, None) for year in range(current - FULL_YEARS, current)
    ]
    return [*years, (current, today - datetime.timedelta(days=1))]


def center_volumes(rng: random.Random, centers, years) -> dict[int, dict[int, float]]:
    """{fiscal year: {center id: volume}} for ``generate_year(volume=…)``.

    A center keeps its own level (±8 % of its share of the SMEs) and grows by
    about ``GROWTH`` a year (±2 % for each center), with ±2 % of noise from one
    year to the next; 1.0 is the level of the last full year. The national total
    grows by about ``GROWTH``, a center's by 0–8 %, so last year's results are a
    fair basis for this year's targets.
    """
    base = years[-1][0] - 1
    volumes: dict[int, dict[int, float]] = {year: {} for year, _until in years}
    for center in centers:
        level, growth = rng.uniform(0.92, 1.08), GROWTH * rng.uniform(0.98, 1.02)
        for year, _until in years:
            volumes[year][center.id] = level * growth ** (year - base) * rng.uniform(0.98, 1.02)
    return volumes


def build(
    rng: random.Random,
    log,
    scale: float = DEFAULT_SCALE,
    *,
    today: datetime.date | None = None,
) -> None:
    """The demo records of ``demo_years(today)`` (default: the real today), in one transaction.

    ``scale`` is the volume of the last full year (0.05: about 34,000
    sessions); the year before has about ``GROWTH`` less and the current one
    about ``GROWTH`` more, of which only the days up to yesterday are made.
    Clients of the earlier years come back in the later ones. Skipped when
    records exist.
    """
    if Consultation._base_manager.exists():
        log("consultation records: already present, skipped")
        return
    started = time.monotonic()
    years = demo_years(today or datetime.date.today())
    context, ids, pool = load_context(), Ids.after_existing(), ClientPool()
    volumes = center_volumes(rng, context.centers, years)
    activity_shares = {center.id: rng.uniform(0.03, 0.06) for center in context.centers}
    totals = Counter()
    with transaction.atomic(), _explicit_created_at():
        for fiscal_year, until in years:
            year_started, counts = time.monotonic(), Counter()
            batches = generate_year(
                rng,
                fiscal_year,
                scale,
                context=context,
                ids=ids,
                clients_pool=pool,
                until=until,
                volume=volumes[fiscal_year],
                activity_share=activity_shares,
            )
            for batch in batches:
                write_batch(batch, counts)
            totals.update(counts)
            log(
                f"consultation records FY{fiscal_year}"
                f"{f' to {until:%Y-%m-%d}' if until else ''}: {_counts(counts)} "
                f"in {time.monotonic() - year_started:.1f} s"
            )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Client, Case, Consultation, NetworkActivity]
            ):
                cursor.execute(sql)
        # Written in bulk, without signals: the indicator summaries are counted once, at the end.
        summaries.rebuild()
    first, last = years[0][0], years[-1][0]
    log(
        f"consultation records FY{first}–FY{last} (scale {scale:g}): {_counts(totals)} "
        f"in {time.monotonic() - started:.1f} s"
    )


def _counts(counts: Counter) -> str:
    return (
        f"{counts[Consultation]:,} sessions, {counts[Client]:,} new clients, "
        f"{counts[Case]:,} cases, {counts[NetworkActivity]:,} network activities"
    )
