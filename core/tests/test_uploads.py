"""Attached documents: only the listed types, recognised by their content, get in."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation.models import ChecklistTemplate, Hearing, HearingAttachment
from planning.models import FiscalYear
from selection.models import RoundStatus
from selection.tests.factories import make_round

PDF = b"%PDF-1.4 minutes of the hearing"
REFUSED = [
    ("run.exe", b"MZ\x90\x00 a program", "application/octet-stream"),
    ("page.html", b"<script>alert(1)</script>", "text/html"),
    ("note.txt", b"plain text", "text/plain"),
    ("fake.pdf", b"<html>not a pdf</html>", "application/pdf"),  # renamed
    ("image.svg", b"<svg onload=alert(1)>", "image/svg+xml"),  # scripts inside
]


@pytest.fixture
def hearing(db, tokyo):
    return Hearing.objects.create(
        center=tokyo,
        fiscal_year=FiscalYear.objects.create(year=2025),
        template=ChecklistTemplate.objects.first(),
        held_on=datetime.date(2026, 2, 10),
    )


def attach(client, hearing, name, content, content_type):
    upload = SimpleUploadedFile(name, content, content_type)
    return client.post(
        reverse("evaluation:hearing_attach", args=[hearing.pk]), {"file": upload}, follow=True
    )


@pytest.mark.parametrize("name,content,content_type", REFUSED)
def test_a_hearing_refuses_a_file_that_is_not_a_listed_document(
    client_for, hearing, name, content, content_type
):
    response = attach(client_for("kanto_officer"), hearing, name, content, content_type)

    assert response.status_code == 200
    assert not HearingAttachment.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize(
    "name,content",
    [
        ("議事録.pdf", PDF),
        ("scores.xlsx", b"PK\x03\x04 zip of an xlsx"),
        ("memo.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old word"),
        ("photo.JPG", b"\xff\xd8\xff\xe0 jpeg"),
    ],
)
def test_a_hearing_takes_pdf_office_and_image_files(client_for, hearing, name, content):
    client = client_for("kanto_officer")
    attach(client, hearing, name, content, "application/octet-stream")

    attachment = HearingAttachment.objects.get()
    download = client.get(reverse("evaluation:attachment", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("name,content,content_type", REFUSED)
def test_a_candidate_document_is_refused_unless_a_listed_document(
    client_for, tokyo, name, content, content_type
):
    selection = make_round(tokyo, members=1, candidates=(), until=RoundStatus.SETUP)
    upload = SimpleUploadedFile(name, content, content_type)

    response = client_for("kanto_officer").post(
        reverse("selection:candidate_create", args=[selection.pk]),
        {"name": "候補 花子", "document": upload, "document_title": "履歴書"},
    )

    assert response.status_code == 200 and "document" in response.context["form"].errors
    assert not selection.candidates.exists()


def test_a_candidate_document_is_served_with_the_type_of_its_kind(client_for, tokyo):
    selection = make_round(tokyo, members=1, candidates=(), until=RoundStatus.SETUP)
    client = client_for("kanto_officer")
    upload = SimpleUploadedFile("cv.pdf", PDF, "text/html")  # what the browser claimed

    client.post(
        reverse("selection:candidate_create", args=[selection.pk]),
        {"name": "候補 花子", "document": upload, "document_title": "履歴書"},
    )

    document = selection.candidates.get().documents.get()
    download = client.get(document.get_absolute_url())
    assert download["Content-Type"] == "application/pdf" and download.content == PDF
