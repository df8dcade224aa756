"""Shared personas and factories.

The master data (47 centers, bureaus, blocks, qualifications) comes from the
data migration, so every test starts with the real network. Personas:
Tokyo and Osaka each have a manager and a coordinator; the Kanto and Kinki
bureaus an officer each; one HQ expert looks after Tokyo, another Osaka.
"""

import datetime

import pytest

from accounts.models import User, UserRole
from organizations.models import Assignment, Bureau, Center, Person, Qualification, Role

PASSWORD = "test-pass-9431"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The per-address counters (core.ratelimit) start afresh in every test: the test
    client always comes from the same address."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def jobs_run_at_once(settings):
    """Background jobs (core/jobs.py) run inside the request or call that queues them, so
    that no test needs a worker; core/tests/test_jobs.py also runs the database backend
    with its worker in-process."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def mfa_only_where_tested(request, settings):
    """Two-step login is required in tests marked ``mfa`` (and in production); the others
    log in with force_login or a password and reach their pages as before. The gate for
    every URL is tested with it on (accounts/tests/test_mfa.py)."""
    if request.node.get_closest_marker("mfa") is None:
        settings.MFA_REQUIRED = False


@pytest.fixture
def tokyo(db):
    return Center.objects.get(code="13")


@pytest.fixture
def kanagawa(db):
    return Center.objects.get(code="14")


@pytest.fixture
def osaka(db):
    return Center.objects.get(code="27")


def make_user(username, role, *, center=None, bureau=None, assigned=(), body=None):
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        center=center,
        bureau=bureau,
        implementing_body=body,
    )
    if assigned:
        user.assigned_centers.set(assigned)
    return user


@pytest.fixture
def personas(db, tokyo, osaka):
    kanto = Bureau.objects.get(code="kanto")
    kinki = Bureau.objects.get(code="kinki")
    return {
        "admin": make_user("admin", UserRole.AGENCY_ADMIN),
        "hq": make_user("hq", UserRole.HQ_STAFF),
        "kanto_officer": make_user("kanto_officer", UserRole.BUREAU_OFFICER, bureau=kanto),
        "kinki_officer": make_user("kinki_officer", UserRole.BUREAU_OFFICER, bureau=kinki),
        "tokyo_manager": make_user("tokyo_manager", UserRole.CENTER_MANAGER, center=tokyo),
        "tokyo_coordinator": make_user("tokyo_coordinator", UserRole.COORDINATOR, center=tokyo),
        "osaka_manager": make_user("osaka_manager", UserRole.CENTER_MANAGER, center=osaka),
        "osaka_coordinator": make_user("osaka_coordinator", UserRole.COORDINATOR, center=osaka),
        "tokyo_expert": make_user("tokyo_expert", UserRole.HQ_EXPERT, assigned=[tokyo]),
        "osaka_expert": make_user("osaka_expert", UserRole.HQ_EXPERT, assigned=[osaka]),
        "committee": make_user("committee", UserRole.COMMITTEE_MEMBER),
        "supporter": make_user("supporter", UserRole.SUPPORTER),
        "tokyo_body": make_user(
            "tokyo_body", UserRole.IMPLEMENTING_BODY, body=tokyo.implementing_body
        ),
        "osaka_body": make_user(
            "osaka_body", UserRole.IMPLEMENTING_BODY, body=osaka.implementing_body
        ),
    }


@pytest.fixture
def board(db):
    """A sitting advisory-board member (not a persona: a staff record comes with it)."""
    return make_board_member("board")


def make_board_member(username):
    """An advisory-board member's account, linked to an HQ staff record on the board."""
    person = Person.objects.create(staff_code=f"AB-{username}", name=f"{username} 委員")
    Assignment.objects.create(
        person=person, role=Role.ADVISORY_BOARD, start_date=datetime.date(2020, 4, 1)
    )
    user = make_user(username, UserRole.BOARD_MEMBER)
    user.person = person
    user.save()
    return user


# Who may not touch a Tokyo record: another center, another bureau, another expert.
OUTSIDERS_OF_TOKYO = [
    "osaka_manager",
    "osaka_coordinator",
    "kinki_officer",
    "osaka_expert",
    "committee",
    "supporter",
    "osaka_body",
]


