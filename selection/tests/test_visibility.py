"""Who sees a selection: a committee member only the rounds they sit on, and nobody
another member's scores before the round is closed, through any page, fragment or export.

Every URL of the app is walked from the URL configuration, so a page added later
is covered too.
"""

import datetime
import io

import pytest
from django.urls import get_resolver, reverse
from django.utils import translation

from core.tests.test_authorization import view_class, walk
from selection import appointments
from selection.models import CandidateDocument, RoundStatus
from selection.tests.factories import committee_user, make_round

SECRET = "SEALED-COMMENT-7731"
PATTERNS = [
    (name, pattern)
    for name, pattern in walk(get_resolver().url_patterns)
    if name and name.startswith("selection:")
]


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def objects_of(round_, personas):
    """One object of every kind a selection URL takes, all belonging to ``round_``."""
    seats = list(round_.members.order_by("id"))
    candidate = round_.candidates.order_by("id").first()
    return {
        "selection.SelectionRound": [round_],
        "selection.CommitteeMember": seats,
        "selection.Scoresheet": [sheet for seat in seats for sheet in seat.sheets.all()],
        "selection.Candidate": [candidate],
        "selection.CandidateDocument": [
            CandidateDocument.objects.create(
                candidate=candidate,
                title="履歴書",
                filename="cv.txt",
                size=2,
                content=b"cv",
                uploaded_by=round_.created_by,
            )
        ],
        "selection.CoordinatorAppointment": [
            appointments.propose(
                center=round_.center,
                user=personas["tokyo_manager"],
                name="新任",
                staff_code="NEW-1",
                reason="理由",
                start_date=datetime.date(2027, 4, 1),
                end_date=datetime.date(2028, 3, 31),
            )
        ],
    }


def urls(objects):
    """Every selection URL: object pages for each object, lists, and their export forms."""
    for name, pattern in PATTERNS:
        converters = pattern.pattern.converters
        if "pk" not in converters:
            base = reverse(name)
            yield pattern, base
            for query in ("?export=xlsx", "?export=csv"):
                yield pattern, base + query
            continue
        for obj in objects[view_class(pattern).model._meta.label]:
            base = reverse(name, kwargs={"pk": obj.pk})
            yield pattern, base
            if name == "selection:round_export":
                yield pattern, base + "?as=csv"


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxml"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return content.decode("utf-8", errors="replace")


@pytest.fixture
def scoring_round(tokyo):
    """Three members; the first two have submitted, the second with a telltale comment."""
    return make_round(tokyo, until=RoundStatus.SCORING, comments={(1, 0): SECRET})


def test_nothing_shows_another_members_scores_before_the_round_closes(
    client, personas, scoring_round
):
    waiting = scoring_round.members.get(submitted_at__isnull=True)
    other = scoring_round.members.exclude(pk=waiting.pk).filter(sheets__comment=SECRET).get()
    objects = objects_of(scoring_round, personas)
    viewers = [waiting.user, scoring_round.created_by, personas["admin"], personas["hq"]]

    for viewer in viewers:
        client.force_login(viewer)
        for _pattern, url in urls(objects):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                assert response.status_code in (200, 302, 403, 404, 405), url
                assert SECRET not in text_of(response), f"{viewer} reads a sealed score at {url}"
        # Another member's sheets are not even found; the export is refused.
        for sheet in other.sheets.all():
            assert client.get(sheet.get_absolute_url()).status_code == 404
        export = reverse("selection:round_export", args=[scoring_round.pk])
        assert client.get(export).status_code == 403
        results = client.get(reverse("selection:round_results", args=[scoring_round.pk]))
        assert 'data-testid="sealed"' in results.content.decode()
        assert 'data-testid="ranking"' not in results.content.decode()


def test_once_every_member_has_submitted_the_scores_and_comments_are_open(client, personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED, comments={(1, 0): SECRET})
    member = round_.members.order_by("id").first()

    for viewer in (member.user, round_.created_by):
        client.force_login(viewer)
        page = client.get(round_.get_absolute_url()).content.decode()
        assert 'data-testid="ranking"' in page and SECRET in page
        export = client.get(reverse("selection:round_export", args=[round_.pk]))
        assert SECRET in text_of(export)


def test_a_committee_member_sees_only_the_rounds_they_sit_on(client, personas, tokyo, osaka):
    mine = make_round(osaka, until=RoundStatus.SETUP)
    theirs = make_round(tokyo, until=RoundStatus.SETUP)
    member = mine.members.first().user
    client.force_login(member)

    for url in (reverse("selection:round_list"), reverse("home")):
        page = client.get(url).content.decode()
        assert mine.get_absolute_url() in page
        assert theirs.get_absolute_url() not in page
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_committee_members_of_another_round_are_outsiders(client, personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED, comments={(0, 0): SECRET})
    objects = objects_of(round_, personas)
    outsider = committee_user()
    make_round(tokyo, members=[outsider], until=RoundStatus.SETUP)
    client.force_login(outsider)

    for pattern, url in urls(objects):
        if "pk" not in pattern.pattern.converters:  # lists and forms of their own scope
            assert SECRET not in text_of(client.get(url)), url
            continue
        cls = view_class(pattern)
        if hasattr(cls, "get"):
            assert client.get(url).status_code in (403, 404), url
        if hasattr(cls, "post"):
            response = client.post(url, {"name": "changed", "reason": "x"})
            assert response.status_code in (403, 404), url
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED and round_.decision == ""


def test_center_staff_and_hq_experts_see_no_selection(client, personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED)

    for persona in ("tokyo_manager", "tokyo_coordinator", "tokyo_expert"):
        client.force_login(personas[persona])
        assert client.get(round_.get_absolute_url()).status_code == 404
        assert (
            round_.get_absolute_url()
            not in client.get(reverse("selection:round_list")).content.decode()
        )
