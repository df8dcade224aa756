"""Authorization matrix generated from the URL configuration.

Every URL pattern of the project is found by walking the resolver, so a view
added later is covered without anyone remembering to add it here:
- an anonymous visitor is sent to the login page;
- every view is either a scoped model view or declares its scope rule;
- on every object-level page, users of another center, another bureau and other
  HQ experts get 403 or 404, for GET and POST, and the object is unchanged;
- on every scoped list page, a record of another center does not appear.
"""

import datetime
import itertools

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import (
    OUTSIDERS_OF_TOKYO,
    make_activity,
    make_campaign,
    make_case,
    make_case_study,
    make_client,
    make_evaluation,
    make_institution,
    make_person,
    make_plan,
    make_session,
    make_support_request,
    make_training,
    make_user,
    make_visit,
)
from core.scoping import VIEW, NationalQuerySet
from core.views import ScopedObjectMixin, ScopedQuerysetMixin
from evaluation.models import ChecklistTemplate
from liaison.models import NationalInstitution
from surveys.models import SurveyTemplate

SEQUENCE = itertools.count(1)
# Django admin: its own is_staff permission system. The REST API ("api"): its own section
# below (tokens, 401 rather than a redirect to the login page).
SKIPPED_NAMESPACES = {"admin", "api"}


def walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, entry


ALL_PATTERNS = sorted(walk(get_resolver().url_patterns), key=lambda pair: pair[0] or "")


def view_class(pattern):
    return getattr(pattern.callback, "view_class", None)


def is_public(pattern):
    return (
        getattr(pattern.callback, "login_required", True) is False or pattern.name == "set_language"
    )


def takes_object(pattern):
    return "pk" in pattern.pattern.converters


class LazyObjects(dict):
    """Objects built on first use: a finished evaluation costs a run over 47 centers."""

    def __init__(self, builders):
        super().__init__()
        self.builders = builders

    def __contains__(self, key):
        return key in self.builders

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            self[key] = self.builders[key]()
        return dict.__getitem__(self, key)


# The out-of-scope object for each model an object-level view shows: it belongs to Tokyo.
def tokyo_objects(personas, tokyo):
    built = {}

    def plan():
        if "plan" not in built:
            built["plan"] = make_plan(tokyo)
        return built["plan"]

    def evaluation(key):
        def build():
            if "evaluation" not in built:
                plan()
                built["evaluation"] = make_evaluation(tokyo)
            return built["evaluation"][key]

        return build

    def visit():
        if "visit" not in built:
            built["visit"] = make_visit(tokyo, follow_ups=["相談記録の整備"])
        return built["visit"]

    def support_request():
        other_supporter = make_user(f"supporter-{tokyo.pk}-{next(SEQUENCE)}", "supporter")
        return make_support_request(tokyo, supporter=other_supporter)

    def selection(key):
        def build():
            if "selection" not in built:
                built["selection"] = selection_objects(personas, tokyo)
            return built["selection"][key]

        return build

    def client():
        if "client" not in built:
            built["client"] = make_client(tokyo)
        return built["client"]

    def case():
        if "case" not in built:
            built["case"] = make_case(client())
        return built["case"]

    return LazyObjects(
        {
            "evaluation.EvaluationRules": evaluation("rules"),
            "evaluation.Hearing": evaluation("hearing"),
            # Unused: a checklist a hearing uses is not edited, only copied.
            "evaluation.ChecklistTemplate": lambda: ChecklistTemplate.objects.create(name="確認用"),
            "evaluation.HearingAttachment": evaluation("attachment"),
            "evaluation.EvaluationRun": evaluation("run"),
            "evaluation.CenterEvaluation": evaluation("result"),
            "evaluation.BudgetAllocation": evaluation("allocation"),
            "evaluation.BudgetLine": evaluation("line"),
            "evaluation.GuidancePlan": evaluation("guidance"),
            "evaluation.GuidanceAction": evaluation("action"),
            "support.Visit": visit,
            "support.FollowUp": lambda: visit().follow_ups.first(),
            "support.Escalation": lambda: escalation_of(tokyo),
            "support.VisitPlan": lambda: visit_plan(tokyo, plan().fiscal_year),
            "support.ExpertsMeeting": lambda: make_meeting(tokyo),
            "support.SupportRequest": support_request,
            "support.TrainingEvent": make_training,
            **{name: selection(name) for name in SELECTION},
            "surveys.Campaign": lambda: make_campaign(tokyo),
            "surveys.SurveyTemplate": lambda: SurveyTemplate.objects.get(
                code="client-satisfaction"
            ),
            "planning.BusinessPlan": plan,
            "planning.PlanVersion": lambda: plan().versions.first(),
            "planning.PlanChangeRequest": lambda: plan().change_requests.first(),
            "planning.FiscalYear": lambda: plan().fiscal_year,
            "planning.ActivityPolicy": lambda: plan().fiscal_year.policy,
            "organizations.Bureau": lambda: tokyo.prefecture.bureau,
            "contracts.Contract": lambda: make_contract(tokyo),
            "liaison.HQActivity": make_hq_activity,
            "liaison.PublicityRequest": make_publicity_request,
            "liaison.NationalInstitution": lambda: NationalInstitution.objects.first(),
            "consultations.Client": client,
            "consultations.Case": case,
            "consultations.Consultation": lambda: make_session(
                client(), datetime.date(2025, 5, 1), case=case()
            ),
            "consultations.NetworkActivity": lambda: make_activity(
                tokyo, datetime.date(2025, 5, 1)
            ),
            "organizations.SupportInstitution": lambda: make_institution(tokyo),
            "organizations.Center": lambda: tokyo,
            "organizations.ImplementingBody": lambda: tokyo.implementing_body,
            "organizations.Prefecture": lambda: tokyo.prefecture,
            "organizations.Person": lambda: make_person(tokyo),
            "accounts.User": lambda: personas["tokyo_coordinator"],
            "core.AccessLogEntry": lambda: access_log_entry(personas["tokyo_coordinator"]),
            "core.Job": lambda: finished_job(personas["tokyo_coordinator"]),
            "core.ImportBatch": lambda: import_batch(personas["tokyo_coordinator"]),
            # A draft: only Tokyo and HQ read it (a published one is everyone's).
            "casestudies.CaseStudy": lambda: consented_study(tokyo),
            "api.ApiToken": lambda: api_token(personas["tokyo_coordinator"]),
            "notifications.Notification": lambda: notification_for(
                personas["tokyo_coordinator"], client()
            ),
        }
    )


