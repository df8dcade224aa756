"""Coordinator appointments: proposed → agreed → approved → term, no step skipped, each audited."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from conftest import make_person
from core.workflow import StepRefused
from organizations.models import AgreementBy, Person, Role
from selection import appointments
from selection.models import AppointmentStatus, Term

START, END = datetime.date(2027, 4, 1), datetime.date(2028, 3, 31)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def proposed(personas, tokyo):
    return appointments.propose(
        center=tokyo,
        user=personas["tokyo_manager"],
        name="新任 花子",
        kana="シンニン ハナコ",
        staff_code="CO-100",
        career="地銀で融資担当15年",
        reason="資金繰り相談の増加に対応",
        start_date=START,
        end_date=END,
    )


def signed_agreement():
    return SimpleUploadedFile("同意書.pdf", b"%PDF-1.4 signed", "application/pdf")


def agree(appointment, personas):
    return appointments.agree(
        appointment,
        user=personas["tokyo_manager"],
        signatory="東京都中小企業振興公社 理事長 山田太郎",
        agreed_on=datetime.date(2027, 2, 1),
        document=signed_agreement(),
    )


def test_each_step_is_recorded_with_who_and_when_and_the_term_is_created(personas, proposed):
    manager, officer = personas["tokyo_manager"], personas["kanto_officer"]

    agree(proposed, personas)
    appointments.approve(proposed, user=officer, note="局内で協議済み")
    appointment = appointments.create_term(proposed, user=manager)

    steps = [(e.action, e.to_status, e.user) for e in appointment.events.all()]
    assert steps == [
        ("propose", AppointmentStatus.PROPOSED, manager),
        ("agree", AppointmentStatus.AGREED, manager),
        ("approve", AppointmentStatus.APPROVED, officer),
        ("appoint", AppointmentStatus.APPOINTED, manager),
    ]
    assert all(e.at for e in appointment.events.all())
    assert appointment.signatory.startswith("東京都中小企業振興公社")
    assert appointment.consultation_note == "局内で協議済み"
    person = Person.objects.get(staff_code="CO-100")
    assignment = person.assignments.get()
    assert (assignment.center_id, assignment.role, assignment.start_date, assignment.end_date) == (
        proposed.center_id,
        Role.COORDINATOR,
        START,
        END,
    )
    term = Term.objects.get(appointment=appointment)
    assert term.assignment == assignment and appointment.assignment == assignment
    # The record's own history has every step too, each with its user.
    history = list(
        appointment.history.order_by("history_date", "history_id").values_list(
            "status", "history_user"
        )
    )
    assert history == [
        (AppointmentStatus.PROPOSED, manager.pk),
        (AppointmentStatus.AGREED, manager.pk),
        (AppointmentStatus.APPROVED, officer.pk),
        (AppointmentStatus.APPOINTED, manager.pk),
    ]
    assert assignment.history.first().history_user == manager


def test_no_step_can_be_skipped(personas, proposed):
    manager, officer = personas["tokyo_manager"], personas["kanto_officer"]

    with pytest.raises(StepRefused, match="implementing body has not agreed"):
        appointments.approve(proposed, user=officer)
    with pytest.raises(StepRefused, match="implementing body has not agreed"):
        appointments.create_term(proposed, user=manager)
    agree(proposed, personas)
    with pytest.raises(StepRefused, match="bureau has not approved"):
        appointments.create_term(proposed, user=manager)
    with pytest.raises(StepRefused, match="already been recorded"):
        agree(proposed, personas)

    proposed.refresh_from_db()
    assert proposed.status == AppointmentStatus.AGREED
    assert not Person.objects.filter(staff_code="CO-100").exists()
    assert [e.action for e in proposed.events.all()] == ["propose", "agree"]


def test_each_step_belongs_to_its_party(personas, proposed):
    with pytest.raises(StepRefused, match="Only the center"):
        appointments.agree(proposed, user=personas["kanto_officer"], signatory="x", agreed_on=START)
    with pytest.raises(StepRefused, match="outside your scope"):
        appointments.agree(proposed, user=personas["osaka_manager"], signatory="x", agreed_on=START)
    agree(proposed, personas)
    with pytest.raises(StepRefused, match="Only the bureau"):
        appointments.approve(proposed, user=personas["tokyo_manager"])
    with pytest.raises(StepRefused, match="outside your scope"):
        appointments.approve(proposed, user=personas["kinki_officer"])
    proposed.refresh_from_db()
    assert proposed.status == AppointmentStatus.AGREED


def test_only_a_centers_chief_coordinator_proposes(personas, tokyo):
    for persona in ("tokyo_coordinator", "osaka_manager", "kanto_officer"):
        with pytest.raises(StepRefused, match="chief coordinator can propose"):
            appointments.propose(
                center=tokyo,
                user=personas[persona],
                name="x",
                staff_code="X-1",
                reason="r",
                start_date=START,
                end_date=END,
            )


def test_the_agreement_needs_the_signatory(personas, proposed):
    with pytest.raises(StepRefused, match="signatory"):
        appointments.agree(proposed, user=personas["tokyo_manager"], signatory=" ", agreed_on=START)


def test_a_proposal_reports_its_problems(personas, tokyo):
    coordinator = make_person(tokyo, Role.COORDINATOR, start=datetime.date(2024, 4, 1))
    make_person(tokyo, code="USED")

    problems = appointments.proposal_problems(
        center=tokyo,
        person=None,
        name="",
        staff_code="USED",
        start_date=START,
        end_date=datetime.date(2028, 6, 30),
    )
    assert set(problems) == {"name", "staff_code", "end_date"}
    problems = appointments.proposal_problems(
        center=tokyo,
        person=coordinator,
        name="",
        staff_code="",
        start_date=START,
        end_date=END,
    )
    assert set(problems) == {"person"}


def test_the_implementing_body_or_the_bureau_may_decline_at_its_own_step(personas, proposed):
    with pytest.raises(StepRefused, match="only the implementing body"):
        appointments.decline(proposed, user=personas["kanto_officer"], reason="x")
    agree(proposed, personas)
    with pytest.raises(StepRefused, match="only the bureau"):
        appointments.decline(proposed, user=personas["tokyo_manager"], reason="x")

    appointments.decline(proposed, user=personas["kanto_officer"], reason="予算の範囲外")

    proposed.refresh_from_db()
    assert proposed.status == AppointmentStatus.DECLINED
    with pytest.raises(StepRefused, match="closed"):
        appointments.approve(proposed, user=personas["kanto_officer"])


def test_the_steps_through_the_pages(client_for, personas, tokyo):
    manager = client_for("tokyo_manager")
    response = manager.post(
        reverse("selection:appointment_create"),
        {
            "name": "新任 太郎",
            "staff_code": "CO-200",
            "reason": "創業相談の強化",
            "start_date": "2027-04-01",
            "end_date": "2028-03-31",
        },
    )
    appointment = tokyo.appointments.get()
    assert response.status_code == 302 and response["Location"] == appointment.get_absolute_url()

    # Skipping to the term is refused with the missing step, and nothing is written.
    page = manager.post(reverse("selection:appointment_appoint", args=[appointment.pk]))
    assert "まだ実施機関の同意がありません" in page.content.decode()
    manager.post(
        reverse("selection:appointment_agree", args=[appointment.pk]),
        {"signatory": "理事長 山田", "agreed_on": "2027-02-01", "document": signed_agreement()},
    )
    officer = client_for("kanto_officer")
    officer.post(reverse("selection:appointment_approve", args=[appointment.pk]), {"note": "可"})
    manager = client_for("tokyo_manager")
    manager.post(reverse("selection:appointment_appoint", args=[appointment.pk]))

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.APPOINTED
    detail = manager.get(appointment.get_absolute_url()).content.decode()
    assert "理事長 山田" in detail and "kanto_officer" in detail


def test_a_bad_proposal_form_reports_each_field_and_saves_nothing(client_for, tokyo):
    response = client_for("tokyo_manager").post(
        reverse("selection:appointment_create"),
        {
            "name": "",
            "staff_code": "",
            "reason": "",
            "start_date": "2027-04-01",
            "end_date": "2027-12-31",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "staff_code", "reason", "end_date"}
    assert not tokyo.appointments.exists()


# --- Who records the implementing body's agreement: the bureau's choice -----------------


def body_account_required(center):
    bureau = center.prefecture.bureau
    bureau.appointment_agreement = AgreementBy.BODY_ACCOUNT
    bureau.save()


def test_the_center_manager_is_refused_where_the_bureau_asks_the_bodys_own_account(
    personas, proposed, tokyo, client_for
):
    body_account_required(tokyo)

    with pytest.raises(StepRefused, match="own account"):
        agree(proposed, personas)
    page = client_for("tokyo_manager").post(
        reverse("selection:appointment_agree", args=[proposed.pk]),
        {"signatory": "理事長 山田", "agreed_on": "2027-02-01", "document": signed_agreement()},
    )

    assert page.status_code == 200
    proposed.refresh_from_db()
    assert proposed.status == AppointmentStatus.PROPOSED and not proposed.signatory
    assert [e.action for e in proposed.events.all()] == ["propose"]
    # Declining for the body is the body's too.
    with pytest.raises(StepRefused, match="own account"):
        appointments.decline(proposed, user=personas["tokyo_manager"], reason="不同意")


def test_the_bodys_own_account_agrees_without_a_document(personas, proposed, tokyo, client_for):
    body_account_required(tokyo)
    body = client_for("tokyo_body")
    assert (
        "signatory"
        in body.get(reverse("selection:appointment_agree", args=[proposed.pk])).content.decode()
    )

    response = body.post(
        reverse("selection:appointment_agree", args=[proposed.pk]),
        {"signatory": "東京都中小企業振興公社 理事長 山田太郎", "agreed_on": "2027-02-01"},
    )

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == AppointmentStatus.AGREED
    assert proposed.events.get(action="agree").user == personas["tokyo_body"]


def test_another_bodys_account_cannot_agree(personas, proposed, tokyo):
    body_account_required(tokyo)
    with pytest.raises(StepRefused):
        appointments.agree(proposed, user=personas["osaka_body"], signatory="x", agreed_on=START)


def test_the_center_records_the_agreement_only_with_the_signed_document(
    personas, proposed, client_for
):
    with pytest.raises(StepRefused, match="signed"):
        appointments.agree(
            proposed, user=personas["tokyo_manager"], signatory="理事長 山田", agreed_on=START
        )
    # A renamed program is not a signed document.
    page = client_for("tokyo_manager").post(
        reverse("selection:appointment_agree", args=[proposed.pk]),
        {
            "signatory": "理事長 山田",
            "agreed_on": "2027-02-01",
            "document": SimpleUploadedFile("同意書.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert page.status_code == 200
    proposed.refresh_from_db()
    assert proposed.status == AppointmentStatus.PROPOSED

    agree(proposed, personas)

    proposed.refresh_from_db()
    assert proposed.agreement_document_name == "同意書.pdf"
    download = client_for("kanto_officer").get(
        reverse("selection:appointment_agreement", args=[proposed.pk])
    )
    assert download.status_code == 200 and download.content == b"%PDF-1.4 signed"
    assert download["Content-Type"] == "application/pdf"
