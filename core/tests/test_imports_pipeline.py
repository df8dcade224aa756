"""The one import pipeline (core.imports): 和暦 dates, the generated format documentation,
the dry run, the batch record and its undo."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from conftest import import_table, make_person
from consultations import summaries
from consultations.models import ClientCenter, Consultation
from core.imports import KINDS, UndoRefused, docs, run_import, undo
from core.models import ImportBatch
from core.tabular import parse_date


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


csv_table = import_table


# --- Dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written,day",
    [
        ("令和7年4月1日", datetime.date(2025, 4, 1)),
        ("R7.4.1", datetime.date(2025, 4, 1)),
        ("Ｒ７．４．１", datetime.date(2025, 4, 1)),
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("平成31年4月30日", datetime.date(2019, 4, 30)),
        ("H30/4/1", datetime.date(2018, 4, 1)),
        ("2025年4月1日", datetime.date(2025, 4, 1)),
        ("2025/4/1", datetime.date(2025, 4, 1)),
    ],
)
def test_a_japanese_era_date_is_read_as_the_right_day(written, day):
    assert parse_date(written) == day


@pytest.mark.parametrize(
    "written", ["平成31年5月1日", "令和元年4月30日", "昭和64年1月8日", "R7.2.30"]
)
def test_a_date_outside_its_era_or_calendar_is_not_a_date(written):
    with pytest.raises(ValueError):
        parse_date(written)


def test_an_era_date_the_era_had_ended_is_reported_on_its_row_and_column(personas, tokyo):
    rows = [{"活動ID": "N1", "拠点": "東京", "実施日": "平成31年5月1日", "区分": "共催セミナー"}]

    result = run_import("network", csv_table("network", rows), user=personas["admin"])

    assert (2, "実施日") in {(p.row, p.column) for p in result.problems}


# --- The format documentation -----------------------------------------------------------


def test_the_format_documentation_is_the_one_the_declarations_make():
    written = docs.path().read_text(encoding="utf-8")
    assert written == docs.render(), "run: .venv/bin/python manage.py import_format"


def test_every_kind_is_documented_with_every_column_and_choice():
    text = docs.render()
    for spec in KINDS.values():
        assert f"`--kind {spec.key}`" in text
        for header in spec.headers:
            assert f"| {header} |" in text
        for table in spec.choices.values():
            for code in table.codes:
                assert f"(`{code}`)" in text


# --- Sessions in bulk: dry run, batch, undo ------------------------------------------------


@pytest.fixture
def clients(personas, tokyo):
    make_person(tokyo, code="T0001")
    rows = [
        {"相談者ID": f"C{i:03}", "拠点": "東京都", "事業者名": f"試験商店{i}", "形態": "法人"}
        for i in range(50)
    ]
    assert run_import("clients", csv_table("clients", rows), user=personas["admin"]).created == 50
    return rows


def session_rows(count, *, start=0, summary="相談"):
    return [
        {
            "対応ID": f"S{i:05}",
            "拠点": "東京都",
            "相談者ID": f"C{i % 50:03}",
            "対応日": (datetime.date(2025, 4, 1) + datetime.timedelta(days=i % 300)).isoformat(),
            "時間(分)": "60",
            "対応方法": "来訪",
            "担当者": "T0001",
            "概要": summary,
        }
        for i in range(start, start + count)
    ]


def state():
    """Every row a session import touches: the records, their history and staff, the
    indicator summaries."""
    history = Consultation.history.model
    return {
        "sessions": list(Consultation.objects.order_by("pk").values()),
        "history": list(history.objects.order_by("history_id").values()),
        "staff": list(Consultation.other_staff.through.objects.order_by("pk").values()),
        "summaries": sorted(summaries._rows(), key=repr),
        "client_centers": sorted(ClientCenter.objects.values_list("client_id", "center_id")),
    }


def database_image():
    """The database's bytes on SQLite; elsewhere every row a session import touches."""
    if connection.vendor == "sqlite":
        return connection.connection.serialize()
    return state(), ImportBatch.objects.count()


def test_a_dry_run_reports_the_counts_and_leaves_the_database_byte_for_byte(personas, clients):
    run_import("sessions", csv_table("sessions", session_rows(10)), user=personas["admin"])
    before = database_image()
    rows = session_rows(5, summary="変更後") + session_rows(20, start=10)

    result = run_import(
        "sessions", csv_table("sessions", rows), user=personas["admin"], dry_run=True
    )

    assert result.ok and result.dry_run
    assert (result.created, result.updated, result.unchanged) == (20, 5, 0)
    assert result.batch is None
    assert database_image() == before


def test_an_import_of_a_thousand_sessions_undone_restores_the_previous_state(
    personas, clients, capsys
):
    admin = personas["admin"]
    run_import("sessions", csv_table("sessions", session_rows(10)), user=admin)
    before = state()
    rows = session_rows(5, summary="変更後") + session_rows(995, start=10)

    result = run_import(
        "sessions", csv_table("sessions", rows), user=admin, file_name="sessions.csv", sha256="ab"
    )

    assert (result.created, result.updated) == (995, 5)
    batch = result.batch
    assert (batch.user, batch.file_name, batch.sha256, batch.rows) == (
        admin,
        "sessions.csv",
        "ab",
        1000,
    )
    assert state() != before

    undo(batch, user=admin)

    assert state() == before
    batch.refresh_from_db()
    assert batch.undone_by == admin and batch.undone_at is not None
    call_command("indicator_summaries", "--check")  # exits non-zero when they differ
    with pytest.raises(UndoRefused):
        undo(batch, user=admin)  # once only


