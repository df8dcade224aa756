"""Selection-round workflow: each step one transactional function that records who and when.

set up (bureau: committee, criteria, candidates) → scoring (members declare
conflicts, then score, then submit) → all scores in (closed automatically when
the last member submits) → decided (bureau: nominate a candidate, or no one,
with the reason; a nomination creates the term, ``terms.appoint_chief``).

An illegal step raises ``TransitionError`` with a message for the user and
changes nothing.
"""

import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import UserRole
from core.scoping import role_of
from organizations.models import Center, Person

from .models import (
    BUREAU,
    COMMITTEE,
    DEFAULT_CRITERIA,
    SCORE_MAX,
    SCORE_MIN,
    Candidate,
    CandidateDocument,
    CommitteeMember,
    Criterion,
    Decision,
    MemberSource,
    RoundEvent,
    RoundKind,
    RoundStatus,
    ScoreEntry,
    Scoresheet,
    SelectionRound,
)
from .terms import TransitionError, appoint_chief, current_chief, term_problems

__all__ = ["TransitionError"]
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def _save(obj, user):
    obj._history_user = user
    obj.save()


def _lock(round_: SelectionRound, user) -> SelectionRound:
    """The round, locked, if it is in the bureau user's scope."""
    if role_of(user) not in BUREAU:
        raise TransitionError(_("Only the bureau can change a selection round."))
    locked = (
        SelectionRound.objects.for_user(user)
        .select_for_update(of=("self",))
        .filter(pk=round_.pk)
        .first()
    )
    if locked is None:
        raise TransitionError(_("This selection round is outside your scope."))
    return locked


def _setup(round_: SelectionRound, user) -> SelectionRound:
    locked = _lock(round_, user)
    if not locked.in_setup:
        raise TransitionError(
            _("Scoring has started: the committee, criteria and candidates can no longer change.")
        )
    return locked


def _event(round_, user, action, to=None, note=""):
    RoundEvent.objects.create(
        round=round_,
        action=action,
        from_status=round_.status,
        to_status=to or round_.status,
        user=user,
        note=note,
    )
    if to:
        round_.status = to


def _term_dates(start, end):
    problems = term_problems(start, end)
    if problems:
        raise TransitionError(" ".join(problems.values()))


# --- Setting up -------------------------------------------------------------------------


@transaction.atomic
def create_round(
    *, center: Center, kind: str, term_start: datetime.date, term_end: datetime.date, user, notes=""
) -> SelectionRound:
    """A new round with the default criteria; a renewal starts with the sitting chief as candidate."""
    if role_of(user) not in BUREAU:
        raise TransitionError(_("Only the bureau can start a selection round."))
    if not Center.objects.for_user(user).filter(pk=center.pk).exists():
        raise TransitionError(_("This center is outside your scope."))
    _term_dates(term_start, term_end)
    sitting = current_chief(center)
    if kind == RoundKind.RENEWAL and sitting is None:
        raise TransitionError(_("This center has no chief coordinator in office to renew."))
    round_ = SelectionRound(
        center=center,
        kind=kind,
        term_start=term_start,
        term_end=term_end,
        notes=notes,
        created_by=user,
        current_assignment=sitting if kind == RoundKind.RENEWAL else None,
    )
    _save(round_, user)
    for order, (name, description, weight) in enumerate(DEFAULT_CRITERIA):
        _save(
            Criterion(round=round_, name=name, description=description, weight=weight, order=order),
            user,
        )
    if kind == RoundKind.RENEWAL:
        person = sitting.person
        candidate = Candidate(
            round=round_,
            person=person,
            name=person.name,
            kana=person.kana,
            current_position=_("Chief coordinator of %(center)s since %(date)s")
            % {"center": center.name, "date": sitting.start_date.isoformat()},
        )
        _save(candidate, user)
        candidate.qualifications.set(person.qualifications.all())
    _event(round_, user, "create")
    return round_


@transaction.atomic
def update_round(round_: SelectionRound, *, user, term_start, term_end, notes="") -> SelectionRound:
    round_ = _setup(round_, user)
    _term_dates(term_start, term_end)
    round_.term_start, round_.term_end, round_.notes = term_start, term_end, notes
    _save(round_, user)
    return round_


