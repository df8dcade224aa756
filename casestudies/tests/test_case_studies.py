"""Case studies: drafted by the center, consented, approved by HQ, published; drafts
seen only by their center and HQ; never published with the client's identity in the text."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from casestudies import workflow
from casestudies.models import CaseStudy, CaseStudyStatus
from conftest import make_case, make_case_study, make_client
from core.workflow import StepRefused

PDF = b"%PDF-1.4 consent"


def consent(study, user, *, names_client=False):
    document = SimpleUploadedFile("同意書.pdf", PDF, "application/pdf")
    return workflow.record_consent(study, user=user, document=document, names_client=names_client)


@pytest.fixture
def shop(tokyo):
    return make_client(
        tokyo,
        "株式会社ＡＢＣ商事",
        phone="03-1234-5678",
        email="info@abc-shoji.example.jp",
        corporate_number="",
    )


def drafted(shop, user, **fields):
    case = make_case(shop, solved=datetime.date(2025, 9, 1), title="資金繰りの改善")
    return workflow.draft(
        case=case,
        user=user,
        title=fields.pop("title", "資金繰りの改善で黒字化した小売業"),
        summary=fields.pop("summary", "都内の小売業が資金繰りを改善し、黒字化した。"),
        **fields,
    )


def test_a_case_study_goes_from_draft_to_published_through_consent_and_hq(shop, personas):
    study = drafted(shop, personas["tokyo_coordinator"])
    assert study.status == CaseStudyStatus.DRAFT and study.prefecture == shop.home_center.prefecture
    study = consent(study, personas["tokyo_manager"])
    assert study.status == CaseStudyStatus.CONSENTED and bytes(study.consent_document) == PDF
    with pytest.raises(StepRefused):
        workflow.publish(study, user=personas["tokyo_manager"])  # HQ approves, not the center
    study = workflow.publish(study, user=personas["hq"])
    assert study.status == CaseStudyStatus.PUBLISHED and study.published_on
    assert [e.action for e in study.events.all()] == ["draft", "record_consent", "publish"]
    study = workflow.withdraw(study, user=personas["tokyo_manager"], reason="相談者の申出")
    assert study.status == CaseStudyStatus.WITHDRAWN
    assert study.events.last().note == "相談者の申出"


def test_a_case_study_is_written_only_from_a_solved_case(shop, personas):
    case = make_case(shop)  # open
    with pytest.raises(StepRefused):
        workflow.draft(case=case, user=personas["tokyo_coordinator"], title="t", summary="s")


def test_withdrawing_needs_a_reason(shop, personas):
    study = drafted(shop, personas["tokyo_coordinator"])
    with pytest.raises(StepRefused):
        workflow.withdraw(study, user=personas["tokyo_manager"], reason=" ")


@pytest.mark.parametrize(
    "text",
    [
        "株式会社ＡＢＣ商事は売上を伸ばした。",  # the registered name, full-width
        "ABC商事は売上を伸ばした。",  # half-width, without the legal form
        "ａｂｃ 商事の社長が来所した。",  # full-width lower case with a space
        "連絡先は０３（１２３４）５６７８です。",  # the phone, full-width and bracketed
        "電話 03-1234-5678 まで。",
        "メールは INFO@abc-shoji.example.jp へ。",
    ],
)
def test_publishing_is_refused_while_the_text_names_the_client(shop, personas, text):
    study = consent(
        drafted(shop, personas["tokyo_coordinator"], results=text), personas["tokyo_manager"]
    )
    with translation.override("en"), pytest.raises(StepRefused, match="contains"):
        workflow.publish(study, user=personas["hq"])
    study.refresh_from_db()
    assert study.status == CaseStudyStatus.CONSENTED


def test_the_corporate_number_is_refused_too(tokyo, personas):
    firm = make_client(tokyo, "株式会社北星", corporate_number="1010001008846")
    study = consent(
        drafted(firm, personas["tokyo_coordinator"], results="法人番号１０１０００１００８８４６"),
        personas["tokyo_manager"],
    )
    with pytest.raises(StepRefused):
        workflow.publish(study, user=personas["hq"])


def test_the_name_may_stay_when_the_client_agreed_to_be_named_but_not_the_phone(shop, personas):
    study = consent(
        drafted(shop, personas["tokyo_coordinator"], results="ABC商事は黒字化した。"),
        personas["tokyo_manager"],
        names_client=True,
    )
    assert workflow.publish(study, user=personas["hq"]).status == CaseStudyStatus.PUBLISHED
    other = consent(
        drafted(shop, personas["tokyo_coordinator"], results="ABC商事 03-1234-5678"),
        personas["tokyo_manager"],
        names_client=True,
    )
    with pytest.raises(StepRefused):
        workflow.publish(other, user=personas["hq"])


def test_a_draft_is_seen_by_its_center_and_hq_only_a_published_one_by_everyone(tokyo, personas):
    draft = make_case_study(tokyo)
    published = make_case_study(tokyo, status="published", published_on=datetime.date(2025, 10, 1))
    readers = {"tokyo_manager", "tokyo_coordinator", "hq", "admin", "tokyo_expert"}
    for name, user in personas.items():
        visible = set(CaseStudy.objects.for_user(user).values_list("pk", flat=True))
        assert (draft.pk in visible) == (name in readers), name
        assert published.pk in visible, name
    assert not CaseStudy.objects.for_user(personas["kanto_officer"]).filter(pk=draft.pk).exists()


def test_the_public_page_lists_published_case_studies_only_and_no_client_name(
    client, tokyo, personas
):
    shop = make_client(tokyo, "株式会社秘密の菓子店")
    published = make_case_study(
        tokyo,
        status="published",
        client=shop,
        title="菓子店の新商品開発",
        industry="E",
        size_band="従業員10人",
        published_on=datetime.date(2025, 10, 1),
    )
    draft = make_case_study(tokyo, title="まだ下書きの事例")
    page = client.get(reverse("casestudies:public_list")).content.decode()
    assert published.title in page and draft.title not in page
    detail = client.get(reverse("casestudies:public_detail", args=[published.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200 and "秘密の菓子店" not in text and "東京都" in text
    assert client.get(reverse("casestudies:public_detail", args=[draft.pk])).status_code == 404
    published.consent_names_client = True
    published.save()
    assert (
        "株式会社秘密の菓子店"
        in client.get(reverse("casestudies:public_detail", args=[published.pk])).content.decode()
    )


def test_the_center_drafts_and_hq_publishes_through_the_pages(client_for, shop, personas):
    case = make_case(shop, solved=datetime.date(2025, 9, 1), title="IT導入による業務改善")
    coordinator = client_for("tokyo_coordinator")
    response = coordinator.post(
        reverse("casestudies:create") + f"?case={case.pk}",
        {
            "title": "IT導入で残業を半減",
            "summary": "受発注をクラウド化した。",
            "support_kinds": ["it"],
        },
    )
    study = CaseStudy.objects.get()
    assert response.status_code == 302 and study.support_kinds == ["it"]
    upload = SimpleUploadedFile("consent.pdf", PDF, "application/pdf")
    coordinator.post(reverse("casestudies:consent", args=[study.pk]), {"document": upload})
    study.refresh_from_db()
    assert study.status == CaseStudyStatus.CONSENTED
    hq = client_for("hq")
    hq.post(reverse("casestudies:publish", args=[study.pk]))
    study.refresh_from_db()
    assert study.status == CaseStudyStatus.PUBLISHED


def test_the_booklet_pdf_carries_the_titles_of_the_years_case_studies_by_topic(
    client_for, tokyo, osaka
):
    import io

    from pypdf import PdfReader

    make_case_study(
        tokyo,
        status="published",
        title="販路開拓で売上倍増した菓子店",
        topics=["売上拡大"],
        published_on=datetime.date(2025, 6, 1),
    )
    make_case_study(
        osaka,
        status="published",
        title="資金繰りを立て直した町工場",
        topics=["資金繰り"],
        published_on=datetime.date(2026, 3, 1),
    )
    make_case_study(
        osaka,
        status="published",
        title="前年度に公開した事例",
        published_on=datetime.date(2025, 3, 31),
    )
    make_case_study(osaka, title="未公開の下書き事例")
    response = client_for("hq").get(reverse("casestudies:booklet"), {"fy": 2025})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "販路開拓で売上倍増した菓子店" in text and "資金繰りを立て直した町工場" in text
    assert text.index("売上拡大") < text.index("販路開拓で売上倍増") < text.index("資金繰り\n")
    assert "前年度に公開した事例" not in text and "未公開の下書き事例" not in text
    assert (
        client_for("tokyo_manager").get(reverse("casestudies:booklet"), {"fy": 2025}).status_code
        == 403
    )


def test_similar_cases_are_published_studies_of_the_same_topic_best_first(tokyo, osaka):
    from casestudies.similar import similar_case_studies

    mine = make_case(make_client(tokyo, industry="I"), title="受発注のIT導入", topics=["IT・DX"])
    best = make_case_study(
        osaka,
        status="published",
        topics=["IT・DX"],
        title="受発注のIT導入で残業半減",
        published_on=datetime.date(2025, 6, 1),
    )
    other = make_case_study(
        osaka,
        status="published",
        topics=["IT・DX"],
        title="会計のクラウド化",
        published_on=datetime.date(2025, 7, 1),
    )
    make_case_study(osaka, topics=["IT・DX"], title="下書きの受発注IT導入")  # a draft
    make_case_study(
        osaka,
        status="published",
        topics=["創業"],
        title="カフェの創業",
        published_on=datetime.date(2025, 6, 1),
    )
    for number in range(6):
        make_case_study(
            tokyo,
            status="published",
            topics=["IT・DX"],
            title=f"IT事例{number}",
            published_on=datetime.date(2025, 5, 1),
        )
    found = similar_case_studies(mine)
    assert len(found) == 5 and found[0] == best
    titles = {s.title for s in found}
    assert "下書きの受発注IT導入" not in titles and "カフェの創業" not in titles
    assert other.industry == "" and best in found
