"""Selection-round workflow: each step one transactional function that records who and when.

set up (bureau: committee, criteria, candidates) → scoring (members declare
conflicts, then score, then submit) → all scores in (closed automatically when
the last member submits) → decided (bureau: nominate a candidate, or no one,
with the reason; a nomination creates the term, ``terms.appoint_chief``).

The steps are declared once (``ROUND`` and, for a member's own seat, ``SEAT``) and
taken through ``core.workflow``; an illegal step raises ``StepRefused`` with a message
for the user and changes nothing.
"""

import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import roles
from core.scoping import VIEW, role_of, sits_on_board, users_for_center
from core.workflow import Step, StepRefused, Workflow, register
from organizations.models import Center, Person

from .models import (
    DEFAULT_CRITERIA,
    SCORE_MAX,
    SCORE_MIN,
    Candidate,
    CandidateDocument,
    CommitteeMember,
    Criterion,
    Decision,
    DecisionVersion,
    MemberSource,
    RoundKind,
    RoundStatus,
    ScoreEntry,
    Scoresheet,
    SelectionRound,
)
from .terms import appoint_chief, current_chief, follow_correction, term_problems

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
SETUP_CLOSED = gettext_lazy(
    "Scoring has started: the committee, criteria and candidates can no longer change."
)


def _save(obj, user):
    obj._history_user = user
    obj.save()


def _members_of(round_) -> list:
    return [seat.user for seat in round_.members.select_related("user")]


def _bureau_of(round_) -> list:
    return users_for_center(round_.center, roles.BUREAU)


def _round_explained(round_, step, state):
    if step.name == "decide":
        if state == RoundStatus.DECIDED:
            return _("The decision on this round has already been recorded.")
        return _("The decision waits until every committee member has submitted.")
    if step.name == "start":
        return str(SETUP_CLOSED)
    if step.name in ("withdraw", "close"):
        return _("The scoring is over: the committee can no longer change.")
    return _("This round is not open for scoring.")


ROUND = register(
    Workflow(
        name="selection.round",
        label=gettext_lazy("Selection round"),
        model=SelectionRound,
        states=RoundStatus.choices,
        # A committee member reaches the rounds they sit on (to submit); the bureau its own.
        scope_action=VIEW,
        explain=_round_explained,
        steps=[
            Step(
                "create",
                gettext_lazy("Start a selection round"),
                frozenset(),
                RoundStatus.SETUP,
                roles.BUREAU,
            ),
            Step(
                "start",
                gettext_lazy("Start the scoring"),
                frozenset({RoundStatus.SETUP}),
                RoundStatus.SCORING,
                roles.BUREAU,
                notify=_members_of,
                done=gettext_lazy(
                    "Scoring has started: the committee members can declare their conflicts and score."
                ),
            ),
            Step(
                "withdraw",
                gettext_lazy("Take a member off the committee"),
                frozenset({RoundStatus.SCORING}),
                None,
                roles.BUREAU,
            ),
            Step(
                "submit",
                gettext_lazy("A member submitted"),
                frozenset({RoundStatus.SCORING}),
                None,
                roles.COMMITTEE,
            ),
            Step(
                "close",
                gettext_lazy("All scores in"),
                frozenset({RoundStatus.SCORING}),
                RoundStatus.CLOSED,
                roles.BUREAU | roles.COMMITTEE,
                notify=_bureau_of,
            ),
            Step(
                "decide",
                gettext_lazy("Record the decision"),
                frozenset({RoundStatus.CLOSED}),
                RoundStatus.DECIDED,
                roles.BUREAU,
                reason_required=True,
                notify=_members_of,
                done=gettext_lazy("Decision recorded."),
            ),
            Step(
                "correct_decision",
                gettext_lazy("Correct the decision"),
                frozenset({RoundStatus.DECIDED}),
                None,
                roles.BUREAU,
                reason_required=True,
                notify=_members_of,
                done=gettext_lazy("Decision corrected; the earlier version is kept."),
            ),
        ],
    )
)


