"""What the Japanese interface shows is Japanese: history values, event names and notes,
titles and column headings (issue 16)."""

import datetime
import re

from django.urls import reverse
from django.utils import translation

from conftest import make_client, make_evaluation
from core.history import _plain, history_for


def test_history_shows_booleans_as_yu_mu_and_field_names_in_japanese(personas, tokyo):
    client = make_client(tokyo, survey_consent=False)
    client.survey_consent = True
    client.save()
    with translation.override("ja"):
        entry = history_for(client, viewer=personas["tokyo_coordinator"])[0]
        (change,) = [c for c in entry.changes if c.field == "調査同意"]
    assert (change.field, change.before, change.after) == ("調査同意", "無", "有")


def test_history_times_are_in_tokyo_to_the_minute():
    moment = datetime.datetime(2025, 4, 1, 0, 30, 15, 123456, tzinfo=datetime.UTC)
    assert _plain(moment) == "2025-04-01 09:30"


def test_the_evaluation_steps_and_guidance_title_read_in_japanese(client_for, tokyo):
    built = make_evaluation(tokyo)
    with translation.override("ja"):
        labels = [event.label for event in built["run"].events.all()]
        title = str(built["guidance"])
    assert labels and not {"run", "review", "finalise"} & set(labels), labels
    assert "focused guidance" not in title and "重点指導" in title and title.endswith("年度")
    # Each center's review names the center, never a bare number ("11:").
    reviews = built["run"].events.filter(action="review")
    assert reviews and not [r.note for r in reviews if re.match(r"\d+:", r.note)]


def test_the_survey_list_heads_the_name_column_with_the_survey_name(client_for):
    page = client_for("admin").get(reverse("surveys:campaign_list"), HTTP_ACCEPT_LANGUAGE="ja")
    html = page.content.decode()
    assert "<th>調査名</th>" in html and "<th>氏名</th>" not in html
