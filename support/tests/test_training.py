"""Training: registration, attendance (on screen and by import), coverage and the plan."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from conftest import make_person, make_training
from core.fiscal import fiscal_year_of
from core.imports import run_import
from core.tabular import read_table
from core.workflow import StepRefused
from organizations.models import Center, Role, TrainingBlock
from support import training
from support.models import AttendanceStatus, TrainingKind, TrainingRegistration

TODAY = datetime.date.today()
FY = fiscal_year_of(TODAY)
FY_START = datetime.date(FY, 4, 1)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def attend(event, *people, status=AttendanceStatus.ATTENDED):
    for person in people:
        TrainingRegistration.objects.create(event=event, person=person, status=status)


def test_coverage_per_center_equals_a_hand_count(tokyo, osaka):
    # Tokyo's staff on the reference date: chief, three coordinators, one expert = 5 people.
    chief = make_person(tokyo, Role.CHIEF_COORDINATOR)
    co1, co2, co3 = (make_person(tokyo) for _ in range(3))
    expert = make_person(tokyo, Role.EXPERT)
    # Not Tokyo's staff on that day: one who left, one who starts next year.
    left = make_person(tokyo, start=datetime.date(2020, 4, 1), end=FY_START - datetime.timedelta(1))
    future = make_person(tokyo, start=TODAY + datetime.timedelta(days=400))
    osaka_co = make_person(osaka)

    first = make_training(kind=TrainingKind.NATIONAL, start=FY_START + datetime.timedelta(days=30))
    second = make_training(
        kind=TrainingKind.SME_UNIVERSITY, start=FY_START + datetime.timedelta(60)
    )
    last_year = make_training(start=FY_START - datetime.timedelta(days=60))
    attend(first, chief, co1, left, future, osaka_co)
    attend(second, co1)  # twice trained, counted once
    attend(last_year, co2)  # last fiscal year does not count
    attend(first, co3, status=AttendanceStatus.ABSENT)  # registered, did not come
    attend(second, expert, status=AttendanceStatus.REGISTERED)

    as_of = FY_START + datetime.timedelta(days=90)
    rows = {
        c.code: (c.staff_count, c.trained_count)
        for c in training.coverage(
            Center.objects.filter(pk__in=[tokyo.pk, osaka.pk]), fiscal_year=FY, as_of=as_of
        )
    }
    # By hand: Tokyo staff = chief, co1, co2, co3, expert (5); trained = chief, co1 (2).
    assert rows["13"] == (5, 2)
    assert rows["27"] == (1, 1)


def test_coverage_counts_only_events_up_to_the_reference_date(tokyo):
    person = make_person(tokyo)
    later = make_training(start=FY_START + datetime.timedelta(days=100))
    attend(later, person)
    early = FY_START + datetime.timedelta(days=50)
    row = training.coverage(Center.objects.filter(pk=tokyo.pk), fiscal_year=FY, as_of=early).get()
    assert (row.staff_count, row.trained_count) == (1, 0)


def test_the_coverage_page_shows_the_same_numbers_within_the_viewers_scope(client_for, tokyo):
    person = make_person(tokyo)
    attend(make_training(start=FY_START), person)
    page = client_for("kanto_officer").get(
        reverse("support:training_coverage"), {"fy": FY, "as_of": FY_START.isoformat()}
    )
    rows = {c.code: (c.staff_count, c.trained_count) for c in page.context["rows"]}
    assert rows["13"] == (1, 1) and "27" not in rows
    assert page.context["total"]["trained"] == 1


def test_events_held_against_the_plan_of_two_a_year(db):
    kanto = TrainingBlock.objects.get(name="関東ブロック")
    held = FY_START + datetime.timedelta(days=40)
    make_training(kind=TrainingKind.BLOCK, block=kanto, start=held)
    make_training(kind=TrainingKind.BLOCK, block=kanto, start=held + datetime.timedelta(days=150))
    make_training(kind=TrainingKind.NATIONAL, start=held)
    make_training(kind=TrainingKind.BLOCK, block=kanto, start=FY_START - datetime.timedelta(9))
    rows = {
        r.label: r for r in training.events_against_plan(FY, as_of=held + datetime.timedelta(1))
    }
    assert (
        rows["関東ブロック"].planned,
        rows["関東ブロック"].scheduled,
        rows["関東ブロック"].held,
    ) == (
        2,
        2,
        1,
    )
    assert rows["近畿ブロック"].held == 0 and rows["近畿ブロック"].short == 2
    assert (rows["National training"].scheduled, rows["National training"].held) == (1, 1)


def sheet(*rows, headers=("研修コード", "職員コード", "出欠"), encoding="utf-8"):
    lines = [",".join(headers), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def test_an_attendance_sheet_with_an_unknown_staff_code_and_an_unknown_event_writes_nothing(
    client_for, tokyo
):
    known = make_person(tokyo, code="S90001")
    event = make_training("2026-N1")
    data = sheet(
        ("2026-N1", "S90001", "出席"), ("2026-N1", "S99999", "出席"), ("2026-X9", "S90001", "出席")
    )
    response = client_for("hq").post(
        reverse("imports:kind", args=["attendance"]),
        {"file": SimpleUploadedFile("attendance.csv", data, content_type="text/csv")},
    )
    problems = [(p.row, p.column) for p in response.context["problems"]]
    assert problems == [(3, "職員コード"), (4, "研修コード")]
    messages = " ".join(p.message for p in response.context["problems"])
    assert "S99999" in messages and "2026-X9" in messages
    assert not TrainingRegistration.objects.exists()
    assert known.training_registrations.count() == 0 and event.registrations.count() == 0


def test_an_attendance_sheet_registers_updates_and_imports_twice_without_change(personas, tokyo):
    a, b = make_person(tokyo, code="S90001"), make_person(tokyo, code="S90002")
    event = make_training("2026-N1", start=FY_START)
    attend(event, b, status=AttendanceStatus.REGISTERED)
    table = read_table(sheet(("2026-N1", "S90001", "○"), ("2026-N1", "S90002", "欠席")), "a.csv")
    result = run_import("attendance", table, user=personas["hq"])
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert event.registrations.get(person=a).status == AttendanceStatus.ATTENDED
    assert event.registrations.get(person=a).center == tokyo
    assert event.registrations.get(person=b).status == AttendanceStatus.ABSENT
    again = run_import("attendance", table, user=personas["hq"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_shift_jis_sheet_with_bad_values_reports_every_problem(personas, tokyo):
    make_person(tokyo, code="S90001")
    make_training("2026-N1")
    data = sheet(
        ("2026-N1", "S90001", "たぶん"),
        ("2026-N1", "S90001", "出席"),
        ("", "", ""),
        encoding="cp932",
    )
    data += "2026-N1,S90001,出席\n".encode("cp932")
    result = run_import("attendance", read_table(data, "a.csv"), user=personas["hq"])
    # Row 2: unknown attendance; rows 3 and 5 repeat row 2's person (row 4 is empty, skipped).
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "出欠"),
        (3, "職員コード"),
        (5, "職員コード"),
    ]
    missing = run_import(
        "attendance",
        read_table(sheet(("2026-N1",), headers=("研修コード",)), "a.csv"),
        user=personas["hq"],
    )
    assert missing.problems[0].row == 1 and "職員コード" in missing.problems[0].column


def test_only_hq_imports_attendance(client_for):
    assert (
        client_for("tokyo_manager").get(reverse("imports:kind", args=["attendance"])).status_code
        == 403
    )


def test_a_center_manager_registers_the_centers_own_staff_until_the_event_starts(
    client_for, personas, tokyo, osaka
):
    mine, theirs = make_person(tokyo, code="S90001"), make_person(osaka, code="S90002")
    event = make_training(start=TODAY + datetime.timedelta(days=20), capacity=1)
    client = client_for("tokyo_manager")
    client.post(reverse("support:training_register", args=[event.pk]), {"staff_codes": "S90002"})
    assert not event.registrations.exists()
    client.post(reverse("support:training_register", args=[event.pk]), {"staff_codes": "S90001"})
    assert list(event.registrations.values_list("person", flat=True)) == [mine.pk]
    assert event.registrations.get().center == tokyo
    # Full now: HQ cannot add Osaka's coordinator beyond the capacity.
    with pytest.raises(StepRefused, match="places left"):
        training.register(event, user=personas["hq"], people=[theirs])
    started = make_training(start=TODAY - datetime.timedelta(days=1))
    client.post(reverse("support:training_register", args=[started.pk]), {"staff_codes": "S90001"})
    assert not started.registrations.exists()


def test_hq_records_attendance_on_the_event_page(client_for, tokyo):
    person = make_person(tokyo)
    event = make_training(start=FY_START)
    attend(event, person, status=AttendanceStatus.REGISTERED)
    registration = event.registrations.get()
    url = reverse("support:training_attendance", args=[event.pk])
    client_for("tokyo_manager").post(url, {f"status_{registration.pk}": "attended"})
    registration.refresh_from_db()
    assert registration.status == AttendanceStatus.REGISTERED
    client_for("hq").post(url, {f"status_{registration.pk}": "attended"})
    registration.refresh_from_db()
    assert registration.status == AttendanceStatus.ATTENDED


def test_a_persons_training_history_lists_every_event(client_for, tokyo):
    person = make_person(tokyo)
    attend(make_training("2025-N1", start=datetime.date(2025, 6, 1)), person)
    attend(make_training("2025-N2", start=datetime.date(2025, 11, 1)), person, status="absent")
    page = client_for("tokyo_manager").get(reverse("support:person_training", args=[person.pk]))
    assert [r.event.code for r in page.context["registrations"]] == ["2025-N1", "2025-N2"]
    assert (
        client_for("osaka_manager")
        .get(reverse("support:person_training", args=[person.pk]))
        .status_code
        == 404
    )


def test_a_block_event_needs_its_block_and_only_block_events_have_one(client_for):
    kanto = TrainingBlock.objects.get(name="関東ブロック")
    base = {
        "code": "2026-B1",
        "title": "ブロック研修",
        "start_date": "2026-07-01",
        "end_date": "2026-07-02",
        "place": "さいたま",
        "capacity": "40",
    }
    client = client_for("hq")
    response = client.post(reverse("support:training_create"), {**base, "kind": "block"})
    assert response.context["form"].errors["block"]
    response = client.post(
        reverse("support:training_create"), {**base, "kind": "national", "block": kanto.pk}
    )
    assert response.context["form"].errors["block"]
    response = client.post(
        reverse("support:training_create"), {**base, "kind": "block", "block": kanto.pk}
    )
    assert response.status_code == 302
