"""Answers are anonymous to the center: no URL or export lets its staff reach an
individual answer or tell who answered.

The URL walk reuses the generated authorization test's discovery of every URL pattern,
so a page added later is covered too.
"""

import io
import re

import pytest
from django.db import models
from django.urls import reverse
from openpyxl import load_workbook

from conftest import answer_survey, make_campaign, survey_tokens
from core.tests.test_authorization import (
    ALL_PATTERNS,
    is_public,
    label,
    takes_object,
    tokyo_objects,
    url_for,
    view_class,
)
from surveys.models import Answer, Response

SECRET_COMMENT = "匿名性確認用の回答本文XYZ"
CENTER_STAFF = ["tokyo_manager", "tokyo_coordinator"]


def text_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(response.content)).active
        return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("who", CENTER_STAFF)
def test_no_page_or_export_shows_an_answer_below_the_threshold_to_the_centers_staff(
    client_for, personas, tokyo, who
):
    # Three recipients, one answer: an individual answer that must stay out of reach.
    campaign = make_campaign(tokyo, recipients=3)
    token = survey_tokens(campaign)[0]
    answer_survey(
        token,
        overall=1,
        usefulness=2,
        progress=4,
        recommend=1,
        attitude=2,
        comment=SECRET_COMMENT,
    )
    objects = tokyo_objects(personas, tokyo)  # built on first use
    objects["surveys.Campaign"] = campaign
    browser = client_for(who)
    seen = 0
    for name, pattern in ALL_PATTERNS:
        # The access log shows this walk itself (who opened and exported what), which
        # grows with each snapshot, and My jobs the reminders it sent; neither records
        # a survey answer.
        if is_public(pattern) or (name or "").startswith(("core:access_log", "jobs:")):
            continue
        obj = objects[label(view_class(pattern).model)] if takes_object(pattern) else None
        url = url_for(name, pattern, obj)
        for query in ("", "?fy=2025", "?fy=2025&export=xlsx", "?export=csv"):
            response = browser.get(url + query)
            if response.status_code != 200:
                continue
            seen += 1
            assert SECRET_COMMENT not in text_of(response), f"{url}{query}"
    assert seen > 50  # the walk did reach the pages
    results = browser.get(reverse("surveys:campaign_results", args=[campaign.pk])).content
    assert 'data-testid="too-few"' in results.decode()
    assert "question-mean" not in results.decode()


def test_answering_changes_nothing_the_center_sees_about_a_recipient(client_for, tokyo):
    campaign = make_campaign(tokyo, recipients=7)
    tokens = survey_tokens(campaign)
    for token in tokens[:5]:
        answer_survey(token, overall=5, usefulness=5, progress=1, recommend=5, attitude=5)
    browser = client_for("tokyo_manager")
    recipients_url = reverse("surveys:recipient_list", args=[campaign.pk])
    sheets_url = reverse("surveys:campaign_sheets", args=[campaign.pk])

    def snapshot():
        listing = browser.get(recipients_url).content.decode()
        listing = listing[listing.index("<main") : listing.index("</main>")]
        sheets = browser.post(sheets_url, {"everyone": "1"}).content.decode()
        addressees = re.findall(r'<p class="sheet-to">(.*?)</p>', sheets)
        return listing, addressees

    before = snapshot()
    answer_survey(tokens[5], overall=1, usefulness=1, progress=3, recommend=1, attitude=1)
    assert snapshot() == before  # the same rows, the same sheets for everyone


def test_an_answer_is_stored_without_anything_that_points_to_the_respondent():
    for model in (Response, Answer):
        related = {
            f.related_model._meta.label
            for f in model._meta.get_fields()
            if f.is_relation and f.related_model is not None
        }
        assert not related & {
            "surveys.Recipient",
            "surveys.Link",
            "consultations.Client",
            "organizations.SupportInstitution",
            "accounts.User",
        }, model
        times = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateField | models.DateTimeField)
        ]
        assert times == [], f"{model.__name__} has a time that could be matched: {times}"
        assert not hasattr(model, "history"), "a history row would time-stamp the answer"


# --- The probe of issue 13: reprint, open every link, compare --------------------------

TOKEN = re.compile(r"/s/[A-Za-z0-9_-]{43}/")


