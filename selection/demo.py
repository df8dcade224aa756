"""Demo selections and appointments, built through the real workflow functions.

- 神奈川 (関東局): a finished new-appointment round, a committee of five (two
  from the advisory board) and three candidates, one conflict of interest
  declared; the top-ranked candidate is nominated for next fiscal year, which
  writes the term and closes the sitting chief's assignment the day before.
- 東京 (関東局): a round in progress: two of three members have submitted; the
  demo ``committee`` account has still to declare and score.
- 大阪 (近畿局): the renewal of the sitting chief coordinator for two fiscal
  years, in scoring, with the center's results during the current term beside
  the candidate.
- Coordinator appointments at 東京 and 大阪, one at each step.

The extra committee accounts (``committee2`` … ``committee5``) share the demo password.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, link_board_member
from accounts.models import User, UserRole
from core.fiscal import Period, fiscal_year_of
from organizations.models import AgreementBy, Center, Person, Qualification

from . import appointments, scoring, workflow
from .models import MemberSource, RoundKind, SelectionRound
from .terms import backfill_roster_terms

# (username, last name, first name, seat, affiliation)
# A one-page PDF standing for a scanned agreement (the demo has no real signature).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

MEMBERS = [
    ("committee", "審査", "委員", MemberSource.BUREAU, "神奈川県産業振興センター 元理事"),
    ("committee2", "大野", "清", MemberSource.ADVISORY_BOARD, ""),
    ("committee3", "川村", "由美", MemberSource.ADVISORY_BOARD, ""),
    ("committee4", "松田", "浩", MemberSource.BUREAU, "横浜商工会議所 中小企業相談所長"),
    ("committee5", "石井", "真理子", MemberSource.BUREAU, "地方銀行 法人営業部長"),
]
CANDIDATES = [
    # name, kana, position, career, qualifications, strength (mean score)
    (
        "森本 隆之",
        "モリモト タカユキ",
        "民間コンサルティング会社 代表",
        "大手メーカーで商品企画20年。独立後、地域の中小企業300社以上の売上拡大を支援。",
        ["中小企業診断士"],
        4.2,
    ),
    (
        "長谷川 恵",
        "ハセガワ メグミ",
        "神奈川県よろず支援拠点 コーディネーター",
        "信用金庫で融資・経営支援15年。拠点のコーディネーターとして事業承継を担当。",
        ["中小企業診断士", "ファイナンシャル・プランニング技能士"],
        3.9,
    ),
    (
        "岡本 健",
        "オカモト ケン",
        "IT企業 事業部長",
        "ITベンダーでDX推進の事業部を立ち上げ。商店街のEC化支援の実績。",
        ["ITコーディネーター"],
        3.3,
    ),
]
TOKYO_CANDIDATES = [
    ("藤井 直人", "フジイ ナオト", "商社 OB", "総合商社で海外販路開拓30年。", ["販売士"], 3.8),
    (
        "村上 彩",
        "ムラカミ アヤ",
        "税理士法人 パートナー",
        "税理士として中小企業の経営改善を支援。",
        ["税理士"],
        3.6,
    ),
    ("菅原 誠", "スガワラ マコト", "元市役所 産業振興課長", "地域産業政策の企画。", [], 3.1),
]


def _accounts() -> dict:
    """The committee accounts; those sitting for the advisory board are its members'
    accounts, linked to the board's HQ staff records."""
    users = {}
    for username, last, first, seat, _affiliation in MEMBERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            board = seat == MemberSource.ADVISORY_BOARD
            user = User(
                username=username,
                last_name=last,
                first_name=first,
                role=UserRole.BOARD_MEMBER if board else UserRole.COMMITTEE_MEMBER,
            )
            if board:
                link_board_member(user)
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user
    return users


def _score(rng, strength: float) -> int:
    return max(1, min(5, round(rng.gauss(strength, 0.6))))


