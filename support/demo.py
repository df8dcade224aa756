"""Demo HQ support: a year of visits, two experts' meetings, the year's training, requests.

- HQ experts: the demo ``expert`` (北海道, 青森, 東京) and four more project managers
  (``pm-east``, ``pm-chubu``, ``pm-west``, ``pm-kyushu``) share the 47 centers by
  region; three supporters (``supporter`` and two more) answer support requests.
- Visits: the twelve months up to yesterday, 3–4 per center, on days the center
  held sessions, each sitting in on one or two of that day's sessions, with one to
  three findings and follow-ups. Follow-ups due long ago are mostly done, recent
  ones mostly open. The centers the plans demo sets behind (``planning.demo.BEHIND_CENTERS``)
  are visited more often and escalated (one of them to focused intervention),
  with the bureau notified.
- Two HQ experts' meetings, about six months and three weeks ago, each covering the
  visits since the one before, with feedback to single centers and to all.
- Training of the fiscal year of yesterday: national training twice, block training
  twice in each block, SME University coordinator training and OJT at f-Biz; the
  events already held have their attendance, later ones their registrations.

All of it is bulk-created (a few thousand rows); the builder skips itself when
visits exist.
"""

import datetime

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import User, UserRole
from consultations.models import Consultation, Topic
from core.fiscal import Period, fiscal_year_of
from organizations.models import Assignment, Center, Person, Role, TrainingBlock
from planning.demo import BEHIND_CENTERS

from .models import (
    AttendanceStatus,
    Escalation,
    EscalationLevel,
    EscalationNotice,
    ExpertsMeeting,
    Feedback,
    FindingCategory,
    FollowUp,
    FollowUpStatus,
    RequestOutcome,
    RequestStatus,
    SupportRequest,
    TrainingEvent,
    TrainingKind,
    TrainingRegistration,
    Visit,
    VisitPlan,
)

# Models this builder fills, children first: what ``demo --reset`` deletes.
RESET_MODELS = [
    EscalationNotice,
    Escalation,
    VisitPlan,
    TrainingRegistration,
    TrainingEvent,
    Feedback,
    ExpertsMeeting,
    FollowUp,
    Visit,
    SupportRequest,
]
DEMO_PASSWORD = "yorozu-demo-2026"
# (username, last name, first name, bureau codes); ``expert`` exists already (accounts.demo).
PROJECT_MANAGERS = [
    ("pm-east", "東日本担当", "PM", ["tohoku", "kanto"]),
    ("pm-chubu", "中部近畿担当", "PM", ["chubu", "kinki"]),
    ("pm-west", "中国四国担当", "PM", ["chugoku", "shikoku"]),
    ("pm-kyushu", "九州沖縄担当", "PM", ["kyushu", "okinawa"]),
]
EXTRA_SUPPORTERS = [
    ("supporter-2", "全国本部", "サポーター2"),
    ("supporter-3", "全国本部", "サポーター3"),
]
ESCALATED_TO_INTENSIVE = "32"  # 島根: focused intervention from the third visit

