"""Campaigns: who is asked, how links are made and delivered, who may run each step."""

import base64
import datetime
import hashlib
import random

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from conftest import make_campaign, make_client, make_institution, make_session
from core.workflow import StepRefused
from surveys import campaigns
from surveys.models import Campaign, CampaignStatus, Link, Recipient, SurveyTemplate


def draft(center, personas, **fields):
    from planning.models import FiscalYear

    year, _created = FiscalYear.objects.get_or_create(year=2025)
    kind = fields.pop("kind", "client")
    return Campaign.objects.create(
        fiscal_year=year,
        center=center,
        kind=kind,
        template=SurveyTemplate.objects.get(kind=kind, is_standard=True),
        name="調査",
        period_start=fields.pop("period_start", datetime.date(2025, 4, 1)),
        period_end=fields.pop("period_end", datetime.date(2025, 9, 30)),
        closes_on=datetime.date.today() + datetime.timedelta(days=14),
        invitation="ご協力をお願いします。",
        created_by=personas["admin"],
        **fields,
    )


def test_recipients_are_consenting_clients_with_a_session_at_the_center_in_the_period(
    personas, tokyo, osaka
):
    asked = make_client(tokyo, survey_consent=True)
    make_session(asked, datetime.date(2025, 5, 1))
    make_session(asked, datetime.date(2025, 6, 1))  # two sessions, one recipient
    no_consent = make_client(tokyo, survey_consent=False)
    make_session(no_consent, datetime.date(2025, 5, 1))
    outside_period = make_client(tokyo, survey_consent=True)
    make_session(outside_period, datetime.date(2025, 12, 1))
    other_center = make_client(osaka, survey_consent=True)
    make_session(other_center, datetime.date(2025, 5, 1))
    # A client of Osaka's who also consulted Tokyo is asked about Tokyo.
    visitor = make_client(osaka, survey_consent=True)
    make_session(visitor, datetime.date(2025, 7, 1), center=tokyo)

    campaign = draft(tokyo, personas)
    campaigns.launch(campaign, user=personas["tokyo_manager"], base_url="http://testserver/")

    recipients = Recipient.objects.filter(campaign=campaign)
    assert set(recipients.values_list("client_id", flat=True)) == {asked.pk, visitor.pk}
    assert set(recipients.values_list("center_id", flat=True)) == {tokyo.pk}


def test_a_sample_takes_the_given_number_per_center_at_random(personas, tokyo):
    for _ in range(10):
        make_session(make_client(tokyo, survey_consent=True), datetime.date(2025, 5, 1))
    campaign = draft(tokyo, personas, sample_size=4)
    drawn = [c.client_id for c in campaigns.draw(campaign, random.Random(1))]
    again = [c.client_id for c in campaigns.draw(campaign, random.Random(2))]
    assert len(drawn) == 4 and len(set(drawn)) == 4
    assert drawn != again


def test_institution_campaigns_ask_the_active_partners_of_the_centers_prefecture(
    personas, tokyo, osaka
):
    partner = make_institution(tokyo)
    inactive = make_institution(tokyo)
    inactive.is_active = False
    inactive.save()
    make_institution(osaka)
    campaign = draft(tokyo, personas, kind="institution")
    result = campaigns.launch(campaign, user=personas["tokyo_manager"], base_url="http://x/")
    assert list(campaign.recipients.values_list("institution_id", flat=True)) == [partner.pk]
    assert result.to_print == 1 and result.emailed == 0


def test_launch_emails_each_recipient_with_an_address_a_link_whose_token_is_not_stored(
    personas, tokyo
):
    campaign = make_campaign(tokyo, recipients=4)  # two with an email address

    assert campaign.status == CampaignStatus.OPEN and campaign.version.number == 1
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert tokyo.name in message.subject
    url = next(line for line in message.body.splitlines() if "/s/" in line).strip()
    token = url.rsplit("/s/", 1)[1].strip("/")
    assert url.startswith("http://testserver/s/")
    stored = list(Link.objects.values_list("token_hash", flat=True))
    assert token not in str(list(Link.objects.values())) + str(list(Recipient.objects.values()))
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_the_launch_page_says_how_many_emails_go_out_and_sends_none_before_the_click(
    client_for, personas, tokyo
):
    for number in range(3):  # two with an address, one without
        email = f"c{number}@example.jp" if number < 2 else ""
        make_session(
            make_client(tokyo, survey_consent=True, email=email), datetime.date(2025, 5, 1)
        )
    campaign = draft(tokyo, personas)
    page = client_for("tokyo_manager")
    url = reverse("surveys:campaign_launch", args=[campaign.pk])

    with translation.override("ja"):
        confirm = page.get(url, HTTP_ACCEPT_LANGUAGE="ja")
    lines = confirm.context["confirmation"]
    assert len(lines) == 1 and "3" in lines[0] and "2" in lines[0]
    assert 'data-testid="step-confirmation"' in confirm.content.decode()
    assert not mail.outbox and not campaign.recipients.exists()  # asked first, nothing sent

    page.post(url)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN and len(mail.outbox) == 2