def access_log_entry(user):
    from core.models import AccessKind, AccessLogEntry

    return AccessLogEntry.objects.create(
        user=user, username=user.username, center=user.center, kind=AccessKind.EXPORT, path="/"
    )


def notification_for(user, record):
    """A notification is its user's alone, whoever else may see the record."""
    from django.contrib.contenttypes.models import ContentType

    from notifications.models import Notification

    return Notification.objects.create(
        user=user,
        workflow="test",
        step="test",
        title="通知",
        url=record.get_absolute_url(),
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
    )


def import_batch(user):
    from django.utils import timezone

    from core.models import ImportBatch

    return ImportBatch.objects.create(
        kind="sessions", user=user, center=user.center, stamp=timezone.now(), file_name="s.csv"
    )


def finished_job(user):
    """A Tokyo coordinator's export job with its file: nobody else sees it or the file."""
    from core import jobs
    from core.models import Job, JobState

    job = Job.objects.create(
        user=user, kind="import", title="出力", state=JobState.FAILED, retry_safe=True
    )
    folder = jobs.job_dir(job.pk) / "result"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clients.csv").write_text("事業者名\r\n株式会社東京\r\n")
    job.result_file = f"{job.pk}/result/clients.csv"
    job.result_name = "clients.csv"
    job.result_rows = 1
    job.save()
    return job


def consented_study(center):
    """A Tokyo draft with its consent document, so that each of its pages has something."""
    study = make_case_study(center, status="consented")
    study.consent_document_name = "consent.pdf"
    study.consent_document_type = "application/pdf"
    study.consent_document = b"%PDF-1.4"
    study.save()
    return study


def api_token(user):
    from api import tokens

    return tokens.issue(user=user, name="連携", expires_on=datetime.date(2099, 1, 1))[0]


def make_contract(center):
    from contracts.models import Contract
    from planning.models import FiscalYear

    return Contract.objects.create(
        body=center.implementing_body,
        center=center,
        fiscal_year=FiscalYear.objects.get_or_create(year=2025)[0],
        signed_on=datetime.date(2025, 4, 1),
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2026, 3, 31),
        amount=60_000_000,
        original_amount=60_000_000,
        created_by=make_user(f"bureau-{next(SEQUENCE)}", "bureau_officer"),
    )


def make_hq_activity():
    from liaison.models import HQActivity

    activity = HQActivity.objects.create(date=datetime.date(2025, 6, 1), kind="meeting")
    activity.institutions.set(NationalInstitution.objects.all()[:1])
    return activity


def make_publicity_request():
    from liaison.models import PublicityRequest

    return PublicityRequest.objects.create(
        requested_on=datetime.date(2025, 6, 1),
        institution=NationalInstitution.objects.first(),
        medium="bulletin",
        subject="よろず支援拠点の紹介記事",
    )


def escalation_of(center):
    from support.visits import escalation_of

    return escalation_of(center)


def visit_plan(center, fiscal_year):
    from support.models import VisitPlan

    return VisitPlan.objects.create(fiscal_year=fiscal_year, center=center, planned_visits=4)


def make_meeting(center):
    from support.models import ExpertsMeeting, Feedback

    meeting = ExpertsMeeting.objects.create(
        title="専門家会議",
        held_on=datetime.date(2025, 7, 1),
        period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 6, 30),
    )
    Feedback.objects.create(meeting=meeting, center=center, text="フォローアップの徹底")
    return meeting


