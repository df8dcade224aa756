"""The public answer page: no login, the first answer per recipient counted, clear pages for
every other state."""

import datetime

import pytest
from django.urls import reverse

from conftest import answer_survey, make_campaign, survey_tokens
from surveys import campaigns
from surveys.models import Answer, Recipient, Response

FULL = {"overall": "5", "usefulness": "4", "progress": "2", "recommend": "5", "attitude": "4"}


@pytest.fixture
def campaign(tokyo):
    return make_campaign(tokyo, recipients=3)


@pytest.fixture
def token(campaign):
    return survey_tokens(campaign)[0]


def form_data(campaign, **by_code):
    questions = {q.code: q for q in campaign.version.questions.all()}
    data = {}
    for code, value in by_code.items():
        data[f"q{questions[code].pk}"] = value
    return data


def test_the_page_opens_without_login_and_counts_the_first_answer_only(client, campaign, token):
    page = client.get(f"/s/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "当拠点の支援に対する総合的な満足度" in html or "Overall, how satisfied" in html
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"

    data = form_data(campaign, **FULL, channel=["1", "4"], comment="とても助かりました")
    done = client.post(f"/s/{token}/", data)
    assert done.status_code == 302 and done["Location"] == reverse("answer:thanks")
    assert done["Location"] == "/s/thanks/"  # nothing of the token or the respondent

    response = Response.objects.get()
    assert response.center_id == campaign.center_id and response.version == campaign.version
    values = {
        (a.question.code, a.value or a.text)
        for a in Answer.objects.filter(response=response).select_related("question")
    }
    assert values == {
        ("overall", 5),
        ("usefulness", 4),
        ("progress", 2),
        ("recommend", 5),
        ("attitude", 4),
        ("channel", 1),
        ("channel", 4),
        ("comment", "とても助かりました"),
    }
    # The link still opens the questionnaire (whoever holds it must not learn that it
    # was answered); the page says that only the first answers count, and so does the
    # page after a second sending, which is not counted.
    again = client.get(f"/s/{token}/")
    assert again.status_code == 200
    assert "Only the first answers sent for you are counted." in again.content.decode()
    resubmitted = client.post(f"/s/{token}/", data)
    assert resubmitted.status_code == 302 and resubmitted["Location"] == "/s/thanks/"
    assert Response.objects.count() == 1
    thanks = client.get("/s/thanks/").content.decode()
    assert "those earlier answers stand and these have not been added" in thanks
    assert "have been recorded" not in thanks


def test_every_link_of_an_answered_recipient_opens_and_a_second_answer_is_not_counted(campaign):
    from surveys import answering

    first = survey_tokens(campaign)[0]
    recipient = campaign.recipients.order_by("id").first()
    reprinted = campaigns.issue([recipient], "print")[0][1]
    answer_survey(first, overall=5, usefulness=5, progress=1, recommend=5, attitude=5)

    assert answering.open_link(reprinted).state == answering.VALID
    assert answering.open_link(first).state == answering.VALID
    second = answer_survey(reprinted, overall=1, usefulness=1, progress=1, recommend=1, attitude=1)
    assert second is None
    assert campaign.responses.count() == 1
    assert not Answer.objects.filter(value=1, question__code="overall").exists()


def test_a_missing_required_answer_is_reported_and_nothing_is_written(client, campaign, token):
    data = form_data(campaign, overall="5", usefulness="9")
    page = client.post(f"/s/{token}/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("Please answer this question.") == 3  # progress, recommend, attitude
    assert "Select a valid choice." in html  # usefulness 9
    assert not Response.objects.exists()
    assert not Recipient.objects.filter(answered=True).exists()


def test_sending_the_form_empty_reports_every_required_question(client, token):
    page = client.post(f"/s/{token}/", {})
    assert page.status_code == 200
    assert page.content.decode().count("Please answer this question.") == 5
    assert not Response.objects.exists()


def test_an_expired_link_says_so(client, tokyo):
    campaign = make_campaign(tokyo, closes_on=datetime.date.today() + datetime.timedelta(days=1))
    token = survey_tokens(campaign)[0]
    campaign.closes_on = datetime.date.today() - datetime.timedelta(days=1)
    campaign.save()
    page = client.get(f"/s/{token}/")
    assert page.status_code == 410
    html = page.content.decode()
    assert 'data-state="expired"' in html
    assert f"Answers were accepted until {campaign.closes_on:%Y-%m-%d}." in html
    assert client.post(f"/s/{token}/", form_data(campaign, **FULL)).status_code == 410
    assert not Response.objects.exists()


def test_a_closed_campaigns_links_no_longer_answer(client, personas, campaign, token):
    campaigns.close(campaign, user=personas["tokyo_manager"])
    page = client.get(f"/s/{token}/")
    html = page.content.decode()
    assert page.status_code == 410 and 'data-state="expired"' in html
    assert "Answers were accepted until" not in html  # its expiry date had not come


def main_part(page) -> str:
    html = page.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_a_random_token_gets_the_same_page_as_a_wrong_one(client, token):
    random_token = campaigns.new_token()
    typo = token[:-1] + ("A" if token[-1] != "A" else "B")
    pages = [client.get(f"/s/{t}/") for t in (random_token, typo, "short", token + "x")]
    assert {p.status_code for p in pages} == {404}
    assert len({main_part(p) for p in pages}) == 1
    assert 'data-state="unknown"' in main_part(pages[0])


def test_the_public_endpoint_is_rate_limited_per_address(client, settings, token):
    settings.SURVEY_RATE_LIMIT = 5
    statuses = [client.get(f"/s/{campaigns.new_token()}/").status_code for _ in range(5)]
    assert statuses == [404] * 5
    blocked = client.get(f"/s/{token}/")
    assert blocked.status_code == 429 and 'data-state="too-many"' in blocked.content.decode()
    assert blocked["Retry-After"]
    other_address = client.get(f"/s/{token}/", REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 200


def test_behind_a_proxy_the_address_the_proxy_saw_is_counted(client, settings, token):
    settings.SURVEY_RATE_LIMIT = 2
    settings.TRUST_X_FORWARDED_FOR = True
    for _ in range(2):
        client.get(f"/s/{token}/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client.get(f"/s/{token}/", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # A forged first entry does not escape the count of the real address.
    forged = client.get(f"/s/{token}/", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    assert forged.status_code == 429
    assert client.get(f"/s/{token}/", HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


def test_english_labels_are_shown_when_english_is_chosen(client, token):
    html = client.get(f"/s/{token}/").content.decode()
    assert "Overall, how satisfied are you with the center" in html
    client.cookies.pop("django_language")
    japanese = client.get(f"/s/{token}/").content.decode()
    assert "当拠点の支援に対する総合的な満足度" in japanese and 'lang="ja"' in japanese