def _seat_state(seat) -> str:
    if seat.submitted_at:
        return "submitted"
    return {RoundStatus.SETUP: "waiting", RoundStatus.SCORING: "scoring"}.get(
        seat.round.status, "over"
    )


def _seat_explained(seat, step, state):
    if state == "submitted":
        return _("You have already submitted your scores; they can no longer change.")
    return _("This round is not open for scoring.")


def _own_seats(user):
    if role_of(user) not in roles.COMMITTEE:
        return CommitteeMember.objects.none()
    return CommitteeMember.objects.filter(user=user)


# A committee member's own seat: declare conflicts, score, submit.
SEAT = register(
    Workflow(
        name="selection.seat",
        label=gettext_lazy("Committee member's scoring"),
        model=CommitteeMember,
        states=[
            ("waiting", gettext_lazy("Waiting for the scoring")),
            ("scoring", pgettext_lazy("selection", "Scoring")),
            ("submitted", gettext_lazy("Submitted")),
            ("over", gettext_lazy("Scoring over")),
        ],
        state_field=None,
        state_of=_seat_state,
        scope=_own_seats,
        outside_scope=gettext_lazy("Only the member can declare and score on their own behalf."),
        explain=_seat_explained,
        steps=[
            Step(
                "declare",
                gettext_lazy("Declare conflicts of interest"),
                frozenset({"scoring"}),
                None,
                roles.COMMITTEE,
            ),
            Step(
                "score",
                gettext_lazy("Score a candidate"),
                frozenset({"scoring"}),
                None,
                roles.COMMITTEE,
            ),
            Step(
                "submit",
                gettext_lazy("Submit my scores"),
                frozenset({"scoring"}),
                "submitted",
                roles.COMMITTEE,
                notify=lambda seat: _bureau_of(seat.round),
            ),
        ],
    )
)


def _setup(round_: SelectionRound, user) -> SelectionRound:
    """The round, locked, while the bureau may still set it up."""
    locked = ROUND.lock(round_, user=user, roles=roles.BUREAU, action=_("Change a selection round"))
    if not locked.in_setup:
        raise StepRefused(SETUP_CLOSED)
    return locked


def _term_dates(start, end):
    problems = term_problems(start, end)
    if problems:
        raise StepRefused(" ".join(problems.values()))


# --- Setting up -------------------------------------------------------------------------


@transaction.atomic
def create_round(
    *, center: Center, kind: str, term_start: datetime.date, term_end: datetime.date, user, notes=""
) -> SelectionRound:
    """A new round with the default criteria; a renewal starts with the sitting chief as candidate."""
    ROUND.check_role("create", user)
    if not Center.objects.for_user(user).filter(pk=center.pk).exists():
        raise StepRefused(_("This center is outside your scope."))
    _term_dates(term_start, term_end)
    sitting = current_chief(center)
    if kind == RoundKind.RENEWAL and sitting is None:
        raise StepRefused(_("This center has no chief coordinator in office to renew."))
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
    ROUND.created(round_, "create", user=user)
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
        raise StepRefused(" ".join(problems))
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
    """Seat ``member`` on the committee. An advisory-board seat is for a sitting member of
    the board and is linked to their HQ staff record; the bureau's picks are committee
    accounts, with their affiliation."""
    round_ = _setup(round_, user)
    if role_of(member) not in roles.COMMITTEE or not member.is_active:
        raise StepRefused(_("Only an active review-committee account can sit on a committee."))
    if round_.members.filter(user=member).exists():
        raise StepRefused(_("%(name)s already sits on this committee.") % {"name": member})
    on_board = sits_on_board(member)
    if source == MemberSource.ADVISORY_BOARD and not on_board:
        raise StepRefused(
            _(
                "%(name)s is not a sitting member of the advisory board (an HQ staff record "
                "with a current advisory-board assignment)."
            )
            % {"name": member}
        )
    if source != MemberSource.ADVISORY_BOARD and role_of(member) in roles.BOARD:
        raise StepRefused(_("A member of the advisory board takes an advisory-board seat."))
    seat = CommitteeMember(
        round=round_,
        user=member,
        source=source,
        person=member.person if on_board else None,
        affiliation="" if on_board else affiliation.strip(),
    )
    _save(seat, user)
    return seat