def test_a_sampled_launch_says_it_draws_at_random_before_anything_is_sent(personas, tokyo):
    for number in range(4):
        make_session(
            make_client(tokyo, survey_consent=True, email=f"s{number}@example.jp"),
            datetime.date(2025, 5, 1),
        )
    preview = campaigns.launch_preview(draft(tokyo, personas, sample_size=2))
    assert (preview.candidates, preview.with_email, preview.recipients, preview.emailed) == (
        4,
        4,
        2,
        None,
    )


def test_tokens_carry_at_least_128_bits_of_randomness_and_never_repeat():
    tokens = [campaigns.new_token() for _ in range(2000)]
    assert len(set(tokens)) == len(tokens)
    for token in tokens[:50]:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    assert campaigns.TOKEN_BYTES * 8 >= 128


def test_a_campaign_without_anyone_to_ask_is_not_launched(personas, tokyo):
    campaign = draft(tokyo, personas)
    with pytest.raises(StepRefused, match="Nobody to ask"):
        campaigns.launch(campaign, user=personas["tokyo_manager"], base_url="http://x/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not campaign.recipients.exists()


@pytest.mark.parametrize("who", ["tokyo_coordinator", "osaka_manager", "kanto_officer"])
def test_only_the_centers_manager_and_the_national_roles_launch_its_campaign(personas, tokyo, who):
    make_session(make_client(tokyo, survey_consent=True), datetime.date(2025, 5, 1))
    campaign = draft(tokyo, personas)
    with pytest.raises(StepRefused):
        campaigns.launch(campaign, user=personas[who], base_url="http://x/")
    assert not campaign.recipients.exists()


def test_a_failing_mail_server_is_reported_on_the_job_and_keeps_no_unsent_link(
    personas, tokyo, settings
):
    from core.models import Job, JobState

    settings.EMAIL_BACKEND = "surveys.tests.failing_mail.Backend"
    campaign = make_campaign(tokyo, launch=False)
    result = campaigns.launch(campaign, user=personas["admin"], base_url="http://x/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN and result.emailed
    job = Job.objects.get(kind="survey_mail")
    assert job.state == JobState.FAILED and job.error and job.may_retry
    assert Recipient.objects.count() == result.recipients and not Link.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from core import jobs

    assert jobs.retry(job)
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and len(mail.outbox) == result.emailed
    assert Link.objects.count() == result.emailed


def test_printed_sheets_carry_a_qr_code_and_a_working_link_per_recipient(client_for, tokyo):
    campaign = make_campaign(tokyo, recipients=4)
    page = client_for("tokyo_coordinator").post(
        reverse("surveys:campaign_sheets", args=[campaign.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="sheet"') == 2  # those without an email address
    assert html.count("<svg") >= 2
    token = html.split("http://testserver/s/", 1)[1].split("/", 1)[0]
    assert client_for("tokyo_coordinator").get(f"/s/{token}/").status_code == 200
    everyone = client_for("tokyo_coordinator").post(
        reverse("surveys:campaign_sheets", args=[campaign.pk]), {"everyone": "1"}
    )
    assert everyone.content.decode().count('data-testid="sheet"') == 4


def test_a_reminder_goes_to_everyone_with_an_address_answered_or_not(client_for, tokyo):
    from conftest import answer_survey, survey_tokens

    campaign = make_campaign(tokyo, recipients=4)
    with_email = campaign.recipients.exclude(email="").order_by("id")
    token = dict(zip(campaign.recipients.order_by("id"), survey_tokens(campaign), strict=True))[
        with_email[0]
    ]
    answer_survey(token, overall=5, usefulness=5, progress=1, recommend=5, attitude=5)
    mail.outbox.clear()
    response = client_for("tokyo_manager").post(
        reverse("surveys:campaign_send", args=[campaign.pk]), {"reminder": "1"}, follow=True
    )
    # Whoever reads a recipient's mailbox learns nothing from whether a reminder came.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in with_email)
    with translation.override("ja"):  # the recipients read Japanese
        note = gettext(
            "A reminder: if you have already answered, thank you very much; you need not "
            "answer again (only the first answers sent for you are counted)."
        )
    assert all(note in m.body for m in mail.outbox)
    text = response.content.decode()
    assert "Reminders are being emailed to 2 recipients, whether they have answered or not" in text


def test_partner_institutions_with_an_address_get_their_link_by_email(personas, tokyo):
    emailed = make_institution(tokyo)
    emailed.email = "renkei@shokokai.example.jp"
    emailed.save()
    on_paper = make_institution(tokyo)
    campaign = draft(tokyo, personas, kind="institution")
    result = campaigns.launch(campaign, user=personas["tokyo_manager"], base_url="http://x/")
    assert (result.emailed, result.to_print) == (1, 1)
    assert [m.to for m in mail.outbox] == [["renkei@shokokai.example.jp"]]
    assert tokyo.name in mail.outbox[0].subject
    by_institution = dict(campaign.recipients.values_list("institution_id", "email"))
    assert by_institution == {emailed.pk: "renkei@shokokai.example.jp", on_paper.pk: ""}


def test_the_institution_form_keeps_an_email_address(client_for, tokyo):
    from organizations.models import SupportInstitution, SupportInstitutionType

    page = client_for("tokyo_manager").post(
        reverse("organizations:institution_create"),
        {
            "name": "新宿商工会",
            "institution_type": SupportInstitutionType.objects.get(name="商工会").pk,
            "prefecture": tokyo.prefecture.pk,
            "email": "not an address",
            "is_active": "on",
        },
    )
    assert page.status_code == 200 and "Enter a valid email address." in page.content.decode()
    assert not SupportInstitution.objects.filter(name="新宿商工会").exists()


def test_a_client_of_two_centers_gets_one_link_per_center_that_names_it(
    personas, client, tokyo, osaka
):
    person = make_client(tokyo, survey_consent=True, email="futatsu@example.jp")
    make_session(person, datetime.date(2025, 5, 1))
    make_session(person, datetime.date(2025, 6, 1), center=osaka)
    campaign = draft(None, personas)
    campaigns.launch(campaign, user=personas["admin"], base_url="http://testserver/")

    assert sorted(campaign.recipients.values_list("center__code", flat=True)) == ["13", "27"]
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        center = tokyo if tokyo.name in message.subject else osaka
        other = osaka if center == tokyo else tokyo
        assert center.name in message.body and other.name not in message.body
        url = next(line for line in message.body.splitlines() if "/s/" in line).strip()
        page = client.get(url.replace("http://testserver", "")).content.decode()
        about = page.split('data-testid="survey-center">', 1)[1].split("</p>", 1)[0]
        assert center.name in about and other.name not in about


def test_a_closed_campaign_hands_out_no_more_links(personas, tokyo):
    campaign = make_campaign(tokyo)
    campaigns.close(campaign, user=personas["tokyo_manager"])
    with pytest.raises(StepRefused, match="not open"):
        campaigns.print_links(campaign, user=personas["tokyo_manager"])


def test_a_center_manager_cannot_create_a_nationwide_campaign(client_for, tokyo):
    from planning.models import FiscalYear

    year = FiscalYear.objects.create(year=2025)
    template = SurveyTemplate.objects.get(code="client-satisfaction")
    data = {
        "kind": "client",
        "template": template.pk,
        "fiscal_year": year.pk,
        "center": "",
        "name": "全国調査",
        "period_start": "2025-04-01",
        "period_end": "2026-03-31",
        "closes_on": "2026-05-31",
        "invitation": "お願い",
    }
    manager = client_for("tokyo_manager")
    page = manager.post(reverse("surveys:campaign_create"), data)
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    assert not Campaign.objects.exists()
    created = manager.post(reverse("surveys:campaign_create"), {**data, "center": tokyo.pk})
    assert created.status_code == 302
    assert Campaign.objects.get().center == tokyo


def test_the_campaign_form_reports_a_template_of_another_kind_and_a_reversed_period(
    client_for, tokyo
):
    from planning.models import FiscalYear

    year = FiscalYear.objects.create(year=2025)
    page = client_for("admin").post(
        reverse("surveys:campaign_create"),
        {
            "kind": "client",
            "template": SurveyTemplate.objects.get(code="institution-evaluation").pk,
            "fiscal_year": year.pk,
            "center": tokyo.pk,
            "name": "調査",
            "period_start": "2025-09-01",
            "period_end": "2025-04-01",
            "closes_on": "2026-05-31",
            "invitation": "お願い",
        },
    )
    text = page.content.decode()
    assert "This template is for another kind of survey." in text
    assert "The end of the period is before its start." in text
    assert not Campaign.objects.exists()


def test_a_launched_campaign_changes_only_its_name_expiry_and_text(client_for, tokyo, osaka):
    campaign = make_campaign(tokyo)
    version, fiscal_year = campaign.version, campaign.fiscal_year
    response = client_for("tokyo_manager").post(
        reverse("surveys:campaign_update", args=[campaign.pk]),
        {
            "kind": "institution",
            "center": osaka.pk,
            "name": "改名した調査",
            "period_start": "2025-10-01",
            "period_end": "2025-12-31",
            "closes_on": "2027-01-31",
            "invitation": "新しい依頼文",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.closes_on.isoformat(), campaign.invitation) == (
        "改名した調査",
        "2027-01-31",
        "新しい依頼文",
    )
    assert (campaign.kind, campaign.center, campaign.period_start) == (
        "client",
        tokyo,
        datetime.date(2025, 4, 1),
    )
    assert campaign.version == version and campaign.fiscal_year == fiscal_year