@pytest.fixture
def client_for(client, personas):
    def login(name):
        client.force_login(personas[name])
        return client

    return login


_sequence = iter(range(1, 10**6))


def make_person(
    center, role=Role.COORDINATOR, *, qualifications=(), start=None, end=None, code=None
):
    """A staff member with one assignment (center=None for HQ roles)."""
    number = next(_sequence)
    person = Person.objects.create(
        staff_code=code or f"T{number:05d}", name=f"試験 {number}", kana=f"シケン {number}"
    )
    person.qualifications.set(Qualification.objects.filter(name__in=qualifications))
    Assignment.objects.create(
        person=person,
        center=center,
        role=role,
        start_date=start or datetime.date(2024, 4, 1),
        end_date=end,
    )
    return person


def make_client(center, name=None, **fields):
    from consultations.models import Client, ClientForm

    number = next(_sequence)
    return Client.objects.create(
        home_center=center,
        business_name=name or f"株式会社試験{number}",
        form=fields.pop("form", ClientForm.CORPORATION),
        **fields,
    )


def make_case(client, center=None, *, opened=None, solved=None, priority=(), topics=(), **fields):
    from consultations.models import Case, CaseStatus, PriorityField, ResolutionKind, Topic

    case = Case.objects.create(
        client=client,
        center=center or client.home_center,
        opened_on=opened or datetime.date(2025, 4, 1),
        status=CaseStatus.SOLVED if solved else CaseStatus.OPEN,
        resolved_on=solved,
        resolution_kind=ResolutionKind.SALES_UP if solved else "",
        **fields,
    )
    case.priority_fields.set(PriorityField.objects.filter(name__in=priority))
    case.topics.set(Topic.objects.filter(name__in=topics))
    return case


def make_case_study(center, *, status="draft", client=None, topics=(), **fields):
    """A case study written from a solved case of ``center`` (a draft unless told)."""
    from casestudies.models import CaseStudy

    client = client or make_client(center)
    case = make_case(client, center, solved=datetime.date(2025, 9, 1), topics=topics)
    study = CaseStudy.objects.create(
        case=case,
        center=center,
        prefecture=center.prefecture,
        title=fields.pop("title", "販路開拓で売上を伸ばした事例"),
        summary=fields.pop("summary", "地域の食品製造業が新たな販路を開拓した。"),
        status=status,
        **fields,
    )
    study.topics.set(case.topics.all())
    return study


def make_session(client, day, center=None, **fields):
    from consultations.models import Consultation

    return Consultation.objects.create(
        client=client, center=center or client.home_center, date=day, **fields
    )


def make_institution(center, name=None):
    from organizations.models import SupportInstitution, SupportInstitutionType

    return SupportInstitution.objects.create(
        name=name or f"試験商工会{next(_sequence)}",
        institution_type=SupportInstitutionType.objects.get(name="商工会"),
        prefecture=center.prefecture,
    )


def make_activity(center, day, institutions=(), **fields):
    from consultations.models import NetworkActivity, NetworkKind

    activity = NetworkActivity.objects.create(
        center=center, date=day, kind=fields.pop("kind", NetworkKind.MEETING), **fields
    )
    activity.institutions.set(institutions or [make_institution(center)])
    return activity


