"""Record screens: scoping in lists, search and exports; identity masking; forms and quick entry."""

import datetime
import io

from django.urls import reverse

from conftest import make_case, make_client, make_person, make_session
from consultations.models import Case, Client, Consultation, Mode, find_duplicates
from core.tabular import read_table

D = datetime.date


def csv_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return read_table(content, "export.csv").rows


def test_a_coordinator_never_sees_another_centers_clients_in_lists_search_or_exports(
    client_for, tokyo, osaka
):
    mine = make_client(tokyo, "東京商店")
    theirs = make_client(osaka, "大阪商店")
    make_session(mine, D(2025, 5, 1), summary="商店の販路相談")
    make_session(theirs, D(2025, 5, 1), summary="商店の販路相談")
    client = client_for("tokyo_coordinator")

    listed = client.get(reverse("consultations:client_list")).context["object_list"]
    assert list(listed) == [mine]
    searched = client.get(reverse("consultations:client_list") + "?q=商店").context["object_list"]
    assert list(searched) == [mine]
    sessions = client.get(reverse("consultations:consultation_list") + "?q=販路").context[
        "object_list"
    ]
    assert {s.client for s in sessions} == {mine}

    for url in (
        "consultations:client_list",
        "consultations:consultation_list",
        "consultations:case_list",
    ):
        for kind in ("csv", "xlsx"):
            response = client.get(reverse(url) + f"?export={kind}")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            rows = read_table(body, f"x.{kind}").rows
            assert all("大阪" not in str(values) for _n, values in rows), url
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_a_client_served_by_two_centers_is_seen_by_both(client_for, tokyo, osaka):
    shared = make_client(tokyo, "共有食品")
    make_session(shared, D(2025, 5, 1), center=osaka)
    osaka_list = (
        client_for("osaka_coordinator")
        .get(reverse("consultations:client_list"))
        .context["object_list"]
    )
    assert shared in osaka_list
    # Osaka sees its own session on the timeline, not Tokyo's records.
    make_session(shared, D(2025, 6, 1), summary="東京での相談")
    page = client_for("osaka_coordinator").get(shared.get_absolute_url()).content.decode()
    assert "東京での相談" not in page


def test_other_roles_see_pseudonyms_and_no_contacts(client_for, tokyo):
    c = make_client(
        tokyo, "秘密工業株式会社", phone="03-1234-5678", corporate_number="7000012050002"
    )
    make_session(c, D(2025, 5, 1))
    for name in ("kanto_officer", "admin", "tokyo_expert"):
        client = client_for(name)
        page = client.get(c.get_absolute_url()).content.decode()
        assert "秘密工業" not in page and "03-1234-5678" not in page and c.pseudonym in page
        listing = client.get(reverse("consultations:consultation_list")).content.decode()
        assert "秘密工業" not in listing and c.pseudonym in listing
        rows = csv_rows(client.get(reverse("consultations:client_list") + "?export=csv"))
        assert (
            "秘密工業" not in str(rows)
            and "03-1234-5678" not in str(rows)
            and "7000012050002" not in str(rows)
        )
        # Looking a client up by name does not work either.
        assert not client.get(reverse("consultations:client_list") + "?q=秘密").context[
            "object_list"
        ]
    assert "秘密工業" in client_for("tokyo_coordinator").get(c.get_absolute_url()).content.decode()


def client_form_data(center, **overrides):
    data = {
        "home_center": center.pk,
        "business_name": "株式会社　ヤマダ製作所",
        "corporate_number": "",
        "form": "corporation",
        "industry": "E",
        "phone": "03-0000-1111",
        "email": "",
    }
    data.update(overrides)
    return data


def test_a_duplicate_client_is_warned_about_and_can_be_registered_anyway(client_for, tokyo):
    existing = make_client(tokyo, "株式会社ヤマダ製作所", phone="0300001111")
    client = client_for("tokyo_coordinator")

    # Full-width space and a hyphenated phone still match after normalisation.
    response = client.post(reverse("consultations:client_create"), client_form_data(tokyo))
    assert response.status_code == 200
    assert existing in response.context["form"].duplicates
    assert f"?client={existing.pk}" in response.content.decode()
    assert Client.objects.count() == 1

    response = client.post(
        reverse("consultations:client_create"), client_form_data(tokyo, confirm_duplicate="on")
    )
    assert response.status_code == 302 and Client.objects.count() == 2


