"""Campaign workflow: draft → open (recipients drawn, links issued) → closed.

The steps are declared once (``CAMPAIGN``) and taken through ``core.workflow``; a step
that is not allowed raises ``StepRefused`` with a message for the user and changes nothing. Links are issued
here and only here: a token is made, its SHA-256 stored, and the token itself handed
back to the caller that puts it in an email or on a sheet.

Nothing here acts on whether a recipient has answered: emails, reminders and printed
sheets go to every recipient chosen by address and channel alone, and every link opens
the questionnaire whether or not its recipient has answered (``answering``). So no
sequence of handing out and opening links tells the center who has answered.
"""

import datetime
import hashlib
import random
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.models import Consultation
from core import roles
from core.scoping import role_of, scope_centers, users_for_center
from core.workflow import Step, StepRefused, Workflow, register
from organizations.models import Center, SupportInstitution

from .models import (
    DELIVERY_ROLES,
    Campaign,
    CampaignStatus,
    Channel,
    Link,
    Recipient,
    SurveyKind,
)
from .releases import release_campaign

# 32 random bytes: 256 bits, URL-safe base64 (43 characters).
TOKEN_BYTES = 32

DEFAULT_INVITATION = {
    SurveyKind.CLIENT: (
        "よろず支援拠点をご利用いただき、誠にありがとうございました。\n"
        "支援の質を高めるため、顧客満足度調査へのご協力をお願いいたします。"
        "下記のリンク（またはQRコード）から、3分ほどで回答できます。\n"
        "回答は匿名で集計され、どなたが回答したかは拠点にはわかりません。"
    ),
    SurveyKind.INSTITUTION: (
        "日頃よりよろず支援拠点との連携にご協力いただき、誠にありがとうございます。\n"
        "今年度の連携について、貴機関のご評価をお聞かせください。"
        "下記のリンク（またはQRコード）から回答できます。回答は匿名で集計されます。"
    ),
}


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def answer_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("answer:answer", args=[token])


def _center_of(campaign) -> list:
    if campaign.center_id is None:
        return []
    return users_for_center(campaign.center, roles.CENTER_STAFF)


CAMPAIGN = register(
    Workflow(
        name="surveys.campaign",
        label=gettext_lazy("Survey campaign"),
        model=Campaign,
        states=CampaignStatus.choices,
        steps=[
            Step(
                "launch",
                gettext_lazy("Launch the campaign"),
                frozenset({CampaignStatus.DRAFT}),
                CampaignStatus.OPEN,
                roles.editors("surveys.Campaign"),
                notify=_center_of,
            ),
            Step(
                "close",
                gettext_lazy("Close the campaign"),
                frozenset({CampaignStatus.OPEN}),
                CampaignStatus.CLOSED,
                roles.editors("surveys.Campaign"),
                notify=_center_of,
                done=gettext_lazy("The campaign is closed; its links no longer work."),
            ),
        ],
        explain=lambda campaign, step, state: {
            "launch": _("Only a draft campaign can be launched."),
            "close": _("Only an open campaign can be closed."),
        }[step.name],
    )
)


@dataclass
class Candidate:
    center_id: int
    client_id: int | None = None
    institution_id: int | None = None
    email: str = ""


def candidates(campaign: Campaign) -> dict[int, list[Candidate]]:
    """Who may be asked, by center: clients who consented and had a session at the
    center in the campaign's period, or the active partner institutions of the
    center's prefecture."""
    centers = (
        Center.objects.filter(pk=campaign.center_id) if campaign.center_id else Center.objects.all()
    )
    found: dict[int, list[Candidate]] = {}
    if campaign.kind == SurveyKind.CLIENT:
        rows = (
            Consultation.objects.filter(
                center__in=centers,
                date__gte=campaign.period_start,
                date__lte=campaign.period_end,
                client__survey_consent=True,
            )
            .values_list("center_id", "client_id", "client__email")
            .distinct()
            .order_by("center_id", "client_id")
        )
        for center_id, client_id, email in rows:
            found.setdefault(center_id, []).append(
                Candidate(center_id, client_id=client_id, email=email or "")
            )
    else:
        rows = (
            SupportInstitution.objects.filter(is_active=True, prefecture__center__in=centers)
            .values_list("prefecture__center", "pk", "email")
            .order_by("prefecture__center", "pk")
        )
        for center_id, institution_id, email in rows:
            found.setdefault(center_id, []).append(
                Candidate(center_id, institution_id=institution_id, email=email or "")
            )
    return found