FINDINGS = {
    "相談対応の質": (
        "同席した相談では課題の整理が早く、相談者の納得感が高かった。一方で次回までの宿題が曖昧な場面があった。",
        "相談の最後に次回までの行動を相談者と確認し、記録に残すこと。",
        "相談終了時の行動確認を全コーディネーターで徹底する",
    ),
    "課題解決までのフォローアップ": (
        "初回相談後に連絡が途絶えた案件が一定数ある。",
        "初回から1か月以内に状況確認の連絡を入れる運用を定めること。",
        "初回相談後1か月以内のフォロー連絡を運用ルール化する",
    ),
    "支援機関との連携": (
        "商工会・金融機関からの紹介は増えているが、紹介元への結果報告が不十分。",
        "紹介元への結果報告の様式を作り、四半期ごとに共有すること。",
        "紹介元への結果報告様式を作成する",
    ),
    "広報・集客": (
        "来訪相談者の多くが県庁所在地周辺に偏っている。",
        "郡部での出張相談会を支援機関と共催で企画すること。",
        "郡部での出張相談会を企画する",
    ),
    "人員体制・役割分担": (
        "相談予約が特定のコーディネーターに集中している。",
        "分野別の担当表を見直し、予約を平準化すること。",
        "分野別担当表を見直す",
    ),
    "相談記録・データ管理": (
        "相談記録の入力が数日遅れることがある。",
        "相談当日中に記録を入力する運用とすること。",
        "相談記録の当日入力を徹底する",
    ),
    "重点分野への取組": (
        "重点分野の相談件数が計画に対して伸び悩んでいる。",
        "重点分野の事例を整理し、支援機関向け説明会で紹介すること。",
        "重点分野の支援事例集をまとめる",
    ),
    "事業計画の進捗管理": (
        "月次の進捗確認が実施されていない。",
        "月次で目標と実績を確認する会議を設けること。",
        "月次の進捗確認会議を設ける",
    ),
    "専門家の活用": (
        "専門家の活用が特定分野に偏っている。",
        "専門家の得意分野一覧を作成し、相談内容に応じて活用すること。",
        "専門家の得意分野一覧を作成する",
    ),
}
TRAINING_PLACES = {
    TrainingKind.NATIONAL: "中小企業基盤整備機構 本部（東京都港区）",
    TrainingKind.SME_UNIVERSITY: "中小企業大学校 東京校（東大和市）",
    TrainingKind.OJT: "富士市産業支援センター f-Biz（静岡県富士市）",
}


def _user(username, last, first, role, *, person=None):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"last_name": last, "first_name": first, "role": role, "person": person},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _free_people(role):
    return list(Person.objects.filter(assignments__role=role, user__isnull=True).order_by("pk"))


def _experts(log):
    """The project managers (HQ experts by region) and the supporters, as accounts."""
    managers = _free_people(Role.PROJECT_MANAGER)
    expert = User.objects.filter(username="expert").first()
    if expert and expert.person_id is None and managers:
        expert.person = managers.pop(0)
        expert.save()
    pm_by_center = {}
    if expert:
        for center in expert.assigned_centers.all():
            pm_by_center[center.pk] = expert
    for username, last, first, bureaus in PROJECT_MANAGERS:
        person = managers.pop(0) if managers else None
        pm = _user(username, last, first, UserRole.HQ_EXPERT, person=person)
        centers = Center.objects.filter(prefecture__bureau__code__in=bureaus).exclude(
            pk__in=list(pm_by_center)
        )
        pm.assigned_centers.add(*centers)
        for center in centers:
            pm_by_center[center.pk] = pm
    supporters_people = _free_people(Role.SUPPORTER)
    supporters = []
    main = User.objects.filter(username="supporter").first()
    if main:
        if main.person_id is None and supporters_people:
            main.person = supporters_people.pop(0)
            main.save()
        supporters.append(main)
    for username, last, first in EXTRA_SUPPORTERS:
        person = supporters_people.pop(0) if supporters_people else None
        supporters.append(_user(username, last, first, UserRole.SUPPORTER, person=person))
    log(
        f"support: {len(set(pm_by_center.values()))} project managers, {len(supporters)} supporters"
    )
    return pm_by_center, supporters


def _session_days(start, end):
    """{center id: sorted days with sessions} over the window, from one query."""
    days = {}
    for center_id, day in (
        Consultation.objects.filter(date__gte=start, date__lte=end)
        .values_list("center_id", "date")
        .distinct()
        .order_by("center_id", "date")
    ):
        days.setdefault(center_id, []).append(day)
    return days