def _run(rng, round_, seats, *, submit: int, candidates=(), conflicts=()):
    """Declarations, scores and submissions for the first ``submit`` seats; each candidate's
    scores scatter around their strength (``candidates`` rows), 3.7 by default."""
    criteria = list(round_.criteria.all())
    people = list(round_.candidates.order_by("id"))
    strengths = {row[0]: row[5] for row in candidates}
    for index, seat in enumerate(seats[:submit]):
        declarations = {
            c.pk: (
                (index, n) in conflicts,
                "元同僚（同じ部署に5年在籍）" if (index, n) in conflicts else "",
            )
            for n, c in enumerate(people)
        }
        workflow.declare_conflicts(seat, user=seat.user, declarations=declarations)
        for n, candidate in enumerate(people):
            if (index, n) in conflicts:
                continue
            strength = strengths.get(candidate.name, 3.7)
            workflow.save_scores(
                seat.sheets.get(candidate=candidate),
                user=seat.user,
                scores={c.pk: _score(rng, strength) for c in criteria},
                comment=rng.choice(
                    [
                        "地域の事業者の実情をよく理解している。",
                        "チーム運営の具体策がやや弱い。",
                        "相談対応の実績が豊富で説得力がある。",
                        "拠点のビジョンが明確。支援機関との連携に期待。",
                        "",
                    ]
                ),
            )
        workflow.submit_scores(seat, user=seat.user)


def _round(center, officer, users, members, *, kind, start, end, candidates=()):
    round_ = workflow.create_round(
        center=center,
        kind=kind,
        term_start=start,
        term_end=end,
        user=officer,
        notes="任期満了に伴う選定。"
        if kind == RoundKind.RENEWAL
        else "チーフコーディネーターの公募による選定。",
    )
    for username in members:
        _name, _last, _first, seat, affiliation = next(m for m in MEMBERS if m[0] == username)
        workflow.add_member(
            round_, user=officer, member=users[username], source=seat, affiliation=affiliation
        )
    qualifications = {q.name: q for q in Qualification.objects.all()}
    for name, kana, position, career, held, _strength in candidates:
        workflow.save_candidate(
            round_,
            user=officer,
            name=name,
            kana=kana,
            current_position=position,
            career=career,
            qualifications=[qualifications[q] for q in held],
        )
    for sitting in round_.candidates.filter(person__isnull=False):
        workflow.save_candidate(
            round_,
            user=officer,
            candidate=sitting,
            qualifications=sitting.qualifications.all(),
            person=sitting.person,
            name=sitting.name,
            kana=sitting.kana,
            current_position=sitting.current_position,
            career="前職は地方銀行の法人営業部長。就任後、支援機関との連携会議を毎月開催。",
        )
    workflow.start_scoring(round_, user=officer)
    return round_, list(round_.members.select_related("user").order_by("id"))


