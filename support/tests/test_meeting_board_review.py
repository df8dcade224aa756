"""The advisory board reviews the HQ experts' meeting report: in its inbox, as a step."""

import datetime

import pytest
from django.urls import reverse

from core.home import inbox
from core.workflow import StepRefused
from notifications.models import Notification
from support.meetings import review_report
from support.models import ExpertsMeeting


def meeting(report="訪問12件。重点介入2拠点の相談記録に課題。"):
    return ExpertsMeeting.objects.create(
        title="第3回 全国本部専門家会議",
        held_on=datetime.date(2025, 10, 20),
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2025, 9, 30),
        report_to_agency=report,
    )


def waiting(user):
    return {group.kind.name for group in inbox(user)}


def test_the_board_reviews_the_report_from_its_inbox(personas, board, client_for):
    held = meeting()
    assert "support.meeting_report" in waiting(board)

    client = client_for("admin")
    client.force_login(board)
    assert client.get(held.get_absolute_url()).status_code == 200
    url = reverse("support:meeting_board_review", args=[held.pk])
    client.post(url, {"comment": "重点介入先の訪問頻度を上げる方針に賛成"})

    held.refresh_from_db()
    assert (held.board_reviewed_by, held.board_comment) == (
        board,
        "重点介入先の訪問頻度を上げる方針に賛成",
    )
    assert held.events.get(action="board_review").user == board
    assert "support.meeting_report" not in waiting(board)
    assert Notification.objects.filter(user=personas["admin"], step="board_review").exists()
    # The Agency reads the board's comment on the meeting's page.
    page = client_for("admin").get(held.get_absolute_url()).content.decode()
    assert "重点介入先の訪問頻度を上げる方針に賛成" in page


def test_no_one_but_a_sitting_board_member_reviews_and_only_a_written_report(personas, board):
    held = meeting()
    for name in ("hq", "admin", "committee", "tokyo_expert"):
        with pytest.raises(StepRefused):
            review_report(held, user=personas[name])
    with pytest.raises(StepRefused):
        review_report(meeting(report=""), user=board)
    held.refresh_from_db()
    assert held.board_reviewed_at is None