SELECTION = [
    "selection.SelectionRound",
    "selection.CommitteeMember",
    "selection.Candidate",
    "selection.CandidateDocument",
    "selection.Scoresheet",
    "selection.Term",
    "selection.CoordinatorAppointment",
]


def selection_objects(personas, tokyo):
    """A decided Tokyo selection round (its committee are not personas) and an appointment."""
    from selection import appointments
    from selection.models import CandidateDocument
    from selection.tests.factories import make_round

    selection = make_round(tokyo, members=1, candidates=("候補 一郎",))
    candidate = selection.candidates.first()
    document = CandidateDocument.objects.create(
        candidate=candidate,
        title="履歴書",
        filename="cv.pdf",
        size=3,
        content=b"pdf",
        uploaded_by=personas["kanto_officer"],
    )
    appointment = appointments.propose(
        center=tokyo,
        user=personas["tokyo_manager"],
        name="新任 花子",
        staff_code="APPT-1",
        reason="経営支援の経験",
        start_date=datetime.date(2027, 4, 1),
        end_date=datetime.date(2028, 3, 31),
    )
    # Its signed agreement, so that the document's page has something to hand out.
    appointment.agreement_document_name = "署名済み同意書"
    appointment.agreement_document_type = "application/pdf"
    appointment.agreement_document = b"%PDF-1.4"
    appointment.save()
    return {
        "selection.SelectionRound": selection,
        "selection.CommitteeMember": selection.members.first(),
        "selection.Candidate": candidate,
        "selection.CandidateDocument": document,
        "selection.Scoresheet": selection.members.first().sheets.first(),
        "selection.Term": selection.terms.get(),
        "selection.CoordinatorAppointment": appointment,
    }


def is_shared(cls):
    """Views that read a record of the whole network (a fiscal year, the policy)."""
    return isinstance(cls.model.objects.none(), NationalQuerySet) and cls.scope_action == VIEW


def label(model):
    return model._meta.label


def test_the_url_configuration_is_found():
    names = {name for name, _ in ALL_PATTERNS}
    assert {"home", "organizations:person_detail", "accounts:user_update"} <= names


@pytest.mark.parametrize("name,pattern", ALL_PATTERNS, ids=[n for n, _ in ALL_PATTERNS])
def test_every_view_declares_how_it_is_scoped(name, pattern):
    if is_public(pattern):
        return
    cls = view_class(pattern)
    if takes_object(pattern):
        assert cls and issubclass(cls, ScopedObjectMixin), (
            f"{name} takes an object argument but its view is not a ScopedObjectMixin"
        )
        return
    scoped = cls is not None and issubclass(cls, ScopedQuerysetMixin)
    declared = getattr(cls, "scope_rule", None) or getattr(pattern.callback, "scope_rule", None)
    assert scoped or declared, f"{name} has no scoping rule: use a scoped view or @scope_rule"


# Values for URL arguments other than the object's pk.
SAMPLE_ARGUMENTS = {"action": "submit", "kind": "sessions", "step": "board_review"}


def url_for(name, pattern, obj):
    kwargs = {key: SAMPLE_ARGUMENTS[key] for key in pattern.pattern.converters if key != "pk"}
    if takes_object(pattern):
        kwargs["pk"] = obj.pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name,pattern", ALL_PATTERNS, ids=[n for n, _ in ALL_PATTERNS])
def test_anonymous_visitors_are_sent_to_login(client, personas, tokyo, name, pattern):
    if is_public(pattern):
        return
    obj = None
    if takes_object(pattern):
        obj = tokyo_objects(personas, tokyo)[label(view_class(pattern).model)]
    url = url_for(name, pattern, obj)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, f"{method.__name__} {url}"
        assert response["Location"].startswith(reverse("accounts:login"))


OBJECT_PATTERNS = [(n, p) for n, p in ALL_PATTERNS if takes_object(p) and not is_public(p)]


@pytest.mark.parametrize("name,pattern", OBJECT_PATTERNS, ids=[n for n, _ in OBJECT_PATTERNS])
@pytest.mark.parametrize("outsider", OUTSIDERS_OF_TOKYO)
def test_outsiders_cannot_read_or_change_an_object(
    client, personas, tokyo, name, pattern, outsider
):
    model = view_class(pattern).model
    if is_shared(view_class(pattern)):
        return  # a national record: there is no other center to keep out
    objects = tokyo_objects(personas, tokyo)
    assert label(model) in objects, f"add an out-of-scope {label(model)} to tokyo_objects()"
    obj = objects[label(model)]
    before = model.objects.filter(pk=obj.pk).values().get()
    url = url_for(name, pattern, obj)
    client.force_login(personas[outsider])
    cls = view_class(pattern)
    assert hasattr(cls, "get") or hasattr(cls, "post")
    if hasattr(cls, "get"):
        assert client.get(url).status_code in (403, 404)
    if hasattr(cls, "post"):
        response = client.post(url, {"name": "changed", "username": "changed"})
        assert response.status_code in (403, 404)
    assert model.objects.filter(pk=obj.pk).values().get() == before


