"""Support requests: asked by the center, assigned by HQ, advised by the supporter, closed by the center."""

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_support_request, make_user
from consultations.models import Topic
from core.workflow import StepRefused
from support import requests
from support.models import RequestOutcome, RequestStatus, SupportRequest


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def step_url(request, step):
    return reverse(f"support:request_{step}", args=[request.pk])


def test_a_request_goes_from_the_center_to_a_supporter_and_back(client_for, personas, tokyo):
    topic = Topic.objects.get(name="事業承継")
    client = client_for("tokyo_coordinator")
    response = client.post(
        reverse("support:request_create"),
        {"title": "承継計画の作り方", "topic": topic.pk, "description": "後継者不在の製造業"},
    )
    request = SupportRequest.objects.get()
    assert response["Location"] == request.get_absolute_url()
    assert request.center == tokyo and request.requested_by == personas["tokyo_coordinator"]

    client = client_for("tokyo_expert")
    client.post(step_url(request, "assign"), {"supporter": personas["supporter"].pk})
    request.refresh_from_db()
    assert request.status == RequestStatus.ASSIGNED and request.supporter == personas["supporter"]

    client = client_for("supporter")
    client.post(step_url(request, "advise"), {"advice": "事業承継税制の活用を"})
    request.refresh_from_db()
    assert request.status == RequestStatus.ADVISED and request.advice == "事業承継税制の活用を"

    client = client_for("tokyo_manager")
    client.post(step_url(request, "close"), {"outcome": "solved", "note": "計画策定"})
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED and request.outcome == RequestOutcome.SOLVED
    assert [h.history_user.username for h in request.history.order_by("history_date")] == [
        "tokyo_coordinator",
        "tokyo_expert",
        "supporter",
        "tokyo_manager",
    ]


def test_a_supporter_sees_only_the_requests_assigned_to_it(client_for, personas, tokyo, osaka):
    mine = make_support_request(tokyo, supporter=personas["supporter"], title="私の案件")
    other = make_user("other-supporter", "supporter")
    theirs = make_support_request(osaka, supporter=other, title="他の案件")
    unassigned = make_support_request(tokyo, title="未割当の案件")

    assert list(SupportRequest.objects.for_user(personas["supporter"])) == [mine]
    client = client_for("supporter")
    listing = client.get(reverse("support:request_list")).content.decode()
    assert "私の案件" in listing and "他の案件" not in listing and "未割当の案件" not in listing
    assert client.get(mine.get_absolute_url()).status_code == 200
    for hidden in (theirs, unassigned):
        assert client.get(hidden.get_absolute_url()).status_code == 404


def test_a_supporter_cannot_advise_on_another_supporters_request(personas, tokyo):
    other = make_user("other-supporter", "supporter")
    request = make_support_request(tokyo, supporter=other)
    with pytest.raises(StepRefused, match="outside your scope"):
        requests.record_advice(request, user=personas["supporter"], advice="横から")


@pytest.mark.parametrize("name", ["tokyo_manager", "kanto_officer", "supporter", "admin"])
def test_only_hq_assigns_a_supporter(personas, tokyo, name):
    request = make_support_request(tokyo)
    with pytest.raises(StepRefused):
        requests.assign_supporter(request, user=personas[name], supporter=personas["supporter"])


def test_only_a_supporter_account_can_be_assigned(personas, tokyo):
    request = make_support_request(tokyo)
    with pytest.raises(StepRefused, match="active supporter"):
        requests.assign_supporter(request, user=personas["hq"], supporter=personas["tokyo_expert"])


def test_another_center_cannot_ask_in_tokyos_name_or_close_its_request(personas, tokyo):
    with pytest.raises(StepRefused):
        requests.request_support(
            user=personas["osaka_manager"], center=tokyo, title="件名", description="内容"
        )
    request = make_support_request(tokyo)
    with pytest.raises(StepRefused, match="outside your scope"):
        requests.close_request(request, user=personas["osaka_manager"], outcome="withdrawn")


def test_a_request_is_closed_with_a_result_only_after_the_advice(personas, tokyo):
    request = make_support_request(tokyo, supporter=personas["supporter"])
    with pytest.raises(StepRefused, match="withdrawn"):
        requests.close_request(request, user=personas["tokyo_manager"], outcome="solved")
    requests.close_request(request, user=personas["tokyo_manager"], outcome="withdrawn")
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED


def test_supporters_who_handled_the_topic_are_proposed_first(personas, tokyo):
    topic = Topic.objects.get(name="IT・DX")
    expert_in_it = make_user("it-supporter", "supporter")
    make_support_request(tokyo, supporter=expert_in_it, topic=topic)
    make_support_request(tokyo, supporter=personas["supporter"])  # busy, another topic
    request = make_support_request(tokyo, topic=topic)
    ranked = list(requests.supporter_candidates(request))
    assert ranked[0] == expert_in_it and ranked[0].topic_count == 1


def test_the_steps_a_viewer_cannot_take_are_refused_on_the_page(client_for, tokyo):
    request = make_support_request(tokyo)
    response = client_for("tokyo_coordinator").post(step_url(request, "assign"), {"supporter": "1"})
    assert response.status_code == 302  # back to the request, with the refusal as a message
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_hq_roles_cannot_open_the_request_form(client_for):
    assert client_for("hq").get(reverse("support:request_create")).status_code == 403