def make_plan(center, year=None, *, confirmed=True, change_request=True, targets=None):
    """A plan taken through the workflow by the real functions (confirmed, with a pending change)."""
    from consultations.models import PriorityField
    from core.fiscal import fiscal_year_of
    from planning import workflow
    from planning.models import ActivityPolicy, FiscalYear

    year = year or fiscal_year_of(datetime.date.today())
    fiscal_year, _created = FiscalYear.objects.get_or_create(year=year)
    ActivityPolicy.objects.get_or_create(
        fiscal_year=fiscal_year, defaults={"text": "方針", "indicators": ["consultations"]}
    )
    manager = User.objects.filter(role=UserRole.CENTER_MANAGER, center=center).first() or make_user(
        f"manager-{center.code}-{next(_sequence)}", UserRole.CENTER_MANAGER, center=center
    )
    officer = User.objects.filter(
        role=UserRole.BUREAU_OFFICER, bureau=center.prefecture.bureau
    ).first() or make_user(
        f"officer-{center.code}-{next(_sequence)}",
        UserRole.BUREAU_OFFICER,
        bureau=center.prefecture.bureau,
    )
    plan = workflow.create_plan(center=center, fiscal_year=fiscal_year, user=manager)
    field = PriorityField.objects.get(name="創業支援")
    content = {
        "sections": {"strategy": "販路開拓に重点"},
        "targets": targets
        or {"consultations": 100, "visitors": 40, "cases_solved": 10, "network_activities": 12},
        "priorities": [{"field": field.pk, "metric": "sessions", "target": 20}],
    }
    workflow.save_content(plan, user=manager, **content)
    if not confirmed:
        return plan
    workflow.submit_plan(plan, user=manager)
    workflow.schedule_interview(
        plan, user=officer, scheduled_for=datetime.datetime(year, 4, 20, 10, tzinfo=datetime.UTC)
    )
    workflow.record_interview(
        plan, user=officer, held_on=datetime.date(year, 4, 20), minutes="確認した"
    )
    workflow.confirm_plan(plan, user=officer)
    if change_request:
        workflow.request_change(
            plan,
            user=manager,
            reason="目標の見直し",
            **{**content, "targets": {**content["targets"], "consultations": 120}},
        )
    plan.refresh_from_db()
    return plan


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Uploaded attachments go to a scratch directory, not var/.
    settings.MEDIA_ROOT = tmp_path / "media"


def agree_all(run, *, user):
    """Every center's result agreed, one review per center as the bureaus take them."""
    from evaluation import workflow

    for result in run.results.all():
        workflow.review_result(result, user=user, agree=True)


def make_evaluation(center, year=None):
    """A finalised evaluation of every center (the given one with a plan and a hearing),
    next year's budget, and the center's focused-guidance plan with one action."""
    from django.core.files.base import ContentFile

    from core.fiscal import fiscal_year_of
    from evaluation import workflow
    from evaluation.models import ChecklistTemplate, GuidanceAction, Hearing, HearingAttachment

    year = year or fiscal_year_of(datetime.date.today())
    admin = User.objects.filter(role=UserRole.AGENCY_ADMIN).first() or make_user(
        f"agency-{next(_sequence)}", UserRole.AGENCY_ADMIN
    )
    plan = center.plans.filter(fiscal_year__year=year).first() or make_plan(
        center, year, change_request=False
    )
    hearing = Hearing.objects.create(
        center=center,
        fiscal_year=plan.fiscal_year,
        template=ChecklistTemplate.objects.first(),
        held_on=datetime.date(year + 1, 2, 10),
    )
    attachment = HearingAttachment.objects.create(
        hearing=hearing, file=ContentFile(b"memo", name="memo.txt"), name="memo", uploaded_by=admin
    )
    run = workflow.run_evaluation(plan.fiscal_year, user=admin)
    agree_all(run, user=admin)
    workflow.waive_board_review(run, user=admin, reason="試験: 審議なしで確定")
    workflow.finalise(run, user=admin)
    allocation = workflow.allocate_budget(
        run,
        user=admin,
        envelope=47_000_000,
        bases=dict.fromkeys(Center.objects.values_list("pk", flat=True), 1_000_000),
    )
    result = run.results.get(center=center)
    guidance = result.guidance
    action = GuidanceAction.objects.create(
        plan=guidance,
        action="相談記録の入力徹底",
        owner="チーフコーディネーター",
        due_on=datetime.date(year + 1, 6, 30),
    )
    return {
        "run": run,
        "rules": run.rules,
        "hearing": hearing,
        "attachment": attachment,
        "result": result,
        "allocation": allocation,
        "line": allocation.lines.get(center=center),
        "guidance": guidance,
        "action": action,
    }


