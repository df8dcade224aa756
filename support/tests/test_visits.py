"""HQ visits: recording one, its follow-ups, and what the next visit finds open."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from conftest import make_client, make_person, make_session, make_visit
from support import visits
from support.models import (
    EscalationLevel,
    ExpertsMeeting,
    Feedback,
    FindingCategory,
    FollowUp,
    FollowUpStatus,
    Visit,
)

TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def meeting(held_on, *feedback):
    """A meeting with (center or None, text) feedback items."""
    found = ExpertsMeeting.objects.create(
        title=f"会議 {held_on}",
        held_on=held_on,
        period_start=held_on - datetime.timedelta(days=90),
        period_end=held_on,
    )
    for center, text in feedback:
        Feedback.objects.create(meeting=found, center=center, text=text)
    return found


def visit_post(day, sessions=(), follow_ups=(), **fields):
    data = {
        "date": day.isoformat(),
        "observations": fields.get("observations", "予約枠が埋まっている"),
        "advice": fields.get("advice", "相談枠の拡大を"),
        "follow_ups-TOTAL_FORMS": str(len(follow_ups) + 1),
        "follow_ups-INITIAL_FORMS": "0",
        "follow_ups-MIN_NUM_FORMS": "0",
        "follow_ups-MAX_NUM_FORMS": "1000",
    }
    if "experts" in fields:
        data["experts"] = [e.pk for e in fields["experts"]]
    if "findings" in fields:
        data["findings"] = [f.pk for f in fields["findings"]]
    data["sessions"] = [s.pk for s in sessions]
    # The blank row a browser sends as well: its status select keeps its default.
    data[f"follow_ups-{len(follow_ups)}-status"] = "open"
    for index, (description, owner, due) in enumerate(follow_ups):
        data[f"follow_ups-{index}-description"] = description
        data[f"follow_ups-{index}-owner"] = owner.pk if owner else ""
        data[f"follow_ups-{index}-due_date"] = due.isoformat() if due else ""
        data[f"follow_ups-{index}-status"] = "open"
    return data


def test_an_hq_expert_records_a_visit_with_the_sessions_sat_in_on_and_follow_ups(
    client_for, personas, tokyo
):
    expert = personas["tokyo_expert"]
    coordinator = make_person(tokyo)
    day = TODAY - datetime.timedelta(days=3)
    session = make_session(make_client(tokyo), day)
    client = client_for("tokyo_expert")

    page = client.get(reverse("support:visit_create"), {"center": tokyo.pk, "date": day})
    assert page.status_code == 200
    assert str(session.client.pseudonym) in page.content.decode()  # HQ sees pseudonyms only
    assert session.client.business_name not in page.content.decode()

    response = client.post(
        reverse("support:visit_create") + f"?center={tokyo.pk}",
        {
            "center": tokyo.pk,
            **visit_post(
                day,
                sessions=[session],
                experts=[expert],
                findings=FindingCategory.objects.filter(name="相談対応の質"),
                follow_ups=[
                    ("相談記録の様式を統一する", coordinator, day + datetime.timedelta(days=30)),
                    ("支援機関との定例会を設ける", None, None),
                ],
            ),
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert visit.center == tokyo and visit.date == day and visit.recorded_by == expert
    assert list(visit.sessions.all()) == [session]
    assert list(visit.experts.all()) == [expert]
    assert [f.description for f in visit.follow_ups.order_by("pk")] == [
        "相談記録の様式を統一する",
        "支援機関との定例会を設ける",
    ]
    assert visit.follow_ups.get(owner=coordinator).due_date == day + datetime.timedelta(days=30)
    assert visit.history.first().history_user == expert


def test_a_session_of_another_center_or_day_cannot_be_linked(client_for, tokyo, osaka):
    day = TODAY - datetime.timedelta(days=3)
    elsewhere = make_session(make_client(osaka), day)
    other_day = make_session(make_client(tokyo), day - datetime.timedelta(days=1))
    client = client_for("hq")
    for session in (elsewhere, other_day):
        response = client.post(
            reverse("support:visit_create"),
            {"center": tokyo.pk, **visit_post(day, sessions=[session])},
        )
        assert response.status_code == 200 and response.context["form"].errors["sessions"]
    assert not Visit.objects.exists()


def test_a_visit_with_a_bad_follow_up_row_saves_nothing(client_for, tokyo):
    data = visit_post(TODAY, follow_ups=[("", None, TODAY)])  # and no expert either
    response = client_for("hq").post(reverse("support:visit_create"), {"center": tokyo.pk, **data})
    assert response.status_code == 200
    assert response.context["form"].errors["experts"]
    assert response.context["formset"].errors[0]["description"]
    assert not Visit.objects.exists() and not FollowUp.objects.exists()


def test_center_staff_cannot_record_or_edit_visits(client_for, tokyo):
    visit = make_visit(tokyo)
    client = client_for("tokyo_manager")
    assert client.get(reverse("support:visit_create")).status_code == 403
    assert client.get(reverse("support:visit_update", args=[visit.pk])).status_code == 404
    assert client.get(visit.get_absolute_url()).status_code == 200


def test_an_expert_can_record_visits_only_for_assigned_centers(client_for, osaka):
    response = client_for("tokyo_expert").post(
        reverse("support:visit_create"), {"center": osaka.pk, **visit_post(TODAY)}
    )
    assert response.status_code == 404 and not Visit.objects.exists()


def test_the_center_marks_a_follow_up_done_and_the_change_is_recorded(client_for, personas, tokyo):
    visit = make_visit(tokyo, follow_ups=["相談記録の様式を統一する"])
    follow_up = visit.follow_ups.get()
    client = client_for("tokyo_coordinator")
    response = client.post(
        reverse("support:followup_update", args=[follow_up.pk]),
        {"status": "done", "note": "様式を配布した", "description": "書き換え"},
    )
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE and follow_up.done_on == TODAY
    assert follow_up.description == "相談記録の様式を統一する"  # what HQ wrote stays
    assert follow_up.history.first().history_user == personas["tokyo_coordinator"]


def test_another_center_cannot_touch_the_follow_up(client_for, tokyo):
    follow_up = make_visit(tokyo, follow_ups=["記録整備"]).follow_ups.get()
    response = client_for("osaka_manager").post(
        reverse("support:followup_update", args=[follow_up.pk]), {"status": "done"}
    )
    assert response.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_the_next_visit_shows_open_follow_ups_and_the_feedback_since_the_last_visit(tokyo, osaka):
    first = make_visit(
        tokyo,
        TODAY - datetime.timedelta(days=60),
        follow_ups=[("記録の整備", None, "done"), ("広報の強化", None, "open")],
    )
    older = make_visit(tokyo, TODAY - datetime.timedelta(days=200), follow_ups=["人員の補充"])
    older.follow_ups.update(status=FollowUpStatus.IN_PROGRESS)
    meeting(TODAY - datetime.timedelta(days=100), (tokyo, "前回より前の助言"))
    meeting(
        TODAY - datetime.timedelta(days=30),
        (tokyo, "東京への助言"),
        (None, "全拠点への方針"),
        (osaka, "大阪への助言"),
    )

    previous, sections = visits.items_for_new_visit(tokyo, TODAY)
    assert previous == first
    by_key = {s.key: [item.title for item in s.items] for s in sections}
    # Open and in-progress ones, the oldest visit's first; the done one is not carried over.
    assert by_key["follow_ups"] == ["人員の補充", "広報の強化"]
    assert by_key["feedback"] == ["東京への助言", "全拠点への方針"]


def test_the_panel_carries_follow_ups_feedback_and_focused_guidance(tokyo):
    sections = visits.open_items_for_visit(tokyo, None)
    assert [s.key for s in sections] == ["follow_ups", "feedback", "guidance"]


def test_a_visit_page_shows_what_was_open_when_it_took_place(client_for, tokyo):
    first = make_visit(tokyo, TODAY - datetime.timedelta(days=90), follow_ups=["広報の強化"])
    second = make_visit(tokyo, TODAY - datetime.timedelta(days=10), follow_ups=["次の課題"])
    meeting(TODAY - datetime.timedelta(days=40), (tokyo, "広報計画の共有"))
    page = client_for("tokyo_manager").get(second.get_absolute_url()).content.decode()
    panel = page.split('data-testid="open-items"')[1].split("</section>")[0]
    assert "広報の強化" in panel and "広報計画の共有" in panel
    assert "次の課題" not in panel  # its own follow-ups are listed above, not as carried over
    first_panel = (
        client_for("tokyo_manager")
        .get(first.get_absolute_url())
        .content.decode()
        .split('data-testid="open-items"')[1]
        .split("</section>")[0]
    )
    assert "広報計画の共有" not in first_panel and "次の課題" not in first_panel


def test_a_new_visit_records_the_centers_level_at_the_time(client_for, personas, tokyo):
    from support.visits import escalation_of, set_escalation

    set_escalation(
        escalation_of(tokyo),
        user=personas["hq"],
        level=EscalationLevel.ENHANCED,
        reason="相談件数の低迷",
    )
    data = visit_post(TODAY, experts=[personas["tokyo_expert"]])
    client_for("tokyo_expert").post(reverse("support:visit_create"), {"center": tokyo.pk, **data})
    assert Visit.objects.get(date=TODAY).escalation_level == EscalationLevel.ENHANCED


def test_the_session_choices_follow_the_date(client_for, tokyo):
    day = TODAY - datetime.timedelta(days=2)
    session = make_session(make_client(tokyo), day)
    client = client_for("tokyo_expert")
    fragment = client.get(reverse("support:visit_sessions"), {"center": tokyo.pk, "date": day})
    assert f'value="{session.pk}"' in fragment.content.decode()
    other = client.get(reverse("support:visit_sessions"), {"center": tokyo.pk, "date": TODAY})
    assert f'value="{session.pk}"' not in other.content.decode()
    outsider = client_for("osaka_expert").get(
        reverse("support:visit_sessions"), {"center": tokyo.pk, "date": day}
    )
    assert f'value="{session.pk}"' not in outsider.content.decode()


def test_the_visit_list_exports_what_it_shows(client_for, tokyo):
    make_visit(tokyo, follow_ups=["記録整備", ("広報", None, "done")])
    response = client_for("hq").get(reverse("support:visit_list"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("訪問日,拠点,拠点名")
    assert row.startswith("2025-06-10,13,") and row.endswith(",2,1")


@pytest.mark.parametrize("url_name", ["support:visit_list", "support:followup_list"])
def test_list_pages_take_the_same_queries_for_few_or_many_visits(
    client_for, personas, tokyo, url_name
):
    client = client_for("hq")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(url_name)).status_code == 200
        return len(captured)

    make_visit(tokyo, experts=[personas["tokyo_expert"]], follow_ups=["一"])
    few = queries()
    for days in range(1, 8):
        make_visit(
            tokyo,
            TODAY - datetime.timedelta(days=days),
            experts=[personas["tokyo_expert"]],
            follow_ups=["二", "三"],
        )
    assert queries() == few
