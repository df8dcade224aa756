"""The HQ experts' meeting: the summary of its period's visits, and the feedback it sends."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_user, make_visit
from support import meetings
from support.models import (
    EscalationLevel,
    ExpertsMeeting,
    Feedback,
    FindingCategory,
    Visit,
)

START, END = datetime.date(2025, 4, 1), datetime.date(2025, 9, 30)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def period_visits(tokyo, kanagawa, osaka):
    quality = FindingCategory.objects.get(name="相談対応の質")
    network = FindingCategory.objects.get(name="支援機関との連携")
    first = make_visit(
        tokyo, datetime.date(2025, 5, 10), follow_ups=["記録", ("広報", None, "done")]
    )
    first.findings.set([quality])
    second = make_visit(tokyo, datetime.date(2025, 8, 1), level=EscalationLevel.ENHANCED)
    second.findings.set([quality, network])
    third = make_visit(
        kanagawa,
        datetime.date(2025, 6, 3),
        level=EscalationLevel.INTENSIVE,
        follow_ups=[("体制", datetime.date(2025, 7, 1), "in_progress")],
    )
    third.findings.set([quality])
    make_visit(osaka, datetime.date(2025, 7, 7), follow_ups=["大阪の課題"])
    make_visit(tokyo, datetime.date(2025, 10, 2), follow_ups=["期間外"])  # after the period
    return first, second, third


def test_the_summary_counts_visits_by_center_and_level(period_visits):
    summary = meetings.summarize(Visit.objects.all(), start=START, end=END)
    rows = {r["center__code"]: r for r in summary.by_center}
    assert set(rows) == {"13", "14", "27"}
    assert (rows["13"]["total"], rows["13"]["level_0"], rows["13"]["level_1"]) == (2, 1, 1)
    assert (rows["14"]["total"], rows["14"]["level_2"]) == (1, 1)
    assert summary.totals["total"] == 4 and summary.totals["centers"] == 3
    assert sorted(f.description for f in summary.open_follow_ups) == ["体制", "大阪の課題", "記録"]
    assert summary.overdue_count == 1  # 体制, due 2025-07-01


def test_recurring_findings_are_those_of_two_visits_or_more(period_visits):
    summary = meetings.summarize(Visit.objects.all(), start=START, end=END)
    assert [(f.name, f.visit_count, f.center_count) for f in summary.recurring] == [
        ("相談対応の質", 3, 2)
    ]


def test_a_bureau_reads_the_summary_of_its_own_centers_only(client_for, period_visits):
    meeting = ExpertsMeeting.objects.create(
        title="第1回", held_on=datetime.date(2025, 10, 10), period_start=START, period_end=END
    )
    page = client_for("kinki_officer").get(meeting.get_absolute_url())
    rows = {r["center__code"] for r in page.context["summary"].by_center}
    assert rows == {"27"}
    assert "東京都よろず支援拠点" not in page.content.decode()


def test_hq_records_a_meeting_with_feedback_for_one_center_and_for_all(client_for, personas, tokyo):
    response = client_for("hq").post(
        reverse("support:meeting_create"),
        {
            "title": "令和7年度 第1回 全国本部専門家会議",
            "held_on": "2025-10-10",
            "period_start": "2025-04-01",
            "period_end": "2025-09-30",
            "report_to_agency": "訪問47拠点、重点介入1拠点",
            "policies": "フォローアップの期限管理を徹底",
            "feedback-TOTAL_FORMS": "3",
            "feedback-INITIAL_FORMS": "0",
            "feedback-MIN_NUM_FORMS": "0",
            "feedback-MAX_NUM_FORMS": "1000",
            "feedback-0-center": tokyo.pk,
            "feedback-0-text": "相談記録を毎日入力すること",
            "feedback-1-center": "",
            "feedback-1-text": "支援機関との連携事例を共有すること",
        },
    )
    meeting = ExpertsMeeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.recorded_by == personas["hq"]
    assert {(f.center_id, f.text) for f in meeting.feedback.all()} == {
        (tokyo.pk, "相談記録を毎日入力すること"),
        (None, "支援機関との連携事例を共有すること"),
    }


def test_a_period_that_ends_before_it_starts_is_refused(client_for):
    response = client_for("hq").post(
        reverse("support:meeting_create"),
        {
            "title": "会議",
            "held_on": "2025-10-10",
            "period_start": "2025-09-30",
            "period_end": "2025-04-01",
            "feedback-TOTAL_FORMS": "0",
            "feedback-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["period_end"]
    assert not ExpertsMeeting.objects.exists()


@pytest.mark.parametrize("name", ["tokyo_expert", "kanto_officer", "admin"])
def test_only_hq_staff_record_meetings(client_for, name):
    assert client_for(name).get(reverse("support:meeting_create")).status_code == 403


def test_centers_do_not_read_the_meeting_but_get_their_feedback(client_for, tokyo, osaka):
    meeting = ExpertsMeeting.objects.create(
        title="会議", held_on=datetime.date(2025, 10, 10), period_start=START, period_end=END
    )
    Feedback.objects.create(meeting=meeting, center=tokyo, text="東京へ")
    Feedback.objects.create(meeting=meeting, center=osaka, text="大阪へ")
    Feedback.objects.create(meeting=meeting, text="全拠点へ")
    assert client_for("tokyo_manager").get(meeting.get_absolute_url()).status_code == 404
    manager = make_user("tokyo-cc-2", "center_manager", center=tokyo)
    assert sorted(Feedback.objects.for_user(manager).values_list("text", flat=True)) == [
        "全拠点へ",
        "東京へ",
    ]


def test_the_meeting_list_shows_the_latest_meeting_first(client_for):
    # Created out of order: the list's count of feedback must not drop its ordering.
    for title, day in [("夏の会議", 8), ("春の会議", 4), ("秋の会議", 10)]:
        ExpertsMeeting.objects.create(
            title=title, held_on=datetime.date(2025, day, 1), period_start=START, period_end=END
        )
    html = client_for("hq").get(reverse("support:meeting_list")).content.decode()
    positions = [html.index(title) for title in ("秋の会議", "夏の会議", "春の会議")]
    assert positions == sorted(positions)