def _visit_days(rng, session_days, start, end, count):
    """``count`` days spread over the window, each on a day with sessions if there is one."""
    span = (end - start).days
    chosen = []
    for index in range(count):
        low = start + datetime.timedelta(days=span * index // count)
        high = start + datetime.timedelta(days=span * (index + 1) // count - 1)
        candidates = [d for d in session_days if low <= d <= high]
        if candidates:
            chosen.append(rng.choice(candidates))
        else:
            chosen.append(low + datetime.timedelta(days=rng.randint(0, max((high - low).days, 0))))
    return chosen


@transaction.atomic
def build(rng, log) -> None:
    if Visit.objects.exists():
        log("support: already present, skipped")
        return
    if not User.objects.filter(role=UserRole.HQ_STAFF).exists():
        log("support: no demo users, skipped")
        return
    today = datetime.date.today()
    yesterday = today - datetime.timedelta(days=1)
    hq = User.objects.filter(role=UserRole.HQ_STAFF).first()
    pm_by_center, supporters = _experts(log)
    visits, follow_ups, notices = _visits(rng, pm_by_center, yesterday)
    meetings = _meetings(rng, hq, yesterday)
    _board_review_of_the_first_meeting()
    events, registrations = _training(rng, fiscal_year_of(yesterday), today)
    requests = _requests(rng, hq, supporters, pm_by_center, today)
    log(
        f"support: {visits} visits, {follow_ups} follow-ups, {notices} escalations, "
        f"{meetings} experts' meetings, {events} training events with {registrations} "
        f"registrations, {requests} support requests"
    )


def _visits(rng, pm_by_center, until):
    start = until - datetime.timedelta(days=364)
    centers = list(Center.objects.select_related("prefecture__bureau").order_by("code"))
    session_days = _session_days(start, until)
    categories = list(FindingCategory.objects.filter(name__in=FINDINGS))
    staff = {}
    for a in Assignment.objects.active_on(until).filter(
        role__in=[Role.CHIEF_COORDINATOR, Role.COORDINATOR]
    ):
        staff.setdefault(a.center_id, []).append(a.person_id)
    planned = []  # (visit, findings, follow-up rows, session day)
    for center in centers:
        behind = center.code in BEHIND_CENTERS
        count = rng.randint(5, 6) if behind else rng.randint(3, 4)
        level = EscalationLevel.NORMAL
        pm = pm_by_center.get(center.pk)
        for index, day in enumerate(
            _visit_days(rng, session_days.get(center.pk, []), start, until, count)
        ):
            raised_from = None
            if behind and index == 1:
                raised_from, level = level, EscalationLevel.ENHANCED
            if center.code == ESCALATED_TO_INTENSIVE and index == 2:
                raised_from, level = level, EscalationLevel.INTENSIVE
            found = rng.sample(categories, rng.randint(1, 3))
            first = FINDINGS[found[0].name]
            visit = Visit(
                center=center,
                date=day,
                observations="\n".join(FINDINGS[f.name][0] for f in found),
                advice="\n".join(FINDINGS[f.name][1] for f in found),
                escalation_level=level,
                recorded_by=pm,
            )
            raise_reason = ""
            if raised_from is not None:
                raise_reason = (
                    "事業計画の目標に対して主要指標の進捗が大きく遅れており、"
                    f"{first[0]} 訪問頻度を上げて支援を強化する。"
                )
            rows = []
            for f in found[: rng.randint(1, len(found))]:
                due = day + datetime.timedelta(days=rng.choice([30, 45, 60, 90]))
                if due < until - datetime.timedelta(days=30):
                    status = (
                        FollowUpStatus.DONE if rng.random() < 0.85 else FollowUpStatus.IN_PROGRESS
                    )
                else:
                    status = rng.choice([FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS])
                owners = staff.get(center.pk) or [None]
                rows.append(
                    FollowUp(
                        description=FINDINGS[f.name][2],
                        owner_id=rng.choice(owners),
                        due_date=due,
                        status=status,
                        done_on=min(due - datetime.timedelta(days=rng.randint(0, 20)), until)
                        if status == FollowUpStatus.DONE
                        else None,
                    )
                )
            planned.append((visit, found, rows, (raised_from, raise_reason), pm))
    saved = bulk_create_with_history([p[0] for p in planned], Visit, batch_size=500)
    saved_by_key = {(v.center_id, v.date): v for v in Visit.objects.all()}
    experts_through = Visit.experts.through
    sessions_through = Visit.sessions.through
    findings_through = Visit.findings.through
    expert_rows, session_rows, finding_rows, follow_rows, notice_rows = [], [], [], [], []
    changes = []  # (visit, from level, reason, pm): each a step on the center's record
    for visit, found, rows, (raised_from, reason), pm in planned:
        visit = saved_by_key[(visit.center_id, visit.date)]
        if raised_from is not None:
            changes.append((visit, raised_from, reason, pm))
        if pm:
            expert_rows.append(experts_through(visit_id=visit.pk, user_id=pm.pk))
        for session_id in Consultation.objects.filter(
            center_id=visit.center_id, date=visit.date
        ).values_list("pk", flat=True)[: rng.randint(1, 2)]:
            session_rows.append(sessions_through(visit_id=visit.pk, consultation_id=session_id))
        finding_rows += [
            findings_through(visit_id=visit.pk, findingcategory_id=f.pk) for f in found
        ]
        for row in rows:
            row.visit = visit
            follow_rows.append(row)
    experts_through.objects.bulk_create(expert_rows)
    sessions_through.objects.bulk_create(session_rows)
    findings_through.objects.bulk_create(finding_rows)
    bulk_create_with_history(follow_rows, FollowUp, batch_size=500)
    notice_rows = _escalations(changes)
    return len(saved), len(follow_rows), len(notice_rows)


def _board_review_of_the_first_meeting():
    """The advisory board has reviewed the first meeting's report; the latest awaits it."""
    from core.scoping import board_members

    from .meetings import review_report

    member = board_members().order_by("username").first()
    first = ExpertsMeeting.objects.order_by("held_on").first()
    if member is not None and first is not None:
        review_report(
            first,
            user=member,
            comment="訪問頻度の引上げ方針は妥当。フォローアップの期限超過が多い拠点には、"
            "本部から所長への直接の働きかけを求める。",
        )


def _escalations(changes) -> list:
    """Each center's escalation record at its last level, its raises as steps (who,
    when, from, to, reason) and the bureau's notices, dated at the visit."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import StepEvent

    records = {
        e.center_id: e
        for e in Escalation.objects.bulk_create(
            [Escalation(center=c) for c in Center.objects.exclude(escalation__isnull=False)]
        )
    }
    records.update({e.center_id: e for e in Escalation.objects.all()})
    kind = ContentType.objects.get_for_model(Escalation)
    notices = []
    for visit, previous, reason, pm in changes:
        at = datetime.datetime.combine(visit.date, datetime.time(17), tzinfo=datetime.UTC)
        record = records[visit.center_id]
        record.level, record.reason, record.changed_by, record.changed_at = (
            visit.escalation_level,
            reason,
            pm,
            at,
        )
        record.visit = visit
        record.save()
        event = StepEvent.objects.create(
            content_type=kind,
            object_id=record.pk,
            action="escalate",
            from_status=str(previous),
            to_status=str(visit.escalation_level),
            user=pm or User.objects.filter(role=UserRole.HQ_STAFF).first(),
            note=reason,
        )
        StepEvent.objects.filter(pk=event.pk).update(at=at)
        notice = EscalationNotice.objects.create(
            bureau=visit.center.prefecture.bureau,
            center=visit.center,
            visit=visit,
            from_level=previous,
            to_level=visit.escalation_level,
            reason=reason,
            raised_by=pm,
        )
        # Dated when the level was raised, not when the demo was built.
        EscalationNotice.objects.filter(pk=notice.pk).update(created_at=at)
        notices.append(notice)
    return notices


def _meetings(rng, hq, until):
    from .meetings import summarize

    held = [until - datetime.timedelta(days=180), until - datetime.timedelta(days=20)]
    start = until - datetime.timedelta(days=364)
    feedback_rows = []
    for number, held_on in enumerate(held, start=1):
        end = held_on - datetime.timedelta(days=1)
        summary = summarize(Visit.objects.all(), start=start, end=end)
        totals = summary.totals
        recurring = "、".join(f.name for f in summary.recurring[:3]) or "特になし"
        meeting = ExpertsMeeting(
            title=f"{fiscal_year_of(held_on)}年度 第{number}回 全国本部専門家会議",
            held_on=held_on,
            period_start=start,
            period_end=end,
            report_to_agency=(
                f"期間中に{totals['centers']}拠点へ延べ{totals['total']}回訪問した。"
                f"強化{totals['level_1']}回、重点介入{totals['level_2']}回。"
                f"未完了のフォローアップは{len(summary.open_follow_ups)}件"
                f"（うち期限超過{summary.overdue_count}件）。繰り返し見られた所見: {recurring}。"
            ),
            policies=(
                "1. 進捗が遅れている拠点への訪問頻度を月1回に引き上げる。\n"
                "2. フォローアップの期限管理を次回訪問時に必ず確認する。\n"
                f"3. {recurring}について好事例を全拠点に共有する。"
            ),
            recorded_by=hq,
        )
        meeting = bulk_create_with_history([meeting], ExpertsMeeting)[0]
        if meeting.pk is None:
            meeting = ExpertsMeeting.objects.get(held_on=held_on)
        feedback_rows.append(
            Feedback(
                meeting=meeting, text=f"{recurring}について、好事例集を参考に取組を見直すこと。"
            )
        )
        feedback_rows.append(
            Feedback(
                meeting=meeting, text="次回訪問までに未完了のフォローアップの進捗を報告すること。"
            )
        )
        targets = list(
            Center.objects.filter(code__in=BEHIND_CENTERS).order_by("code")
        ) + rng.sample(list(Center.objects.exclude(code__in=BEHIND_CENTERS)), 4)
        for center in targets:
            feedback_rows.append(
                Feedback(
                    meeting=meeting,
                    center=center,
                    text=rng.choice(
                        [
                            "主要指標の月次進捗を所長と共有し、遅れの要因を分析すること。",
                            "支援機関からの紹介案件の結果報告を徹底すること。",
                            "重点分野の相談会を支援機関と共催で開催すること。",
                            "相談記録の当日入力を徹底し、データの鮮度を保つこと。",
                        ]
                    ),
                )
            )
        start = held_on
    bulk_create_with_history(feedback_rows, Feedback, batch_size=500)
    return len(held)


def _training(rng, fy, today):
    period = Period.fiscal_year(fy)

    def day(month, dom):
        year = fy if month >= 4 else fy + 1
        return datetime.date(year, month, dom)

    events = [
        TrainingEvent(
            code=f"{fy}-N1",
            kind=TrainingKind.NATIONAL,
            title=f"{fy}年度 第1回 全国研修",
            start_date=day(6, 18),
            end_date=day(6, 19),
            place=TRAINING_PLACES[TrainingKind.NATIONAL],
            capacity=200,
            programme="1日目: 活動方針の説明、好事例発表\n2日目: 分科会（売上拡大・事業承継・DX）",
        ),
        TrainingEvent(
            code=f"{fy}-N2",
            kind=TrainingKind.NATIONAL,
            title=f"{fy}年度 第2回 全国研修",
            start_date=day(11, 12),
            end_date=day(11, 13),
            place=TRAINING_PLACES[TrainingKind.NATIONAL],
            capacity=200,
            programme="1日目: 上期の実績と課題\n2日目: 相談対応のケーススタディ",
        ),
        TrainingEvent(
            code=f"{fy}-U1",
            kind=TrainingKind.SME_UNIVERSITY,
            title=f"{fy}年度 コーディネーター研修（中小企業大学校）",
            start_date=day(9, 2),
            end_date=day(9, 4),
            place=TRAINING_PLACES[TrainingKind.SME_UNIVERSITY],
            capacity=40,
            programme="相談対応の基礎、課題の見立て、支援機関との連携",
        ),
        TrainingEvent(
            code=f"{fy}-J1",
            kind=TrainingKind.OJT,
            title=f"{fy}年度 モデル拠点OJT（f-Biz）",
            start_date=day(10, 6),
            end_date=day(10, 8),
            place=TRAINING_PLACES[TrainingKind.OJT],
            capacity=10,
            programme="f-Bizの相談に同席し、売上拡大支援の手法を学ぶ",
        ),
    ]
    for block in TrainingBlock.objects.order_by("order"):
        for number, (month, dom) in enumerate([(7, 10 + block.order), (1, 20 + block.order)], 1):
            events.append(
                TrainingEvent(
                    code=f"{fy}-B{block.order}-{number}",
                    kind=TrainingKind.BLOCK,
                    title=f"{fy}年度 {block.name}研修 第{number}回",
                    block=block,
                    start_date=day(month, dom),
                    end_date=day(month, dom),
                    place=f"{block.name}幹事拠点",
                    capacity=60,
                    programme="ブロック内の事例共有、重点分野の勉強会",
                )
            )
    bulk_create_with_history(events, TrainingEvent, batch_size=100)
    events = list(TrainingEvent.objects.filter(code__startswith=f"{fy}-").select_related("block"))
    staff = list(
        Assignment.objects.active_on(period.start)
        .filter(center__isnull=False)
        .select_related("center__prefecture")
        .order_by("center__code", "pk")
    )
    by_center = {}
    for a in staff:
        by_center.setdefault(a.center_id, []).append(a)
    registrations = []
    for event in events:
        held = event.end_date < today
        if event.kind == TrainingKind.NATIONAL:
            chosen = [
                a for group in by_center.values() for a in rng.sample(group, min(3, len(group)))
            ]
        elif event.kind == TrainingKind.BLOCK:
            pool = [a for a in staff if a.center.prefecture.training_block_id == event.block_id]
            chosen = rng.sample(pool, min(len(pool) * 2 // 5, event.capacity))
        else:
            coordinators = [a for a in staff if a.role == Role.COORDINATOR]
            chosen = rng.sample(coordinators, event.capacity)
        seen = set()
        for a in chosen[: event.capacity]:
            if a.person_id in seen:
                continue
            seen.add(a.person_id)
            if held:
                status = (
                    AttendanceStatus.ATTENDED if rng.random() < 0.9 else AttendanceStatus.ABSENT
                )
            else:
                status = AttendanceStatus.REGISTERED
            registrations.append(
                TrainingRegistration(
                    event=event, person_id=a.person_id, center_id=a.center_id, status=status
                )
            )
    bulk_create_with_history(registrations, TrainingRegistration, batch_size=1000)
    return len(events), len(registrations)


def _requests(rng, hq, supporters, pm_by_center, today):
    topics = list(Topic.objects.filter(is_active=True))
    centers = list(Center.objects.order_by("code"))
    subjects = [
        ("事業承継計画の策定支援", "後継者候補はいるが、株式の移転方法と時期の助言がほしい。"),
        ("ECサイトでの販路開拓", "地域の食品メーカーが自社EC立ち上げを検討。運営体制の助言を。"),
        ("資金繰り改善の進め方", "原材料高で資金繰りが厳しい製造業。金融機関との交渉方法を。"),
        ("海外展開の初期検討", "台湾への輸出を検討する酒蔵。商流と規制の概要を知りたい。"),
        ("DXの進め方", "受発注をFAXで行う卸売業。段階的なデジタル化の助言がほしい。"),
        ("知的財産の活用", "独自技術の特許出願とライセンスの考え方について。"),
    ]
    rows = []
    for index in range(14):
        center = rng.choice(centers)
        title, description = rng.choice(subjects)
        requested = today - datetime.timedelta(days=rng.randint(3, 200))
        status = rng.choice(
            [RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.ADVISED]
            + [RequestStatus.CLOSED] * 2
        )
        if index == 0:
            status = RequestStatus.ASSIGNED  # the demo supporter has something to answer
        request = SupportRequest(
            center=center,
            title=title,
            description=description,
            topic=rng.choice(topics),
            requested_on=requested,
            status=status,
        )
        if status != RequestStatus.REQUESTED and supporters:
            request.supporter = supporters[0] if index == 0 else rng.choice(supporters)
            request.assigned_by = pm_by_center.get(center.pk) or hq
            request.assigned_on = requested + datetime.timedelta(days=3)
        if status in (RequestStatus.ADVISED, RequestStatus.CLOSED):
            request.advice = "現状を整理した上で、段階的に取り組む計画を提案した。次回は関係機関を交えて検討する。"
            request.advised_on = requested + datetime.timedelta(days=14)
        if status == RequestStatus.CLOSED:
            request.outcome = rng.choice([RequestOutcome.SOLVED, RequestOutcome.PARTLY])
            request.outcome_note = "助言に沿って計画を作成した。"
            request.closed_on = requested + datetime.timedelta(days=30)
        rows.append(request)
    bulk_create_with_history(rows, SupportRequest, batch_size=100)
    return len(rows)
