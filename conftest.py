"""Shared personas and factories.

The master data (47 centers, bureaus, blocks, qualifications) comes from the
data migration, so every test starts with the real network. Personas:
Tokyo and Osaka each have a manager and a coordinator; the Kanto and Kinki
bureaus an officer each; one HQ expert looks after Tokyo, another Osaka.
"""

import datetime

import pytest

from accounts.models import User, UserRole
from organizations.models import Assignment, Bureau, Center, Person, Qualification, Role

PASSWORD = "test-pass-9431"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tokyo(db):
    return Center.objects.get(code="13")


@pytest.fixture
def kanagawa(db):
    return Center.objects.get(code="14")


@pytest.fixture
def osaka(db):
    return Center.objects.get(code="27")


def make_user(username, role, *, center=None, bureau=None, assigned=()):
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, center=center, bureau=bureau
    )
    if assigned:
        user.assigned_centers.set(assigned)
    return user


@pytest.fixture
def personas(db, tokyo, osaka):
    kanto = Bureau.objects.get(code="kanto")
    kinki = Bureau.objects.get(code="kinki")
    return {
        "admin": make_user("admin", UserRole.AGENCY_ADMIN),
        "hq": make_user("hq", UserRole.HQ_STAFF),
        "kanto_officer": make_user("kanto_officer", UserRole.BUREAU_OFFICER, bureau=kanto),
        "kinki_officer": make_user("kinki_officer", UserRole.BUREAU_OFFICER, bureau=kinki),
        "tokyo_manager": make_user("tokyo_manager", UserRole.CENTER_MANAGER, center=tokyo),
        "tokyo_coordinator": make_user("tokyo_coordinator", UserRole.COORDINATOR, center=tokyo),
        "osaka_manager": make_user("osaka_manager", UserRole.CENTER_MANAGER, center=osaka),
        "osaka_coordinator": make_user("osaka_coordinator", UserRole.COORDINATOR, center=osaka),
        "tokyo_expert": make_user("tokyo_expert", UserRole.HQ_EXPERT, assigned=[tokyo]),
        "osaka_expert": make_user("osaka_expert", UserRole.HQ_EXPERT, assigned=[osaka]),
        "committee": make_user("committee", UserRole.COMMITTEE_MEMBER),
    }


# Who may not touch a Tokyo record: another center, another bureau, another expert.
OUTSIDERS_OF_TOKYO = [
    "osaka_manager",
    "osaka_coordinator",
    "kinki_officer",
    "osaka_expert",
    "committee",
]


@pytest.fixture
def client_for(client, personas):
    def login(name):
        client.force_login(personas[name])
        return client

    return login


_sequence = iter(range(1, 10**6))


def make_person(
    center, role=Role.COORDINATOR, *, qualifications=(), start=None, end=None, code=None
):
    """A staff member with one assignment (center=None for HQ roles)."""
    number = next(_sequence)
    person = Person.objects.create(
        staff_code=code or f"T{number:05d}", name=f"試験 {number}", kana=f"シケン {number}"
    )
    person.qualifications.set(Qualification.objects.filter(name__in=qualifications))
    Assignment.objects.create(
        person=person,
        center=center,
        role=role,
        start_date=start or datetime.date(2024, 4, 1),
        end_date=end,
    )
    return person