def normalized(text: str) -> str:
    """A page without what differs on every request or per link: CSRF tokens, the link's
    token (in the language form's "next" field and on the sheets) and the QR codes."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", text)
    text = re.sub(r"<svg.*?</svg>", "<svg/>", text, flags=re.DOTALL)
    return TOKEN.sub("/s/TOKEN/", text)


def test_reprinted_links_open_alike_whether_or_not_their_recipient_answered(
    client_for, personas, tokyo, clock
):
    from django.test import Client

    campaign = make_campaign(tokyo, recipients=8)
    launch_tokens = survey_tokens(campaign)
    answered = [0, 2, 3, 5, 6]
    for n in answered:
        answer_survey(
            launch_tokens[n], overall=4, usefulness=4, progress=2, recommend=4, attitude=4
        )
    clock.next_day()  # the answers count in the results by now

    # The center manager prints a fresh sheet for everyone and opens every link.
    sheets = client_for("tokyo_manager").post(
        reverse("surveys:campaign_sheets", args=[campaign.pk]), {"everyone": "1"}
    )
    html = sheets.content.decode()
    addressees = re.findall(r'<p class="sheet-to">(.*?)</p>', html)
    links = re.findall(r"http://testserver(/s/[A-Za-z0-9_-]{43}/)", html)
    assert len(addressees) == len(set(links)) == 8
    links = list(dict.fromkeys(links))  # one per sheet, in the sheets' order
    visitor = Client()
    opened = {}
    for addressee, link in zip(addressees, links, strict=True):
        page = visitor.get(link)
        opened[addressee] = (page.status_code, normalized(page.content.decode()))
    manager = personas["tokyo_manager"]
    labels = [r.label(manager) for r in campaign.recipients.order_by("id")]
    names = [next(a for a in addressees if label in a) for label in labels]
    of_answered = {opened[names[n]] for n in answered}
    of_others = {opened[name] for n, name in enumerate(names) if n not in answered}
    assert of_answered == of_others, "answered and unanswered recipients' links differ"
    assert len(of_answered) == 1
    status, text = next(iter(of_answered))
    assert status == 200 and "survey-question" in text

    # Sending answers through the new links: the same pages whether they count or not.
    questions = {q.code: q for q in campaign.version.questions.all()}
    full = {f"q{questions[c].pk}": "3" for c in ("overall", "usefulness", "progress")}
    full |= {f"q{questions[c].pk}": "3" for c in ("recommend", "attitude")}
    before = Response.objects.count()
    for data in ({}, full):  # missing answers, then complete ones
        sent = []
        for n in (answered[0], 1):
            page = visitor.post(links[addressees.index(names[n])], data)
            sent.append((page.status_code, page.get("Location"), normalized(page.content.decode())))
        assert sent[0] == sent[1]
    assert sent[0][:2] == (302, "/s/thanks/")
    assert Response.objects.count() == before + 1  # the unanswered recipient's only


def snapshot(browser, campaign, objects) -> dict[str, str]:
    """Every page and export the center's staff can reach, the sheets printed for everyone
    and the reminders emailed, as text without what changes per request."""
    from django.core import mail

    seen = {}
    for name, pattern in ALL_PATTERNS:
        # The access log shows this walk itself (who opened and exported what), which
        # grows with each snapshot, and My jobs the reminders it sent; neither records
        # a survey answer.
        if is_public(pattern) or (name or "").startswith(("core:access_log", "jobs:")):
            continue
        obj = objects[label(view_class(pattern).model)] if takes_object(pattern) else None
        url = url_for(name, pattern, obj)
        for query in ("", "?fy=2025", "?fy=2025&export=xlsx", "?export=csv"):
            response = browser.get(url + query)
            seen[url + query] = f"{response.status_code} " + normalized(
                text_of(response) if response.status_code == 200 else ""
            )
    sheets = browser.post(
        reverse("surveys:campaign_sheets", args=[campaign.pk]), {"everyone": "1"}
    ).content.decode()
    seen["sheets"] = normalized(sheets)
    mail.outbox.clear()
    sent = browser.post(
        reverse("surveys:campaign_send", args=[campaign.pk]), {"reminder": "1"}, follow=True
    )
    seen["reminder page"] = normalized(sent.content.decode())
    seen["reminders"] = repr(sorted((m.to, normalized(m.body)) for m in mail.outbox))
    return seen


def test_no_page_differs_between_two_worlds_where_different_recipients_answered(
    client_for, personas, tokyo, clock
):
    """The answers are the same; only who gave them differs. Nothing of it is stored
    outside the recipients' ``answered`` flags, so swapping those flags makes the other
    world exactly: every page the center's staff can reach must stay the same."""
    from surveys.models import Recipient

    campaign = make_campaign(tokyo, recipients=8)
    tokens = survey_tokens(campaign)
    for token in tokens[:5]:
        answer_survey(token, overall=5, usefulness=4, progress=2, recommend=5, attitude=4)
    clock.next_day()  # the figures and comments are shown by now
    objects = tokyo_objects(personas, tokyo)  # built on first use, then the same
    objects["surveys.Campaign"] = campaign
    for _name, pattern in ALL_PATTERNS:  # all made before the first look
        if not is_public(pattern) and takes_object(pattern):
            objects[label(view_class(pattern).model)]
    # The manager: every page a coordinator reaches and more (the walk costs minutes).
    first = snapshot(client_for("tokyo_manager"), campaign, objects)
    recipients = list(campaign.recipients.order_by("id"))
    assert [r.answered for r in recipients] == [True] * 5 + [False] * 3
    Recipient.objects.filter(pk__in=[r.pk for r in recipients[:3]]).update(answered=False)
    Recipient.objects.filter(pk__in=[r.pk for r in recipients[5:]]).update(answered=True)
    second = snapshot(client_for("tokyo_manager"), campaign, objects)
    assert (
        len(first) > 200 and "5" in first[reverse("surveys:campaign_results", args=[campaign.pk])]
    )
    assert [url for url in first if first[url] != second[url]] == []
