"""The selection pages, driven with the test client: forms report problems per field and
write nothing; each step goes through the workflow."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from conftest import make_person
from organizations.models import Qualification, Role
from selection.models import (
    MemberSource,
    RoundKind,
    RoundStatus,
    SelectionRound,
)
from selection.tests.factories import board_user, make_round


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def test_the_bureau_sets_up_a_round_through_the_pages(client_for, personas, tokyo):
    client = client_for("kanto_officer")
    response = client.post(
        reverse("selection:round_create"),
        {
            "center": tokyo.pk,
            "kind": RoundKind.NEW,
            "term_start": "2027-04-01",
            "term_end": "2028-03-31",
        },
    )
    round_ = SelectionRound.objects.get()
    assert response["Location"] == round_.get_absolute_url()

    member = board_user()
    client.post(
        reverse("selection:member_add", args=[round_.pk]),
        {"user": member.pk, "source": MemberSource.ADVISORY_BOARD, "affiliation": "AB"},
    )
    qualification = Qualification.objects.get(name="中小企業診断士")
    client.post(
        reverse("selection:candidate_create", args=[round_.pk]),
        {
            "name": "候補 花子",
            "kana": "コウホ ハナコ",
            "career": "信用金庫 20年",
            "qualifications": [qualification.pk],
            "document": SimpleUploadedFile("cv.pdf", b"%PDF-1.4 cv", "application/pdf"),
            "document_title": "履歴書",
        },
    )
    candidate = round_.candidates.get()
    document = candidate.documents.get()
    assert list(candidate.qualifications.all()) == [qualification]
    download = client.get(document.get_absolute_url())
    assert download.content == b"%PDF-1.4 cv" and "attachment" in download["Content-Disposition"]

    rows = {
        "criteria-TOTAL_FORMS": "5",
        "criteria-INITIAL_FORMS": "4",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, c in enumerate(round_.criteria.all()):
        rows.update(
            {f"criteria-{i}-id": c.pk, f"criteria-{i}-name": c.name, f"criteria-{i}-weight": 20}
        )
    rows.update({"criteria-4-name": "財務の知識", "criteria-4-weight": "20"})
    client.post(reverse("selection:round_criteria", args=[round_.pk]), rows)
    assert [c.weight for c in round_.criteria.all()] == [20] * 5

    client.post(reverse("selection:round_start", args=[round_.pk]))
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCORING
    assert member.selection_memberships.get().sheets.count() == 1


def test_a_round_form_reports_bad_dates_and_saves_nothing(client_for, tokyo):
    response = client_for("kanto_officer").post(
        reverse("selection:round_create"),
        {
            "center": tokyo.pk,
            "kind": RoundKind.NEW,
            "term_start": "2027-04-01",
            "term_end": "2027-09-30",
        },
    )

    assert response.status_code == 200
    assert "3月31日" in response.context["form"].errors["term_end"][0]
    assert not SelectionRound.objects.exists()


def test_a_round_cannot_be_set_up_for_another_bureaus_center(client_for, osaka):
    response = client_for("kanto_officer").post(
        reverse("selection:round_create"),
        {
            "center": osaka.pk,
            "kind": RoundKind.NEW,
            "term_start": "2027-04-01",
            "term_end": "2028-03-31",
        },
    )

    assert response.status_code == 200 and "center" in response.context["form"].errors
    assert not SelectionRound.objects.exists()


def test_a_member_declares_scores_and_submits_through_the_pages(client, tokyo):
    round_ = make_round(tokyo, candidates=("X", "Y"), until=RoundStatus.SETUP)
    from selection import workflow

    workflow.start_scoring(round_, user=round_.created_by)
    seat = round_.members.order_by("id").first()
    client.force_login(seat.user)
    x, y = round_.candidates.order_by("id")

    # Declaring a conflict without saying what it is is refused per field.
    bad = client.post(
        reverse("selection:member_declare", args=[seat.pk]),
        {f"conflict_{x.pk}": "yes", f"reason_{x.pk}": "", f"conflict_{y.pk}": "no"},
    )
    assert bad.status_code == 200 and f"reason_{x.pk}" in bad.context["form"].errors
    client.post(
        reverse("selection:member_declare", args=[seat.pk]),
        {f"conflict_{x.pk}": "yes", f"reason_{x.pk}": "元部下", f"conflict_{y.pk}": "no"},
    )
    x_sheet, y_sheet = seat.sheets.get(candidate=x), seat.sheets.get(candidate=y)
    assert 'data-testid="conflict"' in client.get(x_sheet.get_absolute_url()).content.decode()

    scores = {f"criterion_{c.pk}": "4" for c in round_.criteria.all()}
    missing = client.post(
        y_sheet.get_absolute_url(), {**scores, f"criterion_{round_.criteria.first().pk}": ""}
    )
    assert missing.status_code == 200 and not y_sheet.entries.exists()
    client.post(y_sheet.get_absolute_url(), {**scores, "comment": "堅実"})
    assert y_sheet.entries.count() == 4

    client.post(reverse("selection:member_submit", args=[seat.pk]))
    seat.refresh_from_db()
    assert seat.submitted_at is not None
    # After submission the sheet is read-only.
    page = client.get(y_sheet.get_absolute_url()).content.decode()
    assert 'data-testid="score-form"' not in page and 'data-testid="entries"' in page


def test_the_bureau_records_the_decision_and_the_term_shows_on_the_staff_page(
    client_for, personas, tokyo
):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED)
    nominee = round_.candidates.order_by("id").first()
    client = client_for("kanto_officer")

    no_code = client.post(
        reverse("selection:round_decide", args=[round_.pk]),
        {"decision": "nominate", "nominee": nominee.pk, "reason": "最高点"},
    )
    assert "staff_code" in no_code.context["form"].errors
    client.post(
        reverse("selection:round_decide", args=[round_.pk]),
        {"decision": "nominate", "nominee": nominee.pk, "reason": "最高点", "staff_code": "CC-9"},
    )

    nominee.refresh_from_db()
    staff_page = client.get(nominee.person.get_absolute_url()).content.decode()
    assert "2027-04-01" in staff_page and "2028-03-31" in staff_page
    terms = client.get(reverse("selection:term_list")).content.decode()
    assert nominee.person.get_absolute_url() in terms


def test_a_renewal_shows_the_term_results_beside_the_sitting_chief(client_for, personas, tokyo):
    chief = make_person(tokyo, Role.CHIEF_COORDINATOR, start=datetime.date(2024, 4, 1))
    round_ = make_round(tokyo, kind=RoundKind.RENEWAL, until=RoundStatus.SCORING)
    candidate = round_.candidates.get()
    assert candidate.person == chief

    page = client_for("kanto_officer").get(candidate.get_absolute_url()).content.decode()
    assert 'data-testid="term-results"' in page and "2024年度" in page
    seat = round_.members.get(submitted_at__isnull=True)
    from django.test import Client

    member = Client()
    member.force_login(seat.user)
    sheet_page = member.get(seat.sheets.get().get_absolute_url()).content.decode()
    assert 'data-testid="term-results"' in sheet_page


def test_setup_pages_say_why_they_are_closed_once_scoring_starts(client_for, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SCORING)
    client = client_for("kanto_officer")

    for name in ("round_edit", "round_criteria", "member_add", "candidate_create"):
        response = client.get(reverse(f"selection:{name}", args=[round_.pk]))
        assert response.status_code == 200 and response.context["refusal"], name
    response = client.post(
        reverse("selection:candidate_create", args=[round_.pk]), {"name": "遅れた候補"}
    )
    assert not round_.candidates.filter(name="遅れた候補").exists()


def test_the_round_list_exports_without_any_score(client_for, tokyo):
    make_round(tokyo, until=RoundStatus.CLOSED)

    response = client_for("kanto_officer").get(reverse("selection:round_list") + "?export=csv")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "東京都" in text and "Score" not in text.splitlines()[0]


@pytest.mark.parametrize(
    "url_name", ["selection:round_list", "selection:term_list", "selection:appointment_list"]
)
def test_list_pages_take_the_same_queries_for_one_record_or_several(
    client_for, django_assert_max_num_queries, tokyo, kanagawa, url_name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def records(center):
        """A decided round (so a term) and an appointment at ``center``."""
        from conftest import make_user
        from selection import appointments

        make_round(center)
        manager = make_user(f"cc-{center.code}", "center_manager", center=center)
        appointments.propose(
            center=center,
            user=manager,
            name="新任",
            staff_code=f"N-{center.code}",
            reason="理由",
            start_date=datetime.date(2027, 4, 1),
            end_date=datetime.date(2028, 3, 31),
        )

    client = client_for("kanto_officer")
    records(tokyo)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url_name)).context["paginator"].count == 1
    records(kanagawa)
    with django_assert_max_num_queries(len(one)):
        assert client.get(reverse(url_name)).context["paginator"].count == 2


def test_a_candidate_from_the_staff_records_takes_their_name_and_qualifications(client_for, tokyo):
    person = make_person(tokyo, qualifications=["税理士"])
    round_ = make_round(tokyo, until=RoundStatus.SETUP)

    client_for("kanto_officer").post(
        reverse("selection:candidate_create", args=[round_.pk]), {"person": person.pk}
    )

    candidate = round_.candidates.get(person=person)
    assert candidate.name == person.name
    assert [q.name for q in candidate.qualifications.all()] == ["税理士"]