def criteria_problems(rows: list[dict]) -> list[str]:
    problems = []
    kept = [r for r in rows if not r.get("delete")]
    if not kept:
        problems.append(_("Keep at least one criterion."))
    names = [r["name"].strip() for r in kept]
    if any(not n for n in names):
        problems.append(_("Every criterion needs a name."))
    if len(names) != len(set(names)):
        problems.append(_("Two criteria have the same name."))
    if any(not (1 <= (r.get("weight") or 0) <= 100) for r in kept):
        problems.append(_("A weight is a whole number from 1 to 100."))
    return problems


@transaction.atomic
def save_criteria(round_: SelectionRound, *, user, rows: list[dict]) -> SelectionRound:
    """Replace the round's criteria: rows of {id (or None), name, description, weight, delete}."""
    round_ = _setup(round_, user)
    problems = criteria_problems(rows)
    if problems:
        raise TransitionError(" ".join(problems))
    existing = {c.pk: c for c in round_.criteria.all()}
    kept_ids = {r["id"] for r in rows if r.get("id") and not r.get("delete")}
    for pk, criterion in existing.items():
        if pk not in kept_ids:
            criterion._history_user = user
            criterion.delete()
    # Names are unique per round: park the kept ones first so that a swap of names saves.
    for pk in kept_ids & set(existing):
        Criterion.objects.filter(pk=pk).update(name=f"#{pk}")
    for order, row in enumerate(r for r in rows if not r.get("delete")):
        criterion = existing.get(row.get("id")) or Criterion(round=round_)
        criterion.name = row["name"].strip()
        criterion.description = row.get("description", "").strip()
        criterion.weight = row["weight"]
        criterion.order = order
        _save(criterion, user)
    return round_


@transaction.atomic
def add_member(round_: SelectionRound, *, user, member, source: str, affiliation: str = ""):
    round_ = _setup(round_, user)
    if role_of(member) != UserRole.COMMITTEE_MEMBER or not member.is_active:
        raise TransitionError(_("Only an active review-committee account can sit on a committee."))
    if round_.members.filter(user=member).exists():
        raise TransitionError(_("%(name)s already sits on this committee.") % {"name": member})
    seat = CommitteeMember(round=round_, user=member, source=source, affiliation=affiliation)
    _save(seat, user)
    return seat


@transaction.atomic
def remove_member(seat: CommitteeMember, *, user) -> None:
    """Take a member off the committee: freely during the setup; during scoring only a
    member who has not submitted (say, one who fell ill), whose unsubmitted sheets go.
    If everyone left has submitted, the round closes."""
    round_ = _lock(seat.round, user)
    if round_.status not in (RoundStatus.SETUP, RoundStatus.SCORING):
        raise TransitionError(_("The scoring is over: the committee can no longer change."))
    if round_.status == RoundStatus.SCORING:
        seat = CommitteeMember.objects.select_for_update(of=("self",)).get(pk=seat.pk)
        if seat.submitted_at:
            raise TransitionError(
                _("A member who has submitted stays on the committee: their scores count.")
            )
        if not round_.members.exclude(pk=seat.pk).exists():
            raise TransitionError(_("The committee cannot be left without members."))
        _event(round_, user, "withdraw", note=str(seat.user))
    seat._history_user = user
    seat.delete()
    if (
        round_.status == RoundStatus.SCORING
        and not round_.members.filter(submitted_at__isnull=True).exists()
    ):
        _event(round_, user, "close", to=RoundStatus.CLOSED)
        round_.closed_at = timezone.now()
        _save(round_, user)


@transaction.atomic
def save_candidate(
    round_: SelectionRound, *, user, candidate: Candidate | None = None, qualifications=(), **fields
) -> Candidate:
    """Create or change a candidate (name, kana, person, current_position, career, note)."""
    round_ = _setup(round_, user)
    if candidate is not None and candidate.round_id != round_.pk:
        raise TransitionError(_("This candidate belongs to another round."))
    if not (fields.get("name") or "").strip():
        raise TransitionError(_("Enter the candidate's name."))
    person = fields.get("person")
    if person is not None:
        others = round_.candidates.filter(person=person)
        if candidate is not None:
            others = others.exclude(pk=candidate.pk)
        if others.exists():
            raise TransitionError(_("This staff member is already a candidate in this round."))
    candidate = candidate or Candidate(round=round_)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _save(candidate, user)
    candidate.qualifications.set(qualifications)
    return candidate