def make_visit(center, day=None, *, experts=(), level=0, follow_ups=(), **fields):
    """An HQ visit with follow-ups given as descriptions or (description, due date, status)."""
    from support.models import FollowUp, Visit

    visit = Visit.objects.create(
        center=center, date=day or datetime.date(2025, 6, 10), escalation_level=level, **fields
    )
    visit.experts.set(experts)
    for item in follow_ups:
        description, due, status = (item, None, "open") if isinstance(item, str) else item
        FollowUp.objects.create(visit=visit, description=description, due_date=due, status=status)
    return visit


def make_support_request(center, *, supporter=None, **fields):
    from support.models import RequestStatus, SupportRequest

    return SupportRequest.objects.create(
        center=center,
        title=fields.pop("title", f"販路開拓の相談{next(_sequence)}"),
        description=fields.pop("description", "専門家の助言がほしい"),
        supporter=supporter,
        status=RequestStatus.ASSIGNED if supporter else RequestStatus.REQUESTED,
        **fields,
    )


def make_training(code=None, *, kind="national", start=None, end=None, block=None, capacity=100):
    from support.models import TrainingEvent

    start = start or datetime.date(2025, 6, 1)
    return TrainingEvent.objects.create(
        code=code or f"TR{next(_sequence):05d}",
        kind=kind,
        title=f"研修 {kind}",
        block=block,
        start_date=start,
        end_date=end or start,
        place="東京",
        capacity=capacity,
    )


def make_campaign(center, *, kind="client", year=2025, recipients=3, launch=True, closes_on=None):
    """A campaign of ``center`` with ``recipients`` consenting clients (every other one
    with an email address) or partner institutions, launched by the real function."""
    from planning.models import FiscalYear
    from surveys import campaigns
    from surveys.models import Campaign, SurveyTemplate

    fiscal_year, _created = FiscalYear.objects.get_or_create(year=year)
    owner = User.objects.filter(role=UserRole.AGENCY_ADMIN).first() or make_user(
        f"survey-admin-{next(_sequence)}", UserRole.AGENCY_ADMIN
    )
    campaign = Campaign.objects.create(
        fiscal_year=fiscal_year,
        center=center,
        kind=kind,
        template=SurveyTemplate.objects.get(kind=kind, is_standard=True),
        name=f"{year}年度 {center.name} 調査 {next(_sequence)}",
        period_start=fiscal_year.period.start,
        period_end=fiscal_year.period.end,
        closes_on=closes_on or datetime.date.today() + datetime.timedelta(days=30),
        invitation="ご協力をお願いいたします。",
        created_by=owner,
    )
    for number in range(recipients):
        if kind == "client":
            email = f"client{next(_sequence)}@example.jp" if number % 2 == 0 else ""
            person = make_client(center, survey_consent=True, email=email)
            make_session(person, datetime.date(year, 6, 1))
        else:
            make_institution(center)
    if launch:
        campaigns.launch(campaign, user=owner, base_url="http://testserver/")
        campaign.refresh_from_db()
    return campaign


def survey_tokens(campaign) -> list[str]:
    """A fresh link for every recipient of the campaign (as printed sheets would carry)."""
    from surveys.campaigns import issue
    from surveys.models import Channel

    return [token for _recipient, token in issue(campaign.recipients.order_by("id"), Channel.PRINT)]


def answer_survey(token, **by_code):
    """Answer through a link with values by question code (a scale point, a choice
    number, a list of choice numbers or a text), as the answer form would clean them."""
    from surveys import answering

    opened = answering.open_link(token)
    questions = opened.campaign.version.questions.all()
    return answering.submit(token, {q: by_code.get(q.code) for q in questions})


def import_csv(kind, rows, encoding="utf-8") -> bytes:
    """A CSV of the import ``kind`` (its headers, then ``rows``: {header: cell})."""
    import csv
    import io

    from core.imports import KINDS

    headers = KINDS[kind].headers
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)


def import_table(kind, rows, encoding="utf-8"):
    """``import_csv`` read as an uploaded table."""
    from core.tabular import read_table

    return read_table(import_csv(kind, rows, encoding), f"{kind}.csv")


def analyse_tables():
    """Statistics for every table, as a server's autovacuum keeps them (PostgreSQL; a
    test that builds the demo calls it): on tables it takes for empty the planner joined
    the survey answers by nested loops for minutes."""
    from django.apps import apps
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(f'"{table}"' for table in tables))