def test_the_same_corporate_number_is_a_duplicate(tokyo):
    existing = make_client(tokyo, "ABC", corporate_number="7000012050002")
    assert list(find_duplicates(corporate_number="7000012050002", business_name="別名")) == [
        existing
    ]
    assert (
        list(find_duplicates(business_name="ＡＢＣ", phone="")) == []
    )  # a name alone is not enough


def test_a_wrong_corporate_number_check_digit_is_refused(client_for, tokyo):
    response = client_for("tokyo_coordinator").post(
        reverse("consultations:client_create"),
        client_form_data(tokyo, corporate_number="8000012050002"),
    )
    assert response.status_code == 200 and "corporate_number" in response.context["form"].errors


def test_a_solved_case_needs_its_resolution(client_for, tokyo):
    c = make_client(tokyo)
    data = {"center": tokyo.pk, "client": c.pk, "opened_on": "2025-04-01", "status": "solved"}
    response = client_for("tokyo_coordinator").post(reverse("consultations:case_create"), data)
    assert response.status_code == 200
    assert {"resolved_on", "resolution_kind"} <= set(response.context["form"].errors)
    assert not Case.objects.exists()


def test_a_session_cannot_point_to_another_clients_case(client_for, tokyo):
    a, b = make_client(tokyo), make_client(tokyo)
    case_of_b = make_case(b)
    data = {
        "center": tokyo.pk,
        "date": "2025-05-01",
        "minutes": 60,
        "mode": Mode.VISIT,
        "client": a.pk,
        "case": case_of_b.pk,
    }
    response = client_for("tokyo_coordinator").post(
        reverse("consultations:consultation_create"), data
    )
    assert response.status_code == 200 and "case" in response.context["form"].errors


def test_a_coordinator_cannot_record_for_another_center(client_for, tokyo, osaka):
    c = make_client(tokyo)
    data = {
        "center": osaka.pk,
        "date": "2025-05-01",
        "minutes": 60,
        "mode": Mode.VISIT,
        "client": c.pk,
    }
    response = client_for("tokyo_coordinator").post(
        reverse("consultations:consultation_create"), data
    )
    assert response.status_code == 200 and "center" in response.context["form"].errors
    assert not Consultation.objects.exists()


def test_bureau_officers_read_but_do_not_write_records(client_for, tokyo):
    c = make_client(tokyo)
    client = client_for("kanto_officer")
    assert client.get(reverse("consultations:consultation_create")).status_code == 403
    assert client.get(reverse("consultations:client_update", args=[c.pk])).status_code in (403, 404)
    assert client.get(c.get_absolute_url()).status_code == 200


def test_quick_entry_records_a_session_and_is_ready_for_the_next(client_for, personas, tokyo):
    person = make_person(tokyo)
    personas["tokyo_coordinator"].person = person
    personas["tokyo_coordinator"].save()
    c = make_client(tokyo, "早打ち商店")
    client = client_for("tokyo_coordinator")
    page = client.get(reverse("consultations:quick_entry"))
    assert f"早打ち商店 [#{c.pk}]" in page.content.decode()

    response = client.post(
        reverse("consultations:quick_entry"),
        {
            "client_ref": f"早打ち商店 [#{c.pk}]",
            "date": "2025-05-01",
            "minutes": "45",
            "mode": Mode.PHONE,
            "lead_staff": person.pk,
            "summary": "資金繰りの相談",
            "center": tokyo.pk,
        },
    )

    assert response.status_code == 302
    session = Consultation.objects.get()
    assert (session.client, session.minutes, session.lead_staff, session.center) == (
        c,
        45,
        person,
        tokyo,
    )
    follow = client.get(response["Location"]).content.decode()
    assert "早打ち商店" in follow and 'data-testid="saved"' in follow