@transaction.atomic
def remove_candidate(candidate: Candidate, *, user) -> None:
    _setup(candidate.round, user)
    candidate._history_user = user
    candidate.delete()


@transaction.atomic
def add_document(candidate: Candidate, *, user, title: str, upload) -> CandidateDocument:
    _setup(candidate.round, user)
    if upload.size > MAX_DOCUMENT_BYTES:
        raise TransitionError(_("A document can be at most 10 MB."))
    document = CandidateDocument(
        candidate=candidate,
        title=title.strip() or upload.name,
        filename=upload.name,
        content_type=getattr(upload, "content_type", None) or "application/octet-stream",
        size=upload.size,
        content=upload.read(),
        uploaded_by=user,
    )
    _save(document, user)
    return document


@transaction.atomic
def remove_document(document: CandidateDocument, *, user) -> None:
    _setup(document.candidate.round, user)
    document._history_user = user
    document.delete()


def start_problems(round_: SelectionRound) -> list[str]:
    problems = []
    if not round_.criteria.exists():
        problems.append(_("Add at least one criterion."))
    if not round_.candidates.exists():
        problems.append(_("Add at least one candidate."))
    if not round_.members.filter(source=MemberSource.ADVISORY_BOARD).exists():
        problems.append(_("The committee needs at least one member from the advisory board."))
    return problems


@transaction.atomic
def start_scoring(round_: SelectionRound, *, user) -> SelectionRound:
    """Freeze the setup and give every member a scoresheet per candidate."""
    round_ = _setup(round_, user)
    problems = start_problems(round_)
    if problems:
        raise TransitionError(" ".join(problems))
    candidates = list(round_.candidates.all())
    for seat in round_.members.all():
        for candidate in candidates:
            _save(Scoresheet(member=seat, candidate=candidate), user)
    _event(round_, user, "start", to=RoundStatus.SCORING)
    _save(round_, user)
    return round_


# --- Scoring (committee members, each on their own sheets) -------------------------------


def _my_seat(seat: CommitteeMember, user) -> CommitteeMember:
    """The member's own seat, locked, while they may still score."""
    if role_of(user) != COMMITTEE or seat.user_id != user.pk:
        raise TransitionError(_("Only the member can declare and score on their own behalf."))
    locked = (
        CommitteeMember.objects.select_for_update(of=("self",))
        .select_related("round")
        .get(pk=seat.pk)
    )
    if locked.round.status != RoundStatus.SCORING:
        raise TransitionError(_("This round is not open for scoring."))
    if locked.submitted_at:
        raise TransitionError(
            _("You have already submitted your scores; they can no longer change.")
        )
    return locked


@transaction.atomic
def declare_conflicts(seat: CommitteeMember, *, user, declarations: dict) -> CommitteeMember:
    """Record the member's declaration for every candidate: {candidate id: (conflict, reason)}."""
    seat = _my_seat(seat, user)
    sheets = {s.candidate_id: s for s in seat.sheets.select_related("candidate")}
    missing = [s.candidate.name for cid, s in sheets.items() if cid not in declarations]
    if missing:
        raise TransitionError(
            _("Declare whether you have a conflict of interest with: %(names)s.")
            % {"names": "、".join(missing)}
        )
    for candidate_id, (conflict, reason) in declarations.items():
        if candidate_id not in sheets:
            raise TransitionError(_("That candidate is not in this round."))
        if conflict and not reason.strip():
            raise TransitionError(
                _("Describe your conflict of interest with %(name)s.")
                % {"name": sheets[candidate_id].candidate.name}
            )
    for candidate_id, (conflict, reason) in declarations.items():
        sheet = sheets[candidate_id]
        sheet.conflict = bool(conflict)
        sheet.conflict_reason = reason.strip() if conflict else ""
        _save(sheet, user)
    seat.declared_at = timezone.now()
    _save(seat, user)
    return seat