def draw(campaign: Campaign, rng: random.Random | None = None) -> list[Candidate]:
    """All candidates, or a random sample of ``sample_size`` per center."""
    rng = rng or random.SystemRandom()
    drawn = []
    for _center, people in sorted(candidates(campaign).items()):
        if campaign.sample_size and len(people) > campaign.sample_size:
            people = rng.sample(people, campaign.sample_size)
        drawn += people
    return drawn


@dataclass
class LaunchPreview:
    candidates: int
    with_email: int
    recipients: int
    # Exact when everyone is asked; with a random sample, known only once drawn.
    emailed: int | None


def launch_preview(campaign: Campaign) -> LaunchPreview:
    """What launching would do, counted before anything is written: the launch page
    asks for confirmation with these numbers (e-mails cannot be called back)."""
    by_center = candidates(campaign)
    people = [person for group in by_center.values() for person in group]
    sample = campaign.sample_size
    recipients = sum(min(len(g), sample) if sample else len(g) for g in by_center.values())
    with_email = sum(1 for person in people if person.email)
    sampled = any(sample and len(g) > sample for g in by_center.values())
    return LaunchPreview(
        candidates=len(people),
        with_email=with_email,
        recipients=recipients,
        emailed=None if sampled else with_email,
    )


@dataclass
class LaunchResult:
    recipients: int
    emailed: int
    to_print: int


def launch(campaign: Campaign, *, user, base_url: str, today=None, rng=None) -> LaunchResult:
    """Draw the recipients, freeze the template version, open the campaign and queue the
    e-mails of the recipients who have an address (a "survey_mail" job, sent by a worker:
    a failure there is reported on the job's page and tried again, the campaign stays
    open and its links issued so far work)."""
    with transaction.atomic():
        with CAMPAIGN.taking(campaign, "launch", user=user) as taken:
            drawn = _launch(taken.obj, today=today, rng=rng)
        # Queued once the step has saved the campaign open: the job reads it.
        emailed = queue_emails(
            taken.obj, taken.obj.recipients.exclude(email=""), user=user, base_url=base_url
        )
    return LaunchResult(recipients=drawn, emailed=emailed, to_print=drawn - emailed)


def _launch(campaign: Campaign, *, today, rng) -> int:
    today = today or timezone.localdate()
    if campaign.closes_on < today:
        raise StepRefused(_("The expiry date of the links is in the past."))
    version = campaign.template.current_version()
    if version is None or not version.questions.exists():
        raise StepRefused(_("The template has no questions."))
    drawn = draw(campaign, rng)
    if not drawn:
        raise StepRefused(
            _("Nobody to ask: no client who consented to surveys had a session in the period.")
            if campaign.kind == SurveyKind.CLIENT
            else _("Nobody to ask: the center has no active partner institutions.")
        )
    Recipient.objects.bulk_create(
        Recipient(
            campaign=campaign,
            center_id=c.center_id,
            client_id=c.client_id,
            institution_id=c.institution_id,
            email=c.email,
        )
        for c in drawn
    )
    campaign.version = version
    campaign.launched_at = timezone.now()
    return len(drawn)


def close(campaign: Campaign, *, user) -> None:
    """Stop the answers; the ones held back until tomorrow count from now on."""
    with CAMPAIGN.taking(campaign, "close", user=user) as taken:
        taken.obj.closed_at = timezone.now()
        taken.obj.status = CampaignStatus.CLOSED
        release_campaign(taken.obj)


def delivery_centers(campaign: Campaign, user):
    """Centers whose recipients the user may hand links to, or StepRefused."""
    if role_of(user) not in DELIVERY_ROLES:
        raise StepRefused(_("Your role does not hand out survey links."))
    campaign.refresh_from_db(fields=["status", "closes_on"])
    if not campaign.accepts_answers():
        raise StepRefused(_("The campaign is not open for answers."))
    centers = scope_centers(user)
    if campaign.center_id:
        centers = centers.filter(pk=campaign.center_id)
    return centers


def issue(recipients, channel: str) -> list[tuple[Recipient, str]]:
    """A new link for each recipient; returns (recipient, token) pairs. Earlier links
    keep working: whichever is used first answers for the recipient."""
    pairs = [(recipient, new_token()) for recipient in recipients]
    Link.objects.bulk_create(
        Link(recipient=recipient, token_hash=token_hash(token), channel=channel)
        for recipient, token in pairs
    )
    return pairs