# Who inside Tokyo's scope may open each object page: proves the 404s above are about scope.
INSIDERS = {
    "evaluation.EvaluationRules": "admin",
    "evaluation.Hearing": "kanto_officer",
    "evaluation.ChecklistTemplate": "hq",
    "evaluation.HearingAttachment": "tokyo_manager",
    "evaluation.EvaluationRun": "admin",
    "evaluation.CenterEvaluation": "tokyo_manager",
    "evaluation.BudgetAllocation": "admin",
    "evaluation.BudgetLine": "admin",
    "evaluation.GuidancePlan": "kanto_officer",
    "evaluation.GuidanceAction": "tokyo_manager",
    "planning.BusinessPlan": "tokyo_manager",
    "planning.PlanVersion": "tokyo_manager",
    "planning.PlanChangeRequest": "kanto_officer",
    "planning.FiscalYear": "admin",
    "planning.ActivityPolicy": "hq",
    "organizations.Bureau": "kanto_officer",
    "contracts.Contract": "kanto_officer",
    "liaison.HQActivity": "hq",
    "liaison.PublicityRequest": "hq",
    "liaison.NationalInstitution": "hq",
    "consultations.Client": "tokyo_coordinator",
    "consultations.Case": "tokyo_coordinator",
    "consultations.Consultation": "tokyo_coordinator",
    "consultations.NetworkActivity": "tokyo_coordinator",
    "organizations.SupportInstitution": "tokyo_manager",
    "organizations.Center": "tokyo_coordinator",
    "organizations.ImplementingBody": "kanto_officer",
    "organizations.Prefecture": "hq",
    "organizations.Person": "tokyo_manager",
    "accounts.User": "admin",
    "support.Visit": "tokyo_expert",
    "support.FollowUp": "tokyo_manager",
    "support.Escalation": "tokyo_manager",
    "support.VisitPlan": "hq",
    "support.ExpertsMeeting": "hq",
    "support.SupportRequest": "tokyo_manager",
    "support.TrainingEvent": "hq",
    "selection.SelectionRound": "kanto_officer",
    "selection.CommitteeMember": "kanto_officer",
    "selection.Candidate": "kanto_officer",
    "selection.CandidateDocument": "kanto_officer",
    "selection.Scoresheet": "kanto_officer",
    "selection.Term": "tokyo_manager",
    "selection.CoordinatorAppointment": "tokyo_manager",
    "surveys.Campaign": "tokyo_manager",
    "surveys.SurveyTemplate": "hq",
    "core.AccessLogEntry": "tokyo_manager",
    # A job is its user's alone: not even their center manager or the Agency sees it.
    "core.Job": "tokyo_coordinator",
    "core.ImportBatch": "tokyo_manager",
    "casestudies.CaseStudy": "tokyo_coordinator",
    # A token is its user's alone, as a job is.
    "api.ApiToken": "tokyo_coordinator",
    "notifications.Notification": "tokyo_coordinator",
}


# Object pages that forward to another page (a notification opens its record).
FORWARDS = {"notifications:open": lambda notification: notification.url}


@pytest.mark.parametrize("name,pattern", OBJECT_PATTERNS, ids=[n for n, _ in OBJECT_PATTERNS])
def test_an_insider_can_open_the_same_object_page(client, personas, tokyo, name, pattern):
    model = view_class(pattern).model
    obj = tokyo_objects(personas, tokyo)[label(model)]
    client.force_login(personas[INSIDERS[label(model)]])
    if name in FORWARDS:  # follows on to the record: the insider is sent there
        response = client.get(url_for(name, pattern, obj))
        assert response.status_code == 302 and response["Location"] == FORWARDS[name](obj)
    elif hasattr(view_class(pattern), "get"):
        assert client.get(url_for(name, pattern, obj)).status_code == 200
    else:  # an action: the insider reaches it (any answer but "not found")
        assert client.post(url_for(name, pattern, obj)).status_code != 404


LIST_PATTERNS = [
    (n, p)
    for n, p in ALL_PATTERNS
    if not takes_object(p)
    and view_class(p)
    and issubclass(view_class(p), ScopedQuerysetMixin)
    and not issubclass(view_class(p), ScopedObjectMixin)
    and hasattr(view_class(p), "get_paginate_by")
]


@pytest.mark.parametrize("name,pattern", LIST_PATTERNS, ids=[n for n, _ in LIST_PATTERNS])
def test_list_pages_do_not_show_another_centers_records(client, personas, tokyo, name, pattern):
    model = view_class(pattern).model
    if is_shared(view_class(pattern)):
        return
    obj = tokyo_objects(personas, tokyo)[label(model)]
    link = obj.get_absolute_url()
    for outsider in OUTSIDERS_OF_TOKYO:
        client.force_login(personas[outsider])
        response = client.get(reverse(name))
        assert response.status_code in (200, 403, 404)
        assert link not in response.content.decode(), f"{outsider} sees {obj} on {name}"
    client.force_login(personas[INSIDERS[label(model)]])
    assert link in client.get(reverse(name)).content.decode()