@transaction.atomic
def remove_member(seat: CommitteeMember, *, user) -> None:
    """Take a member off the committee: freely during the setup; during scoring only a
    member who has not submitted (say, one who fell ill), whose unsubmitted sheets go.
    If everyone left has submitted, the round closes."""
    round_ = ROUND.lock(
        seat.round, user=user, roles=roles.BUREAU, action=_("Change a selection round")
    )
    if round_.in_setup:
        seat._history_user = user
        seat.delete()
        return
    with ROUND.taking(round_, "withdraw", user=user) as taken:
        seat = CommitteeMember.objects.select_for_update(of=("self",)).get(pk=seat.pk)
        if seat.submitted_at:
            raise StepRefused(
                _("A member who has submitted stays on the committee: their scores count.")
            )
        if not round_.members.exclude(pk=seat.pk).exists():
            raise StepRefused(_("The committee cannot be left without members."))
        taken.note = str(seat.user)
        seat._history_user = user
        seat.delete()
    _close_when_all_submitted(round_, user)


def _close_when_all_submitted(round_: SelectionRound, user) -> None:
    if not round_.members.filter(submitted_at__isnull=True).exists():
        with ROUND.taking(round_, "close", user=user) as taken:
            taken.obj.closed_at = timezone.now()


@transaction.atomic
def save_candidate(
    round_: SelectionRound, *, user, candidate: Candidate | None = None, qualifications=(), **fields
) -> Candidate:
    """Create or change a candidate (name, kana, person, current_position, career, note)."""
    round_ = _setup(round_, user)
    if candidate is not None and candidate.round_id != round_.pk:
        raise StepRefused(_("This candidate belongs to another round."))
    if not (fields.get("name") or "").strip():
        raise StepRefused(_("Enter the candidate's name."))
    person = fields.get("person")
    if person is not None:
        others = round_.candidates.filter(person=person)
        if candidate is not None:
            others = others.exclude(pk=candidate.pk)
        if others.exists():
            raise StepRefused(_("This staff member is already a candidate in this round."))
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
        raise StepRefused(_("A document can be at most 10 MB."))
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


def start_scoring(round_: SelectionRound, *, user) -> SelectionRound:
    """Freeze the setup and give every member a scoresheet per candidate."""
    with ROUND.taking(round_, "start", user=user) as taken:
        round_ = taken.obj
        problems = start_problems(round_)
        if problems:
            raise StepRefused(" ".join(problems))
        candidates = list(round_.candidates.all())
        for seat in round_.members.all():
            for candidate in candidates:
                _save(Scoresheet(member=seat, candidate=candidate), user)
    return round_


# --- Scoring (committee members, each on their own sheets) -------------------------------


def declare_conflicts(seat: CommitteeMember, *, user, declarations: dict) -> CommitteeMember:
    """Record the member's declaration for every candidate: {candidate id: (conflict, reason)}."""
    with SEAT.taking(seat, "declare", user=user) as taken:
        return _declare(taken.obj, user, declarations)


