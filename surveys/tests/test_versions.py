"""Template versions: a change to a version in use makes a new one; answers keep theirs."""

import pytest
from django.urls import reverse

from conftest import answer_survey, make_campaign, survey_tokens
from surveys.forms import format_choices
from surveys.models import Question, SurveyTemplate, TemplateVersion

GOOD = {"overall": 5, "usefulness": 4, "progress": 2, "recommend": 5, "attitude": 4}
OLD_TEXT = "当拠点の支援に対する総合的な満足度をお聞かせください。"
NEW_TEXT = "よろず支援拠点の支援全体に、どの程度満足されましたか。"


@pytest.fixture
def template(db):
    return SurveyTemplate.objects.get(code="client-satisfaction")


def edit_data(version, *, changes=None, drop=(), add=None, **content) -> dict:
    """The edit form as the page fills it in, with ``changes`` by question code."""
    questions = [q for q in version.questions.all() if q.code not in drop]
    data = {
        "title": version.title,
        "title_en": version.title_en,
        "introduction": version.introduction,
        "introduction_en": version.introduction_en,
        "note": content.pop("note", ""),
        **content,
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    rows = [
        {
            "code": q.code,
            "kind": q.kind,
            "text": q.text,
            "text_en": q.text_en,
            "required": "on" if q.required else "",
            "choices": format_choices(q.choices),
            "ORDER": str(n),
            **(changes or {}).get(q.code, {}),
        }
        for n, q in enumerate(questions, start=1)
    ]
    if add:
        rows.append({"ORDER": str(len(rows) + 1), **add})
    data["questions-TOTAL_FORMS"] = str(len(rows))
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value != "":
                data[f"questions-{index}-{name}"] = value
    return data


def test_a_change_after_answers_makes_a_new_version_and_old_answers_keep_their_questions(
    client_for, tokyo, template, clock
):
    old = make_campaign(tokyo, recipients=5)
    for token in survey_tokens(old):
        answer_survey(token, **GOOD)
    v1 = template.current_version()

    response = client_for("hq").post(
        reverse("surveys:template_update", args=[template.pk]),
        edit_data(
            v1,
            changes={"overall": {"text": NEW_TEXT, "text_en": "How satisfied were you overall?"}},
            note="設問1の表現を変更",
        ),
    )
    assert response.status_code == 302

    v2 = template.current_version()
    assert v2.number == 2 and v2.note == "設問1の表現を変更"
    assert v1.questions.get(code="overall").text == OLD_TEXT  # untouched
    assert v2.questions.get(code="overall").text == NEW_TEXT
    old.refresh_from_db()
    assert old.version == v1 and set(old.responses.values_list("version", flat=True)) == {v1.pk}

    new = make_campaign(tokyo, recipients=5)
    assert new.version == v2
    for token in survey_tokens(new):
        answer_survey(token, **{**GOOD, "overall": 3})

    clock.next_day()  # the answers count in the results from the next day
    browser = client_for("tokyo_manager")
    browser.cookies.pop("django_language")  # the Japanese question texts
    html = browser.get(reverse("surveys:center_results", args=[tokyo.pk]) + "?fy=2025").content
    html = html.decode()
    first = html.split('data-testid="version-1"', 1)[1].split("</section>", 1)[0]
    second = html.split('data-testid="version-2"', 1)[1].split("</section>", 1)[0]
    assert OLD_TEXT in first and NEW_TEXT not in first
    assert NEW_TEXT in second and OLD_TEXT not in second
    overall_v1 = first.split('data-code="overall"', 1)[1].split("</article>", 1)[0]
    overall_v2 = second.split('data-code="overall"', 1)[1].split("</article>", 1)[0]
    assert 'data-testid="question-mean">5.00<' in overall_v1
    assert 'data-testid="question-mean">3.00<' in overall_v2

    detail = client_for("tokyo_coordinator").get(template.get_absolute_url() + "?version=1")
    assert OLD_TEXT in detail.content.decode()


def test_a_version_no_campaign_uses_yet_is_changed_in_place(client_for, template):
    v1 = template.current_version()
    response = client_for("admin").post(
        reverse("surveys:template_update", args=[template.pk]),
        edit_data(
            v1,
            drop=("channel",),
            add={
                "code": "visit-again",
                "kind": "single",
                "text": "また利用したいですか。",
                "required": "on",
                "choices": "はい | Yes\nいいえ | No",
            },
        ),
    )
    assert response.status_code == 302
    assert TemplateVersion.objects.filter(template=template).count() == 1
    codes = list(v1.questions.values_list("code", flat=True))
    assert "channel" not in codes and codes[-1] == "visit-again"
    assert v1.questions.get(code="visit-again").choices == [
        {"ja": "はい", "en": "Yes"},
        {"ja": "いいえ", "en": "No"},
    ]


def test_saving_an_unchanged_template_makes_no_version(client_for, tokyo, template):
    make_campaign(tokyo)
    v1 = template.current_version()
    client_for("hq").post(reverse("surveys:template_update", args=[template.pk]), edit_data(v1))
    assert template.versions.count() == 1


def test_the_question_form_reports_every_problem_and_saves_nothing(client_for, template):
    v1 = template.current_version()
    before = list(Question.objects.values())
    page = client_for("hq").post(
        reverse("surveys:template_update", args=[template.pk]),
        edit_data(
            v1,
            changes={
                "overall": {"choices": "悪い\n普通\n良い"},
                "progress": {"choices": "はい"},
                "comment": {"code": "usefulness"},
            },
        ),
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "A five-point scale needs exactly five labels, or none." in html
    assert "Give at least two choices, one per line." in html
    assert list(Question.objects.values()) == before
    duplicate = client_for("hq").post(
        reverse("surveys:template_update", args=[template.pk]),
        edit_data(v1, changes={"comment": {"code": "usefulness"}}),
    )
    assert "Each question needs its own code; used twice: usefulness" in duplicate.content.decode()
    assert list(Question.objects.values()) == before


@pytest.mark.parametrize("who", ["tokyo_manager", "kanto_officer", "tokyo_expert"])
def test_only_the_agency_and_hq_change_templates(client_for, template, who):
    v1 = template.current_version()
    response = client_for(who).post(
        reverse("surveys:template_update", args=[template.pk]),
        edit_data(v1, changes={"overall": {"text": NEW_TEXT}}),
    )
    assert response.status_code == 404
    assert v1.questions.get(code="overall").text == OLD_TEXT


def test_hq_creates_a_template_and_its_first_version_from_the_pages(client_for):
    browser = client_for("hq")
    created = browser.post(
        reverse("surveys:template_create"),
        {"name": "フォローアップ調査", "kind": "client", "code": "client-followup"},
    )
    template = SurveyTemplate.objects.get(code="client-followup")
    assert created["Location"] == reverse("surveys:template_update", args=[template.pk])
    assert template.current_version() is None
    form = browser.get(created["Location"])
    assert form.status_code == 200
    data = {
        "title": "フォローアップ調査",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-code": "better",
        "questions-0-kind": "scale",
        "questions-0-text": "相談後、経営は改善しましたか。",
        "questions-0-required": "on",
        # The second, blank form of the page is left as it was: it is ignored.
        "questions-1-kind": "scale",
        "questions-1-required": "on",
    }
    saved = browser.post(created["Location"], data)
    assert saved.status_code == 302
    version = template.current_version()
    assert version.number == 1 and version.title == "フォローアップ調査"
    assert [(q.code, q.kind, q.required) for q in version.questions.all()] == [
        ("better", "scale", True)
    ]
    assert client_for("tokyo_manager").get(reverse("surveys:template_create")).status_code == 403