# --- Imports: every way in through a file --------------------------------------------
#
# A user of Tokyo uploads rows that name another center's records (by the IDs and codes an
# import refers to them with). The page must answer exactly as it does for IDs that exist
# nowhere, write nothing of the other center's, and leave its records out of Tokyo's reach.

FOREIGN_ID, UNKNOWN_ID = "C00026814", "C99999999"


def _csv_upload(headers, row):
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerow([row.get(h, "") for h in headers])
    return SimpleUploadedFile("rows.csv", buffer.getvalue().encode("utf-8"), "text/csv")


def _osaka_records(osaka):
    client = make_client(osaka, "大阪の秘密商事", external_id=FOREIGN_ID, phone="06-0000-0000")
    make_case(client, external_id=FOREIGN_ID)
    make_person(osaka, code=FOREIGN_ID)
    make_institution(osaka, "大阪だけの商工会")
    return client


def _record_rows(kind, reference):
    """A row of ``kind`` for Tokyo whose references all name ``reference``."""
    rows = {
        "clients": {"相談者ID": reference, "拠点": "東京", "事業者名": "乗っ取り", "形態": "法人"},
        "cases": {"課題ID": "K-1", "相談者ID": reference, "拠点": "東京", "開始日": "2025-04-01"},
        "sessions": {
            "対応ID": "S-1",
            "拠点": "東京",
            "相談者ID": reference,
            "対応日": "2025-04-01",
            "対応方法": "電話",
            "担当者": reference,
        },
        "sessions-case": {
            "対応ID": "S-2",
            "拠点": "東京",
            "相談者ID": "TOKYO-1",
            "課題ID": reference,
            "対応日": "2025-04-01",
            "対応方法": "電話",
        },
        "network": {
            "活動ID": "N-1",
            "拠点": "東京",
            "実施日": "2025-04-01",
            "連携機関": "大阪だけの商工会" if reference == FOREIGN_ID else "どこにもない商工会",
            "区分": "会議",
            "担当者": reference,
        },
        "impact": {
            "成果ID": "R-1",
            "相談者ID": reference,
            "拠点": "東京",
            "時点": "2025-04-01",
            "区分": "初回",
            "出典": "決算書",
            "営業利益": "1000",
        },
    }
    return rows[kind]


IMPORT_CASES = ["clients", "cases", "sessions", "sessions-case", "network", "impact"]
# The kinds that are not records of a center's ID space, and the test of their scope.
OTHER_KIND_SCOPING_TESTS = {
    "roster": "test_the_roster_import_changes_no_one_of_another_center",
    "attendance": "test_only_hq_imports_attendance",
    "institutions": "test_import_kinds.test_a_center_imports_no_institution_of_another_prefecture",
    "plans": "test_import_kinds.test_a_center_imports_no_plan_of_another_center",
    "survey_answers": "test_import_kinds.test_a_center_types_in_no_answers_for_another_center",
}


def _without_tokens(html: str) -> str:
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    html = re.sub(r"/records/clients/\d+/", "/records/clients/N/", html)  # the new client
    html = html.replace(FOREIGN_ID, "ID").replace(UNKNOWN_ID, "ID")
    return html.replace("大阪だけの商工会", "NAME").replace("どこにもない商工会", "NAME")


def test_every_import_page_and_kind_has_a_scoping_case():
    from core.imports import KINDS

    imports_found = {name for name, _ in ALL_PATTERNS if name and "import" in name}
    assert imports_found == {
        "imports:start",
        "imports:kind",
        "imports:template",
        "imports:batches",
        "imports:undo",
    }
    record_kinds = {key for key, spec in KINDS.items() if hasattr(spec.run, "importer")}
    assert {case.split("-")[0] for case in IMPORT_CASES} == record_kinds
    # The other kinds: each has its own test of what another center's rows do.
    assert set(KINDS) - record_kinds == set(OTHER_KIND_SCOPING_TESTS)


@pytest.mark.parametrize("case", IMPORT_CASES)
def test_an_import_naming_another_centers_records_answers_as_for_unknown_ones(
    client, personas, tokyo, osaka, case
):
    from consultations.models import Client
    from core.imports import KINDS

    osaka_client = _osaka_records(osaka)
    make_client(tokyo, "東京の相談者", external_id="TOKYO-1")
    kind = case.split("-")[0]
    models = [Client, *(KINDS[case].model for case in {c.split("-")[0] for c in IMPORT_CASES})]
    before = {m: set(m.objects.values_list("pk", flat=True)) for m in models}
    osaka_rows = {m: list(m.objects.exclude(pk__in=[]).values()) for m in models}
    client.force_login(personas["tokyo_coordinator"])
    url = reverse("imports:start")

    pages = []
    for reference in (FOREIGN_ID, UNKNOWN_ID):
        upload = _csv_upload(KINDS[kind].headers, _record_rows(case, reference))
        response = client.post(url, {"kind": kind, "file": upload}, follow=True)
        assert response.status_code == 200
        pages.append(_without_tokens(response.content.decode()))
        if kind == "clients":  # a Tokyo client of Tokyo's own ID space: drop it again
            Client.objects.exclude(pk__in=before[Client]).delete()

    assert pages[0] == pages[1], f"the {case} import tells a foreign ID from an unknown one"
    for model in models:
        assert set(model.objects.values_list("pk", flat=True)) == before[model], model
        assert list(model.objects.exclude(pk__in=[]).values()) == osaka_rows[model], model
    assert client.get(osaka_client.get_absolute_url()).status_code == 404
    export = client.get(reverse("consultations:client_list"), {"export": "csv"})
    assert "大阪の秘密商事" not in b"".join(export.streaming_content).decode("utf-8-sig")