def _declare(seat: CommitteeMember, user, declarations: dict) -> CommitteeMember:
    sheets = {s.candidate_id: s for s in seat.sheets.select_related("candidate")}
    missing = [s.candidate.name for cid, s in sheets.items() if cid not in declarations]
    if missing:
        raise StepRefused(
            _("Declare whether you have a conflict of interest with: %(names)s.")
            % {"names": "、".join(missing)}
        )
    for candidate_id, (conflict, reason) in declarations.items():
        if candidate_id not in sheets:
            raise StepRefused(_("That candidate is not in this round."))
        if conflict and not reason.strip():
            raise StepRefused(
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


def save_scores(sheet: Scoresheet, *, user, scores: dict, comment: str = "") -> Scoresheet:
    """The member's scores for one candidate: {criterion id: 1–5} for every criterion."""
    with SEAT.taking(sheet.member, "score", user=user) as taken:
        return _score(taken.obj, sheet, user, scores, comment)


def _score(seat: CommitteeMember, sheet: Scoresheet, user, scores: dict, comment: str):
    sheet = Scoresheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk, member=seat)
    if sheet.conflict is None:
        raise StepRefused(_("Declare your conflicts of interest before scoring."))
    if sheet.conflict:
        raise StepRefused(
            _("You declared a conflict of interest with this candidate: you do not score them.")
        )
    criteria = {c.pk: c for c in seat.round.criteria.all()}
    if set(scores) != set(criteria):
        raise StepRefused(_("Score every criterion."))
    if any(not (SCORE_MIN <= int(v) <= SCORE_MAX) for v in scores.values()):
        raise StepRefused(_("A score is a whole number from 1 to 5."))
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
    with SEAT.taking(seat, "submit", user=user) as taken:
        seat = taken.obj
        problems = submission_problems(seat)
        if problems:
            raise StepRefused(" ".join(problems))
        seat.submitted_at = timezone.now()
    ROUND.take(seat.round, "submit", user=user)
    _close_when_all_submitted(seat.round, user)
    return seat


# --- Decision ----------------------------------------------------------------------------


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
    with ROUND.taking(round_, "decide", user=user, reason=reason) as taken:
        round_ = taken.obj
        if nominee is not None and nominee.round_id != round_.pk:
            raise StepRefused(_("The nominee must be a candidate of this round."))
        round_.decision = Decision.NOMINATE if nominee else Decision.NONE
        round_.nominee = nominee
        round_.decision_reason = taken.reason
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
        _keep_version(round_, correction_reason="")
    return round_


def _keep_version(round_: SelectionRound, *, correction_reason: str) -> DecisionVersion:
    latest = round_.decisions.order_by("-version").values_list("version", flat=True).first()
    return DecisionVersion.objects.create(
        round=round_,
        version=(latest or 0) + 1,
        decision=round_.decision,
        nominee=round_.nominee,
        term_end=round_.term_end,
        reason=round_.decision_reason,
        correction_reason=correction_reason,
        decided_by=round_.decided_by,
        decided_at=round_.decided_at,
    )


def correct_decision(
    round_: SelectionRound,
    *,
    user,
    nominee: Candidate | None,
    term_end,
    reason: str,
    correction_reason: str,
    staff_code: str = "",
) -> SelectionRound:
    """The bureau corrects its decision, with the reason: a new version of it (the earlier
    ones are kept), and the chief coordinator's term follows (its end, or its holder)."""
    with ROUND.taking(round_, "correct_decision", user=user, reason=correction_reason) as taken:
        round_ = taken.obj
        if nominee is not None and nominee.round_id != round_.pk:
            raise StepRefused(_("The nominee must be a candidate of this round."))
        if not (reason or "").strip():
            raise StepRefused(_("Give the reason for the decision."))
        same = (
            nominee == round_.nominee
            and term_end == round_.term_end
            and reason.strip() == round_.decision_reason.strip()
        )
        if same:
            raise StepRefused(_("The correction changes nothing of the decision."))
        person = None
        if nominee is not None:
            person = nominee.person or _new_person(nominee, staff_code, user)
        follow_correction(round_, person=person, end=term_end, user=user)
        round_.decision = Decision.NOMINATE if nominee else Decision.NONE
        round_.nominee = nominee
        round_.term_end = term_end
        round_.decision_reason = reason.strip()
        round_.decided_by, round_.decided_at = user, timezone.now()
        _save(round_, user)  # the step keeps the state: it saves what it changed
        version = _keep_version(round_, correction_reason=taken.reason)
        taken.note = _("Version %(version)s: %(reason)s") % {
            "version": version.version,
            "reason": taken.reason,
        }
    return round_


def _new_person(candidate: Candidate, staff_code: str, user) -> Person:
    code = staff_code.strip()
    if not code:
        raise StepRefused(
            _("%(name)s has no staff record yet: enter the staff code to create it.")
            % {"name": candidate.name}
        )
    if Person.objects.filter(staff_code=code).exists():
        raise StepRefused(
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