def test_quick_entry_refuses_a_client_it_cannot_find(client_for, tokyo, osaka):
    theirs = make_client(osaka, "大阪商店")
    response = client_for("tokyo_coordinator").post(
        reverse("consultations:quick_entry"),
        {
            "client_ref": f"大阪商店 [#{theirs.pk}]",
            "date": "2025-05-01",
            "minutes": "45",
            "mode": Mode.PHONE,
            "center": tokyo.pk,
        },
    )
    assert response.status_code == 200 and "client_ref" in response.context["form"].errors


def test_the_client_search_for_quick_entry_is_scoped(client_for, tokyo, osaka):
    make_client(tokyo, "東京青果")
    make_client(osaka, "大阪青果")
    html = (
        client_for("tokyo_coordinator")
        .get(reverse("consultations:client_options") + "?client_ref=青果")
        .content.decode()
    )
    assert "東京青果" in html and "大阪青果" not in html
    assert (
        client_for("kanto_officer")
        .get(reverse("consultations:client_options") + "?client_ref=青果")
        .content
        == b""
    )


def test_the_quick_entrys_client_list_holds_the_centers_latest_clients_latest_first(
    client_for, tokyo, osaka
):
    """Without typing: the clients registered lately, then those of the center's latest
    sessions of the last 12 months, each once, the latest session first; never another
    center's client, nor one last seen over a year ago."""
    from django.utils import timezone

    today = timezone.localdate()
    old = datetime.timedelta(days=400)
    seen_twice, seen_once, long_ago = (make_client(tokyo, n) for n in ("二回", "一回", "昔"))
    Client.objects.filter(pk__in=[seen_twice.pk, seen_once.pk, long_ago.pk]).update(
        created_at=timezone.now() - old
    )
    make_session(seen_twice, today - datetime.timedelta(days=30))
    make_session(seen_once, today - datetime.timedelta(days=10))
    make_session(seen_twice, today - datetime.timedelta(days=2))
    make_session(long_ago, today - old)
    new_client = make_client(tokyo, "新規")  # registered today, no session yet
    make_session(make_client(osaka, "大阪"), today)
    page = client_for("tokyo_coordinator").get(reverse("consultations:quick_entry"))
    shown = [c.business_name for c in page.context["client_options"]]
    assert shown == [new_client.business_name, "二回", "一回"]


def test_each_quick_entry_client_search_is_recorded_once_with_its_query_and_count(
    client_for, personas, tokyo
):
    from core.models import AccessLogEntry

    make_client(tokyo, "東京青果")
    make_client(tokyo, "東京青果二号")
    client_for("tokyo_coordinator").get(
        reverse("consultations:client_options") + "?client_ref=青果"
    )
    entry = AccessLogEntry.objects.get()
    assert (
        entry.kind == "identity" and entry.identity and entry.user == personas["tokyo_coordinator"]
    )
    assert entry.view_name == "consultations:client_options"
    assert entry.what == "青果" and entry.rows == 2 and "client_ref=" in entry.filters
    client_for("kanto_officer").get(reverse("consultations:client_options") + "?client_ref=青果")
    assert AccessLogEntry.objects.count() == 1  # no identity shown, nothing recorded


def test_the_session_list_filters_and_runs_a_fixed_number_of_queries(
    client_for, tokyo, django_assert_max_num_queries
):
    c = make_client(tokyo, industry="E")
    for day in range(1, 29):
        make_session(c, D(2025, 5, day), mode=Mode.VISIT if day % 2 else Mode.PHONE)
    client = client_for("tokyo_coordinator")
    url = reverse("consultations:consultation_list")
    assert client.get(url + "?mode=phone").context["paginator"].count == 14
    assert (
        client.get(url + "?date_from=2025-05-10&date_to=2025-05-12").context["paginator"].count == 3
    )
    assert client.get(url + "?industry=E&fy=2025").context["paginator"].count == 28
    assert client.get(url + "?fy=2024").context["paginator"].count == 0
    with django_assert_max_num_queries(12):
        client.get(url)


def test_text_search_matches_full_width_and_half_width_forms(client_for, tokyo):
    c = make_client(tokyo)
    make_session(c, D(2025, 5, 1), summary="ECサイトの改善")
    found = client_for("tokyo_coordinator").get(
        reverse("consultations:consultation_list") + "?q=ＥＣサイト"
    )
    assert found.context["paginator"].count == 1


