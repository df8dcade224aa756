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
        if is_public(pattern):
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