@transaction.atomic
def save_scores(sheet: Scoresheet, *, user, scores: dict, comment: str = "") -> Scoresheet:
    """The member's scores for one candidate: {criterion id: 1–5} for every criterion."""
    seat = _my_seat(sheet.member, user)
    sheet = Scoresheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk, member=seat)
    if sheet.conflict is None:
        raise TransitionError(_("Declare your conflicts of interest before scoring."))
    if sheet.conflict:
        raise TransitionError(
            _("You declared a conflict of interest with this candidate: you do not score them.")
        )
    criteria = {c.pk: c for c in seat.round.criteria.all()}
    if set(scores) != set(criteria):
        raise TransitionError(_("Score every criterion."))
    if any(not (SCORE_MIN <= int(v) <= SCORE_MAX) for v in scores.values()):
        raise TransitionError(_("A score is a whole number from 1 to 5."))
    for criterion_id, value in scores.items():
        entry = sheet.entries.filter(criterion_id=criterion_id).first() or ScoreEntry(
            sheet=sheet, criterion=criteria[criterion_id]
        )
        entry.value = int(value)
        _save(entry, user)
    sheet.comment = comment.strip()
    sheet.scored_at = timezone.now()
    _save(sheet, user)
    return sheet


def submission_problems(seat: CommitteeMember) -> list[str]:
    if seat.declared_at is None:
        return [_("Declare your conflicts of interest first.")]
    criteria = seat.round.criteria.count()
    unscored = (
        seat.sheets.filter(conflict=False)
        .annotate(scored=Count("entries"))
        .exclude(scored=criteria)
        .values_list("candidate__name", flat=True)
    )
    if unscored:
        return [_("Score every criterion for: %(names)s.") % {"names": "、".join(unscored)}]
    return []


@transaction.atomic
def submit_scores(seat: CommitteeMember, *, user) -> CommitteeMember:
    """Seal the member's scores; the last member to submit closes the round."""
    seat = _my_seat(seat, user)
    problems = submission_problems(seat)
    if problems:
        raise TransitionError(" ".join(problems))
    seat.submitted_at = timezone.now()
    _save(seat, user)
    round_ = SelectionRound.objects.select_for_update(of=("self",)).get(pk=seat.round_id)
    _event(round_, user, "submit")
    if not round_.members.filter(submitted_at__isnull=True).exists():
        _event(round_, user, "close", to=RoundStatus.CLOSED)
        round_.closed_at = timezone.now()
        _save(round_, user)
    return seat


# --- Decision ----------------------------------------------------------------------------


@transaction.atomic
def decide(
    round_: SelectionRound,
    *,
    user,
    nominee: Candidate | None,
    reason: str,
    staff_code: str = "",
) -> SelectionRound:
    """Record the bureau's decision; a nomination creates the chief coordinator's term.

    A nominee without a staff record gets one (``staff_code`` is then required).
    """
    round_ = _lock(round_, user)
    if round_.status == RoundStatus.DECIDED:
        raise TransitionError(_("The decision on this round has already been recorded."))
    if round_.status != RoundStatus.CLOSED:
        raise TransitionError(_("The decision waits until every committee member has submitted."))
    if not reason.strip():
        raise TransitionError(_("Give the reason for the decision."))
    if nominee is not None and nominee.round_id != round_.pk:
        raise TransitionError(_("The nominee must be a candidate of this round."))
    round_.decision = Decision.NOMINATE if nominee else Decision.NONE
    round_.nominee = nominee
    round_.decision_reason = reason.strip()
    round_.decided_by, round_.decided_at = user, timezone.now()
    if nominee is not None:
        person = nominee.person or _new_person(nominee, staff_code, user)
        appoint_chief(
            center=round_.center,
            person=person,
            start=round_.term_start,
            end=round_.term_end,
            user=user,
            selection_round=round_,
        )
    _event(round_, user, "decide", to=RoundStatus.DECIDED, note=round_.decision_reason)
    _save(round_, user)
    return round_


def _new_person(candidate: Candidate, staff_code: str, user) -> Person:
    code = staff_code.strip()
    if not code:
        raise TransitionError(
            _("%(name)s has no staff record yet: enter the staff code to create it.")
            % {"name": candidate.name}
        )
    if Person.objects.filter(staff_code=code).exists():
        raise TransitionError(
            _(
                "The staff code %(code)s is already in use; link the candidate to that staff record instead."
            )
            % {"code": code}
        )
    person = Person(staff_code=code, name=candidate.name, kana=candidate.kana)
    _save(person, user)
    person.qualifications.set(candidate.qualifications.all())
    candidate.person = person
    _save(candidate, user)
    return person