def _send(campaign: Campaign, recipients, base_url: str, *, reminder: bool = False) -> int:
    recipients = list(recipients.select_related("center", "client", "institution"))
    if not recipients:
        return 0
    version = campaign.version
    messages = []
    # The recipients read Japanese, whatever language the sender's screen is in.
    with translation.override(settings.LANGUAGE_CODE):
        for recipient, token in issue(recipients, Channel.EMAIL):
            context = {
                "campaign": campaign,
                "center": recipient.center,
                "title": version.title,
                "url": answer_url(base_url, token),
                "reminder": reminder,
            }
            messages.append(
                EmailMessage(
                    subject=f"【{recipient.center.name}】{version.title}",
                    body=render_to_string("surveys/email/invitation.txt", context),
                    to=[recipient.email],
                )
            )
    with get_connection() as connection:
        connection.send_messages(messages)
    return len(messages)


@transaction.atomic
def send_emails(campaign: Campaign, *, user, base_url: str, reminder: bool = False) -> int:
    """Queue e-mails with new links to the recipients with an address in the user's scope
    (a job: ``queue_emails``); how many. A reminder goes to every one of them too,
    answered or not (whoever reads a mailbox must not learn who has answered from whether
    a reminder came), and says that those who have answered need not answer again."""
    centers = delivery_centers(campaign, user)
    recipients = campaign.recipients.filter(center__in=centers).exclude(email="")
    return queue_emails(campaign, recipients, user=user, base_url=base_url, reminder=reminder)


MAIL_BATCH = 100


def queue_emails(campaign: Campaign, recipients, *, user, base_url: str, reminder=False) -> int:
    """A "survey_mail" job that e-mails ``recipients`` (as they are now) a new link each;
    the number of recipients."""
    from core import jobs

    ids = list(recipients.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    title = (
        _("Survey reminders: %(campaign)s") if reminder else _("Survey invitations: %(campaign)s")
    )
    jobs.create(
        user=user,
        kind="survey_mail",
        title=title % {"campaign": campaign},
        params={
            "campaign": campaign.pk,
            "recipients": ids,
            "base_url": base_url,
            "reminder": reminder,
            "done": 0,
        },
    )
    return len(ids)


def run_survey_mail(ctx) -> None:
    """Send a campaign's e-mails in batches; each batch's links are kept only if its
    e-mails went out (one transaction), and a retry starts after the last batch sent."""
    from core import jobs
    from core.models import Job

    campaign = Campaign.objects.select_related("version").get(pk=ctx.params["campaign"])
    if not campaign.accepts_answers():
        raise jobs.JobFailed(_("The campaign is not open for answers."), retry=False)
    ids = ctx.params["recipients"]
    done = ctx.params.get("done", 0)
    for start in range(done, len(ids), MAIL_BATCH):
        batch = campaign.recipients.filter(pk__in=ids[start : start + MAIL_BATCH]).order_by("pk")
        with transaction.atomic():
            _send(campaign, batch, ctx.params["base_url"], reminder=ctx.params["reminder"])
        done = min(start + MAIL_BATCH, len(ids))
        ctx.job.params = {**ctx.job.params, "done": done}
        Job.objects.filter(pk=ctx.job.pk).update(params=ctx.job.params)
        ctx.progress(
            100 * done / len(ids),
            _("%(done)s of %(total)s e-mails sent")
            % {"done": f"{done:,}", "total": f"{len(ids):,}"},
        )
    ctx.message(_("%(count)s e-mails sent.") % {"count": f"{len(ids):,}"})


@transaction.atomic
def print_links(campaign: Campaign, *, user, everyone: bool = False, center=None):
    """Links for printed sheets: for the recipients without an email address (or
    everyone) in the user's scope. Everyone gets a sheet, answered or not, and every new
    link behaves like any other (see the module docstring)."""
    centers = delivery_centers(campaign, user)
    if center is not None:
        centers = centers.filter(pk=center.pk)
    recipients = campaign.recipients.filter(center__in=centers).select_related(
        "center", "client", "institution"
    )
    if not everyone:
        recipients = recipients.filter(email="")
    return issue(list(recipients.order_by("center__code", "id")), Channel.PRINT)


def default_dates(fiscal_year) -> dict[str, datetime.date]:
    """A campaign's default period (the fiscal year) and expiry (six weeks from today)."""
    return {
        "period_start": fiscal_year.period.start,
        "period_end": fiscal_year.period.end,
        "closes_on": timezone.localdate() + datetime.timedelta(weeks=6),
    }