def test_an_undo_after_a_later_edit_is_refused_and_names_the_record(personas, clients):
    admin = personas["admin"]
    result = run_import("sessions", csv_table("sessions", session_rows(30)), user=admin)
    session = Consultation.objects.get(external_id="S00007")
    session.summary = "後から直した"
    session.save()
    counted = Consultation.objects.count()

    with pytest.raises(UndoRefused) as refused:
        undo(result.batch, user=admin)

    assert "S00007" in str(refused.value)
    assert Consultation.objects.count() == counted
    assert ImportBatch.objects.get(pk=result.batch.pk).undone_at is None


def test_an_undo_after_a_later_import_of_the_same_records_is_refused(personas, clients):
    admin = personas["admin"]
    first = run_import("sessions", csv_table("sessions", session_rows(3)), user=admin)
    run_import("sessions", csv_table("sessions", session_rows(1, summary="次")), user=admin)

    with pytest.raises(UndoRefused) as refused:
        undo(first.batch, user=admin)
    assert "S00000" in str(refused.value)


def test_who_may_undo_and_for_how_long(personas, clients, osaka):
    result = run_import(
        "sessions", csv_table("sessions", session_rows(3)), user=personas["tokyo_coordinator"]
    )
    batch = result.batch
    assert batch.center == personas["tokyo_coordinator"].center
    for outsider in ("osaka_coordinator", "hq", "kanto_officer"):
        with pytest.raises(UndoRefused):
            undo(batch, user=personas[outsider])
    ImportBatch.objects.filter(pk=batch.pk).update(stamp=batch.stamp - datetime.timedelta(days=8))
    with pytest.raises(UndoRefused) as refused:
        undo(batch, user=personas["admin"])
    assert "7 days" in str(refused.value)
    assert Consultation.objects.count() == 3


def test_the_importing_centers_manager_undoes_it_on_the_page(personas, clients, client_for):
    result = run_import(
        "sessions", csv_table("sessions", session_rows(3)), user=personas["tokyo_coordinator"]
    )
    page = client_for("tokyo_manager")
    listing = page.get(reverse("imports:batches")).content.decode()
    assert reverse("imports:undo", args=[result.batch.pk]) in listing

    response = page.post(reverse("imports:undo", args=[result.batch.pk]))

    assert response.status_code == 302
    assert not Consultation.objects.exists()


def test_the_page_checks_only_and_writes_nothing(personas, clients, client_for):
    page = client_for("tokyo_coordinator")
    buffer = io.BytesIO()
    buffer.write(
        "\r\n".join(
            [",".join(KINDS["sessions"].headers)]
            + [",".join(r.get(h, "") for h in KINDS["sessions"].headers) for r in session_rows(4)]
        ).encode()
    )
    buffer.seek(0)
    buffer.name = "sessions.csv"

    response = page.post(
        reverse("imports:kind", args=["sessions"]), {"file": buffer, "dry_run": "on"}
    )

    assert 'data-testid="import-dry-run"' in response.content.decode()
    assert not Consultation.objects.exists()
    assert not ImportBatch.objects.filter(kind="sessions").exists()


def test_a_batch_records_its_stamp_as_the_time_of_its_history(personas, clients):
    result = run_import("sessions", csv_table("sessions", session_rows(2)), user=personas["admin"])
    stamps = set(Consultation.history.values_list("history_date", flat=True))
    assert stamps == {result.batch.stamp}
    assert result.batch.stamp <= timezone.now()


def test_the_migration_guide_lists_every_kind_with_its_template():
    guide = (docs.path().parent / "migration.md").read_text(encoding="utf-8")
    for spec in KINDS.values():
        assert f"(`{spec.key}`)" in guide
        assert f"/imports/{spec.key}/template.xlsx" in guide


def test_an_undo_is_refused_when_a_later_record_refers_to_one_it_created(personas, tokyo):
    make_person(tokyo, code="T0001")
    rows = [{"相談者ID": "C900", "拠点": "東京都", "事業者名": "後から相談", "形態": "法人"}]
    result = run_import("clients", csv_table("clients", rows), user=personas["admin"])
    later = [
        {
            "対応ID": "L1",
            "拠点": "東京都",
            "相談者ID": "C900",
            "対応日": "2025-05-01",
            "対応方法": "来訪",
        }
    ]
    run_import("sessions", csv_table("sessions", later), user=personas["admin"])

    with pytest.raises(UndoRefused) as refused:
        undo(result.batch, user=personas["admin"])

    assert "L1" in str(refused.value)
    assert Consultation.objects.filter(external_id="L1").exists()


def test_undoing_a_roster_import_takes_its_chief_coordinators_term_back(personas, tokyo):
    # The roster writes a term for a chief coordinator (selection.terms.roster_term):
    # with the batch's stamp, so the undo is allowed and leaves no term behind.
    from selection.models import Term

    rows = [
        {
            "職員コード": "S2",
            "氏名": "佐藤 花子",
            "拠点": "東京都",
            "役割": "Chief coordinator",
            "開始日": "2025-04-01",
        }
    ]
    manager = personas["tokyo_manager"]
    before = Term.objects.count()
    result = run_import("roster", csv_table("roster", rows), user=manager)
    assert result.ok, result.problems
    assert Term.objects.count() == before + 1

    undo(result.batch, user=manager)

    assert Term.objects.count() == before
    assert not Term.history.filter(history_date__gte=result.batch.stamp).exists()