def test_the_roster_import_changes_no_one_of_another_center(client, personas, tokyo, osaka):
    from organizations import roster
    from organizations.models import Assignment, Person

    person = make_person(osaka, code="O-STAFF")
    people = Person.objects.count()
    assignments = list(Assignment.objects.values())
    client.force_login(personas["tokyo_manager"])
    row = {
        "職員コード": "O-STAFF",
        "氏名": "乗っ取り 太郎",
        "拠点": "東京",
        "役割": "コーディネーター",
        "開始日": "2025-04-01",
    }
    upload = _csv_upload(list(roster.HEADERS.values()), row)

    response = client.post(reverse("imports:kind", args=["roster"]), {"file": upload})

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.name != "乗っ取り 太郎"
    assert list(Assignment.objects.values()) == assignments
    assert client.get(person.get_absolute_url()).status_code == 404
    assert Person.objects.count() == people


@pytest.mark.parametrize("name", ["tokyo_manager", "tokyo_coordinator", "kanto_officer"])
def test_only_hq_imports_attendance(client, personas, name):
    from support import attendance
    from support.models import TrainingRegistration

    make_training(code="TR-1")
    client.force_login(personas[name])
    upload = _csv_upload(
        list(attendance.HEADERS.values()), {"研修コード": "TR-1", "職員コード": "X", "出欠": "出席"}
    )

    response = client.post(reverse("imports:kind", args=["attendance"]), {"file": upload})

    assert response.status_code == 403
    assert not TrainingRegistration.objects.exists()


def _row_counts():
    from django.db import connection

    # The access log is the one write a read makes, by design: it records who viewed what.
    unrecorded = {"django_session", "core_accesslogentry"}
    tables = [t for t in connection.introspection.table_names() if t not in unrecorded]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - introspected names
            counts[table] = cursor.fetchone()[0]
    return counts


def test_no_page_writes_on_get(client, personas, tokyo):
    """A GET only reads: following a link or prefetching a page never creates a record."""
    from core.fiscal import fiscal_year_of
    from planning.models import FiscalYear

    objects = tokyo_objects(personas, tokyo)
    # Pages are asked about a new year: nothing of it exists yet for a page to make up.
    new_year = fiscal_year_of(datetime.date.today()) + 1
    FiscalYear.objects.create(year=new_year)
    for persona in ("admin", "tokyo_manager", "kanto_officer", "tokyo_expert"):
        client.force_login(personas[persona])
        for name, pattern in ALL_PATTERNS:
            if is_public(pattern) or name in {"accounts:logout", "set_language"}:
                continue
            obj = objects[label(view_class(pattern).model)] if takes_object(pattern) else None
            url = url_for(name, pattern, obj)
            before = _row_counts()
            client.get(url, {"fy": new_year})
            after = _row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"GET {url} as {persona} wrote {changed}"


# --- The REST API: every endpoint of /api/v1/, found in the URL configuration -------------
#
# Each persona calls with a personal token. Outsiders of Tokyo get 404 for a Tokyo record
# (the supporter and the committee member, whose roles may not use the API by default,
# are refused first: 403) and never find it in a list; the insider finds it in both.


def api_patterns():
    resolver = get_resolver()
    (api,) = [
        entry
        for entry in resolver.url_patterns
        if isinstance(entry, URLResolver) and entry.namespace == "api"
    ]
    return sorted(walk(api.url_patterns, namespace="api"), key=lambda pair: pair[0])


API_PATTERNS = api_patterns()
API_DETAILS = [(n, p) for n, p in API_PATTERNS if takes_object(p)]
API_LISTS = [(n, p) for n, p in API_PATTERNS if n.endswith("-list")]
# Outsiders whose roles may use the API (by default): their answers must be 404 (an
# implementing body's accounts may not use it unless the Agency allows them).
API_OUTSIDERS = [o for o in OUTSIDERS_OF_TOKYO if o not in {"committee", "supporter", "osaka_body"}]


def api_model(pattern):
    return pattern.callback.cls.model