def test_a_bad_filter_value_does_not_crash_the_page(client_for):
    response = client_for("tokyo_coordinator").get(
        reverse("consultations:consultation_list") + "?date_from=not-a-date&center=abc"
    )
    assert response.status_code == 200


def test_exports_open_in_excel_and_follow_the_import_headers(client_for, tokyo):
    c = make_client(tokyo, external_id="C-1")
    make_session(c, D(2025, 5, 1), external_id="S-1", minutes=30)
    response = client_for("tokyo_coordinator").get(
        reverse("consultations:consultation_list") + "?export=csv"
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = read_table(body, "x.csv")
    assert rows.headers[:4] == ["対応ID", "拠点", "相談者ID", "課題ID"]
    assert rows.rows[0][1]["対応ID"] == "S-1" and rows.rows[0][1]["時間(分)"] == "30"
    xlsx = client_for("tokyo_coordinator").get(
        reverse("consultations:consultation_list") + "?export=xlsx"
    )
    assert read_table(xlsx.content, "x.xlsx").rows[0][1]["相談者ID"] == "C-1"
    assert io.BytesIO(xlsx.content).read(2) == b"PK"


def test_the_sessions_export_writes_every_cell_as_the_import_reads_it(client_for, tokyo):
    """The cells the database makes (key, time, mode label, staff codes) on both databases."""
    lead, other = make_person(tokyo, code="L001"), make_person(tokyo, code="O002")
    c = make_client(tokyo, "秘密工業", external_id="C-9")
    full = make_session(
        c,
        D(2025, 5, 1),
        external_id="S-9",
        minutes=45,
        mode=Mode.VISIT,
        start_time=datetime.time(9, 5),
        lead_staff=lead,
        summary="=販路の相談",
    )
    full.other_staff.add(other)
    bare = make_session(c, D(2025, 4, 2))
    others_only = make_session(c, D(2025, 4, 1))
    others_only.other_staff.add(other)
    url = reverse("consultations:consultation_list") + "?export=csv"
    cells = {
        r["概要"] or r["対応ID"]: r for _n, r in csv_rows(client_for("tokyo_manager").get(url))
    }
    assert cells["=販路の相談"] == {
        "対応ID": "S-9",
        "拠点": tokyo.code,
        "相談者ID": "C-9",
        "課題ID": "",
        "対応日": "2025-05-01",
        "開始時刻": "09:05",
        "時間(分)": "45",
        "対応方法": str(Mode.VISIT.label),
        "担当者": "L001;O002",
        "概要": "=販路の相談",
        "相談者": "秘密工業",
    }
    assert cells[f"#{bare.pk}"]["担当者"] == "" and cells[f"#{bare.pk}"]["開始時刻"] == ""
    assert cells[f"#{others_only.pk}"]["担当者"] == "O002"
    # Without the right to see who the client is: the pseudonym, never the name.
    seen = csv_rows(client_for("hq").get(url))
    assert {r["相談者"] for _n, r in seen} == {c.pseudonym}
    in_english = client_for("tokyo_manager")
    in_english.cookies["django_language"] = "en"
    assert "Visit to the center" in {r["対応方法"] for _n, r in csv_rows(in_english.get(url))}


def test_every_export_starts_with_its_import_headers_so_a_file_goes_back_in(
    client_for, personas, tokyo
):
    from core.imports import KINDS, run_import

    c = make_client(tokyo, external_id="C-9")
    make_session(c, D(2025, 5, 1), external_id="S-9", minutes=30, summary="相談")
    client = client_for("tokyo_coordinator")
    for kind, url in (
        ("clients", "consultations:client_list"),
        ("cases", "consultations:case_list"),
        ("sessions", "consultations:consultation_list"),
        ("network", "consultations:activity_list"),
    ):
        body = client.get(reverse(url) + "?export=xlsx").content
        headers = read_table(body, "x.xlsx").headers
        assert headers[: len(KINDS[kind].headers)] == list(KINDS[kind].headers), kind

    exported = read_table(
        client.get(reverse("consultations:consultation_list") + "?export=xlsx").content, "s.xlsx"
    )
    again = run_import("sessions", exported, user=personas["tokyo_coordinator"])
    assert again.ok, again.problems
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
