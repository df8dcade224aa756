"""Follow-up requests: a single-use link 6 and 12 months after a case is solved; the
client's figures become an impact record; the page says the answer is not anonymous."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from casestudies.followups import months_later, send_due
from casestudies.models import FollowUpRequest, ImpactRecord, ImpactSource
from conftest import make_case, make_client

TODAY = datetime.date(2026, 4, 15)


@pytest.fixture
def solved(tokyo):
    firm = make_client(tokyo, "株式会社追跡", email="owner@tsuiseki.example.jp")
    return make_case(firm, solved=datetime.date(2025, 10, 10))


def test_months_later_keeps_the_day_or_takes_the_months_end():
    assert months_later(datetime.date(2025, 10, 10), 6) == datetime.date(2026, 4, 10)
    assert months_later(datetime.date(2025, 8, 31), 6) == datetime.date(2026, 2, 28)


def test_the_six_month_request_is_sent_once_with_a_link_the_twelve_month_one_later(solved, tokyo):
    make_case(make_client(tokyo), solved=datetime.date(2025, 10, 10))  # no e-mail: no request
    with_commit = send_due(today=TODAY, base_url="https://yorozu.example.jp")
    assert with_commit == 1
    request = FollowUpRequest.objects.get()
    assert (request.case, request.months) == (solved, 6)
    assert send_due(today=TODAY, base_url="https://yorozu.example.jp") == 0
    assert send_due(today=datetime.date(2026, 10, 10), base_url="https://x") == 1
    assert set(FollowUpRequest.objects.values_list("months", flat=True)) == {6, 12}


def test_the_client_reports_figures_once_through_the_link(
    client, solved, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_due(today=TODAY, base_url="https://yorozu.example.jp")
    [message] = mail.outbox
    assert (
        message.to == ["owner@tsuiseki.example.jp"]
        and "匿名" in message.body
        or "anonymous" in message.body
    )
    path = re.search(r"https://yorozu\.example\.jp(\S+)", message.body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and 'data-testid="not-anonymous"' in page.content.decode()
    figures = {
        "recorded_on": "2026-04-01",
        "operating_profit": "2000000",
        "personnel_costs": "9000000",
        "depreciation": "500000",
        "employees": "12",
    }
    assert 'data-testid="follow-up-thanks"' in client.post(path, figures).content.decode()
    record = ImpactRecord.objects.get()
    assert record.client == solved.client and record.source == ImpactSource.SURVEY
    assert record.value_added == 11_500_000
    again = client.post(path, figures)
    assert again.status_code == 404 and ImpactRecord.objects.count() == 1
    assert client.get(reverse("casestudies:follow_up", args=["x" * 43])).status_code == 404