@transaction.atomic
def build(rng, log) -> None:
    if SelectionRound.objects.exists():
        log("selection: already present, skipped")
        return
    kanto = User.objects.filter(username="kanto", role=UserRole.BUREAU_OFFICER).first()
    kinki = User.objects.filter(username="kinki", role=UserRole.BUREAU_OFFICER).first()
    if kanto is None or kinki is None or not Person.objects.exists():
        log("selection: no demo users or staff, skipped")
        return
    users = _accounts()
    # The chief coordinators on the staff records before the system: listed as terms.
    backfill_roster_terms(user=kanto)
    today = datetime.date.today()
    next_year = Period.fiscal_year(fiscal_year_of(today) + 1)
    start, end = next_year.start, next_year.end
    kanagawa, tokyo, osaka = (Center.objects.get(code=c) for c in ("14", "13", "27"))

    finished, seats = _round(
        kanagawa,
        kanto,
        users,
        [m[0] for m in MEMBERS],
        kind=RoundKind.NEW,
        start=start,
        end=end,
        candidates=CANDIDATES,
    )
    _run(rng, finished, seats, submit=len(seats), candidates=CANDIDATES, conflicts=[(4, 1)])
    finished.refresh_from_db()
    best = scoring.results(finished).ranking[0].candidate
    workflow.decide(
        finished,
        user=kanto,
        nominee=best,
        reason="総合評価が最も高く、面接でも地域の支援機関との連携策が具体的だった。",
        staff_code="S90001",
    )
    # The bureau corrects its decision: the term was to run two fiscal years.
    workflow.correct_decision(
        finished,
        user=kanto,
        nominee=best,
        term_end=Period.fiscal_year(end.year).end,
        reason="総合評価が最も高く、面接でも地域の支援機関との連携策が具体的だった。"
        "任期は2年とする。",
        correction_reason="公募要領では任期2年としていたが、決定時に1年と誤って記録したため訂正。",
    )

    in_progress, seats = _round(
        tokyo,
        kanto,
        users,
        ["committee2", "committee4", "committee"],
        kind=RoundKind.NEW,
        start=start,
        end=end,
        candidates=TOKYO_CANDIDATES,
    )
    _run(rng, in_progress, seats, submit=2, candidates=TOKYO_CANDIDATES)

    renewal, seats = _round(
        osaka,
        kinki,
        users,
        ["committee3", "committee5", "committee"],
        kind=RoundKind.RENEWAL,
        start=start,
        end=Period.fiscal_year(start.year + 1).end,
    )
    _run(rng, renewal, seats, submit=1)

    _appointments(tokyo, osaka, kanto, kinki, start, end)
    log(
        "selection: 3 rounds (finished and its decision corrected, in progress, renewal), "
        "4 coordinator appointments; committee members committee, committee2 … committee5 "
        "(committee2 and committee3 sit for the advisory board)"
    )


def _appointments(tokyo, osaka, kanto, kinki, start, end):
    tokyo_cc = User.objects.filter(username="tokyo-cc").first()
    osaka_cc = User.objects.filter(username="osaka-cc").first()
    if tokyo_cc is None or osaka_cc is None:
        return

    def propose(user, center, name, kana, code, reason):
        return appointments.propose(
            center=center,
            user=user,
            name=name,
            kana=kana,
            staff_code=code,
            career="金融機関・支援機関での経営支援経験。",
            reason=reason,
            start_date=start,
            end_date=end,
        )

    def agree(appointment, user):
        """The body's own account where its bureau asks for it; otherwise the center,
        with the signed agreement uploaded."""
        body = appointment.center.implementing_body
        signatory = f"{body.name} 理事長"
        own = User.objects.filter(role=UserRole.IMPLEMENTING_BODY, implementing_body=body).first()
        bureau = appointment.center.prefecture.bureau
        if own is not None and bureau.appointment_agreement == AgreementBy.BODY_ACCOUNT:
            appointments.agree(
                appointment, user=own, signatory=signatory, agreed_on=datetime.date.today()
            )
            return
        appointments.agree(
            appointment,
            user=user,
            signatory=signatory,
            agreed_on=datetime.date.today(),
            document=SimpleUploadedFile("同意書.pdf", DEMO_PDF, "application/pdf"),
        )

    propose(tokyo_cc, tokyo, "小野 悠", "オノ ユウ", "S90101", "DX相談の増加に対応するため。")
    approved = propose(
        tokyo_cc,
        tokyo,
        "原田 信也",
        "ハラダ シンヤ",
        "S90102",
        "事業承継の相談体制を強化するため。",
    )
    agree(approved, tokyo_cc)
    appointments.approve(approved, user=kanto, note="局内で協議し、承認。")
    appointed = propose(
        tokyo_cc, tokyo, "西村 千尋", "ニシムラ チヒロ", "S90103", "創業支援の専門人材として。"
    )
    agree(appointed, tokyo_cc)
    appointments.approve(appointed, user=kanto, note="承認。")
    appointments.create_term(appointed, user=tokyo_cc)
    waiting = propose(
        osaka_cc, osaka, "坂本 亮", "サカモト リョウ", "S90201", "海外展開の相談に対応するため。"
    )
    agree(waiting, osaka_cc)