def bearer(user) -> dict:
    from api import tokens

    secret = tokens.issue(user=user, name="matrix", expires_on=datetime.date(2099, 1, 1))[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_every_api_endpoint_is_covered_by_the_matrix():
    from api.views import IndicatorView, ScopedViewSet

    assert API_DETAILS and API_LISTS
    for name, pattern in API_PATTERNS:
        cls = pattern.callback.cls
        if name in {"api:schema", "api:indicators"}:
            assert name != "api:indicators" or cls is IndicatorView
            continue
        assert issubclass(cls, ScopedViewSet), f"{name}: not a ScopedViewSet (for_user)"
        assert name in {n for n, _p in API_DETAILS + API_LISTS}, name


def test_anonymous_and_unknown_tokens_get_401_on_every_api_endpoint(client, personas, tokyo):
    objects = tokyo_objects(personas, tokyo)
    for name, pattern in API_PATTERNS:
        obj = objects[label(api_model(pattern))] if takes_object(pattern) else None
        url = url_for(name, pattern, obj)
        assert client.get(url).status_code == 401, url
        assert client.get(url, HTTP_AUTHORIZATION="Bearer yzk_nothing").status_code == 401, url


@pytest.mark.parametrize("name,pattern", API_DETAILS, ids=[n for n, _ in API_DETAILS])
def test_api_outsiders_get_404_and_the_insider_200_on_a_record(
    client, personas, tokyo, name, pattern
):
    model = api_model(pattern)
    obj = tokyo_objects(personas, tokyo)[label(model)]
    url = url_for(name, pattern, obj)
    for outsider in OUTSIDERS_OF_TOKYO:
        expected = 404 if outsider in API_OUTSIDERS else 403
        assert client.get(url, **bearer(personas[outsider])).status_code == expected, outsider
    insider = personas[INSIDERS[label(model)]]
    assert client.get(url, **bearer(insider)).status_code == 200


def _ids(response) -> set:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("name,pattern", API_LISTS, ids=[n for n, _ in API_LISTS])
def test_api_lists_do_not_show_another_centers_records(client, personas, tokyo, name, pattern):
    model = api_model(pattern)
    obj = tokyo_objects(personas, tokyo)[label(model)]
    url = reverse(name)
    for outsider in API_OUTSIDERS:
        response = client.get(url, {"page_size": 1000}, **bearer(personas[outsider]))
        assert response.status_code == 200
        assert obj.pk not in _ids(response), f"{outsider} sees {obj} in {name}"
    insider = personas[INSIDERS[label(model)]]
    assert obj.pk in _ids(client.get(url, {"page_size": 1000}, **bearer(insider)))


def test_the_indicators_endpoint_shows_no_center_outside_the_scope(client, personas, tokyo):
    for outsider in API_OUTSIDERS:
        response = client.get(reverse("api:indicators"), {"fy": 2025}, **bearer(personas[outsider]))
        assert response.status_code == 200
        assert tokyo.pk not in {row["center"] for row in response.json()["rows"]}, outsider
    response = client.get(
        reverse("api:indicators"), {"fy": 2025}, **bearer(personas["tokyo_coordinator"])
    )
    assert [row["center"] for row in response.json()["rows"]] == [tokyo.pk, None]


CLIENT_BEARING = ["api:client-detail", "api:case-detail", "api:session-detail"]


@pytest.mark.parametrize("name", CLIENT_BEARING)
def test_the_api_masks_client_identity_exactly_as_the_pages(client, personas, tokyo, name):
    """Who sees a client's name on its page sees it in the API; everyone else, in scope
    or not, sees the pseudonym and no identity field."""
    from consultations.models import IDENTITY_FIELDS, Client

    objects = tokyo_objects(personas, tokyo)
    record = {
        "api:client-detail": objects["consultations.Client"],
        "api:case-detail": objects["consultations.Case"],
        "api:session-detail": objects["consultations.Consultation"],
    }[name]
    shown = record if isinstance(record, Client) else record.client
    shown.phone = "03-1234-5678"
    shown.municipality = "千代田区"  # on the page for everyone: in the API too
    shown.save()
    for persona in ("tokyo_coordinator", "tokyo_manager", "kanto_officer", "tokyo_expert", "hq"):
        user = personas[persona]
        client.force_login(user)
        page = client.get(record.get_absolute_url()).content.decode()
        data = client.get(reverse(name, kwargs={"pk": record.pk}), **bearer(user)).json()
        client.logout()
        on_page = shown.business_name in page
        if isinstance(record, Client):
            assert (data["business_name"] == shown.business_name) is on_page, persona
            assert (data["phone"] == shown.phone) is on_page, persona
            if not on_page:
                assert all(data[f] is None for f in IDENTITY_FIELDS)
            assert data["municipality"] == "千代田区" and "千代田区" in page
            assert data["name"] == (shown.business_name if on_page else shown.pseudonym)
        else:
            assert data["client_name"] == (shown.business_name if on_page else shown.pseudonym)
        assert (shown.business_name in str(data)) is on_page, persona


def _api_write_payloads(tokyo):
    """One valid item per writable endpoint, naming Tokyo's center and records."""
    client = make_client(tokyo, external_id="C-TOKYO")
    make_case(client, external_id="K-TOKYO")
    institution = make_institution(tokyo)
    return {
        "clients": {
            "external_id": "X-1",
            "center": tokyo.code,
            "business_name": "株式会社外部",
            "form": "corporation",
        },
        "cases": {
            "external_id": "X-1",
            "client": "C-TOKYO",
            "center": tokyo.code,
            "opened_on": "2025-05-01",
        },
        "sessions": {
            "external_id": "X-1",
            "center": tokyo.code,
            "client": "C-TOKYO",
            "case": "K-TOKYO",
            "date": "2025-05-01",
            "mode": "visit",
        },
        "network": {
            "external_id": "X-1",
            "center": tokyo.code,
            "date": "2025-05-01",
            "institutions": [institution.name],
            "kind": "meeting",
        },
    }


API_WRITES = [(n, p) for n, p in API_LISTS if hasattr(p.callback.cls, "create")]


@pytest.mark.parametrize("name,pattern", API_WRITES, ids=[n for n, _ in API_WRITES])
def test_api_writes_into_another_center_are_refused_and_write_nothing(
    client, personas, tokyo, name, pattern
):
    model = api_model(pattern)
    item = _api_write_payloads(tokyo)[pattern.callback.cls.import_kind]
    before = model.objects.count()
    for outsider in API_OUTSIDERS:
        response = client.post(
            reverse(name), [item], content_type="application/json", **bearer(personas[outsider])
        )
        assert response.status_code == 400, outsider
        assert model.objects.count() == before, outsider
    insider = bearer(personas["tokyo_coordinator"])
    response = client.post(reverse(name), [item], content_type="application/json", **insider)
    assert response.status_code == 200, response.json()
    assert model.objects.count() == before + 1


# --- The implementing body: exactly its centers' plan, progress, results and budget -------

# What an implementing body's account may open of Tokyo (its center), by model.
BODY_PAGES = ["planning.BusinessPlan", "evaluation.CenterEvaluation", "contracts.Contract"]
# Records of Tokyo it must not reach: client identity, the center's records, staff, HQ's work.
NOT_FOR_THE_BODY = [
    "consultations.Client",
    "consultations.Case",
    "consultations.Consultation",
    "consultations.NetworkActivity",
    "organizations.Person",
    "organizations.SupportInstitution",
    "support.Visit",
    "support.SupportRequest",
    "evaluation.Hearing",
    "evaluation.GuidancePlan",
    "casestudies.CaseStudy",
    "surveys.Campaign",
    "selection.SelectionRound",
    "liaison.HQActivity",
]


# The user's own: its account, notifications (the proposal it is asked to agree to), jobs
# and tokens.
OWN_RECORDS = {"accounts.User", "notifications.Notification", "core.Job", "api.ApiToken"}


def test_the_implementing_body_sees_exactly_its_centers_plan_progress_results_and_budget(
    client, personas, tokyo, osaka
):
    from django.apps import apps

    from core import roles
    from evaluation.workflow import decide_budget

    objects = tokyo_objects(personas, tokyo)
    allocation = objects["evaluation.BudgetAllocation"]
    decide_budget(allocation, user=personas["admin"])
    client_record = objects["consultations.Client"]
    for name in NOT_FOR_THE_BODY + BODY_PAGES:
        objects[name]  # built, so that "nothing visible" is not for want of records
    body = personas["tokyo_body"]
    client.force_login(body)

    pages = [objects[name].get_absolute_url() for name in BODY_PAGES] + [
        tokyo.get_absolute_url(),
        reverse("planning:center_dashboard", args=[tokyo.pk]),
        allocation.get_absolute_url(),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("planning:dashboard"))["Location"].startswith(
        reverse("planning:center_dashboard", args=[tokyo.pk])
    )
    budget = client.get(allocation.get_absolute_url()).content.decode()
    assert f'data-center="{tokyo.code}"' in budget and f'data-center="{osaka.code}"' not in budget
    assert client.get(reverse("planning:center_dashboard", args=[osaka.pk])).status_code == 404

    for name in NOT_FOR_THE_BODY:
        assert client.get(objects[name].get_absolute_url()).status_code in (403, 404), name
    for name in ("client_list", "consultation_list", "case_list", "activity_list"):
        response = client.get(reverse(f"consultations:{name}"))
        assert client_record.business_name not in response.content.decode(), name

    # Every scoped queryset: the body's records are Tokyo's, and only of the kinds it reads.
    for model in apps.get_models():
        manager = getattr(model, "objects", None)
        if not hasattr(manager, "for_user") or model._meta.label in OWN_RECORDS:
            continue
        visible = manager.for_user(body)
        if isinstance(manager.none(), NationalQuerySet) and model._meta.label not in {
            "evaluation.BudgetAllocation"
        }:
            continue  # read by every role (a fiscal year, the rules)
        if model._meta.label in roles.BODY_READS:
            lookup = manager.none().center_lookup
            centers = set(visible.values_list(lookup, flat=True))
            assert centers <= {tokyo.pk}, model._meta.label
        elif model._meta.label != "evaluation.BudgetAllocation":
            assert not visible.exists(), f"the implementing body sees {model._meta.label}"
