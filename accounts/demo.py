"""One demo account per role, in at least two centers and two bureaus."""

import random

from django.db import transaction

from organizations.models import Assignment, Bureau, Center, Person, Role

from .models import User, UserRole

DEMO_PASSWORD = "yorozu-demo-2026"

# (username, last name, first name, role, bureau code, center code, assigned center codes)
DEMO_USERS = [
    ("admin", "中小企業庁", "管理者", UserRole.AGENCY_ADMIN, None, None, []),
    ("hq", "全国本部", "職員", UserRole.HQ_STAFF, None, None, []),
    ("expert", "全国本部", "専門家", UserRole.HQ_EXPERT, None, None, ["01", "02", "13"]),
    ("supporter", "全国本部", "サポーター", UserRole.SUPPORTER, None, None, []),
    ("kanto", "関東局", "担当", UserRole.BUREAU_OFFICER, "kanto", None, []),
    ("kinki", "近畿局", "担当", UserRole.BUREAU_OFFICER, "kinki", None, []),
    ("tokyo-cc", "東京拠点", "チーフ", UserRole.CENTER_MANAGER, None, "13", []),
    ("osaka-cc", "大阪拠点", "チーフ", UserRole.CENTER_MANAGER, None, "27", []),
    ("tokyo-co", "東京拠点", "コーディネーター", UserRole.COORDINATOR, None, "13", []),
    ("osaka-co", "大阪拠点", "コーディネーター", UserRole.COORDINATOR, None, "27", []),
    ("committee", "審査", "委員", UserRole.COMMITTEE_MEMBER, None, None, []),
    # The implementing body that runs Tokyo's center (its center code names it).
    ("tokyo-body", "東京都中小企業振興公社", "担当", UserRole.IMPLEMENTING_BODY, None, "13", []),
    # An advisory-board member: the account of one of the board's HQ staff records.
    ("board", "高橋", "誠一", UserRole.BOARD_MEMBER, None, None, []),
]


def link_board_member(user) -> None:
    """Give a board member's account the next HQ staff record of the board without one;
    the record takes the account's name (the demo's staff names are drawn at random)."""
    person = (
        Person.objects.advisory_board().filter(user__isnull=True).order_by("staff_code").first()
    )
    if person is None:
        return
    person.name = user.get_full_name()
    person.kana = ""
    person.save()
    user.person = person


@transaction.atomic
def build(rng: random.Random, log) -> None:
    if User.objects.filter(username="admin").exists():
        log("accounts: already present, skipped")
        return
    for username, last, first, role, bureau, center, assigned in DEMO_USERS:
        if role == UserRole.IMPLEMENTING_BODY:
            body, center = Center.objects.get(code=center).implementing_body, None
        else:
            body = None
        user = User(
            username=username,
            last_name=last,
            first_name=first,
            role=role,
            bureau=Bureau.objects.get(code=bureau) if bureau else None,
            center=Center.objects.get(code=center) if center else None,
            implementing_body=body,
            is_staff=role == UserRole.AGENCY_ADMIN,
            is_superuser=role == UserRole.AGENCY_ADMIN,
        )
        if center:
            wanted = Role.CHIEF_COORDINATOR if role == UserRole.CENTER_MANAGER else Role.COORDINATOR
            staff = Assignment.objects.filter(
                center=user.center, role=wanted, end_date__isnull=True
            )
            link = staff.filter(person__user__isnull=True).select_related("person").first()
            user.person = link.person if link else None
        if role == UserRole.BOARD_MEMBER:
            link_board_member(user)
        user.set_password(DEMO_PASSWORD)
        user.save()
        if assigned:
            user.assigned_centers.set(Center.objects.filter(code__in=assigned))
    log(f"accounts: {len(DEMO_USERS)} demo users")


def logins_table() -> str:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD})"]
    for username, last, first, role, *_rest in DEMO_USERS:
        lines.append(f"  {username:<10} {role.label} {last}{first}")
    lines.append(
        "Two-step login: at the first login each user sets up an authenticator app "
        "(QR code on the page); MFA_REQUIRED=0 lifts the requirement (README)."
    )
    return "\n".join(lines)
