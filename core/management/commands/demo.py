"""Build the demo data set: ``python manage.py demo [--reset] [--scale 0.05]``.

Each area of the domain contributes a ``build(rng, log)`` function; each one
skips itself when its data is already there, so running the command twice is
harmless. Later areas append their builder to ``BUILDERS``. A builder whose
volume can vary also takes ``scale`` (1.0 = the real network's yearly volume).
"""

import importlib
import inspect
import random

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

BUILDERS = [
    "organizations.demo",
    "organizations.demo_institutions",
    "consultations.demo",
    "accounts.demo",
    "planning.demo",
    "support.demo",
    "surveys.demo",
    "evaluation.demo",
    "contracts.demo",  # the bureaus' settings before the appointments agree
    "support.demo_plans",
    "selection.demo",
    "casestudies.demo",
    "liaison.demo",
    "core.demo_imports",
]


class Command(BaseCommand):
    help = "Build the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete demo records, support institutions, people and accounts first.",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--scale",
            type=float,
            default=0.05,
            help="Volume of consultation records; 1.0 = the real network (~700,000 sessions a year).",
        )

    def handle(self, *args, reset=False, seed=2026, scale=0.05, **options):
        if reset:
            self._reset()
        rng = random.Random(seed)
        for name in BUILDERS:
            build = importlib.import_module(name).build
            if "scale" in inspect.signature(build).parameters:
                build(rng, self.stdout.write, scale=scale)
            else:
                build(rng, self.stdout.write)
        from accounts.demo import logins_table

        self.stdout.write(self.style.SUCCESS(logins_table()))

    @transaction.atomic
    def _reset(self):
        from accounts.models import User
        from consultations.models import Case, Client, Consultation, NetworkActivity
        from core.models import ImportBatch, StepEvent
        from organizations.models import Assignment, Person, SupportInstitution
        from support.demo import RESET_MODELS
        from surveys.demo import reset as reset_surveys

        # The workflow steps of every record below (a generic relation: no cascade on a
        # plain DELETE).
        StepEvent.objects.all().delete()
        ImportBatch.objects.all().delete()  # they protect their users
        reset_surveys()  # its recipients point to the clients and institutions below
        # Records go with plain DELETEs, children first: the ORM would load every
        # row and write a history row per deletion. Their history goes too, so that
        # the rebuilt records (which reuse the ids) do not inherit it.
        tables = []
        from casestudies.models import CaseStudy, FollowUpRequest, ImpactRecord

        # Case studies and impact figures point to the cases and clients below.
        for model in (FollowUpRequest, CaseStudy, ImpactRecord):
            tables += [f.remote_field.through._meta.db_table for f in model._meta.many_to_many]
            tables.append(model._meta.db_table)
        from contracts.models import Amendment, Contract
        from liaison.models import HQActivity, PublicityRequest

        # Contracts point to the budget lines and the users below.
        models = (
            Amendment,
            Contract,
            HQActivity,
            PublicityRequest,
            *RESET_MODELS,
            NetworkActivity,
            Consultation,
            Case,
            Client,
            SupportInstitution,
        )
        for model in models:
            tables += [f.remote_field.through._meta.db_table for f in model._meta.many_to_many]
            tables.append(model._meta.db_table)
            tables += _history_tables(model)
        from consultations.models import IndicatorDayCount, IndicatorFirstDay

        tables += [IndicatorDayCount._meta.db_table, IndicatorFirstDay._meta.db_table]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        from planning.models import ActivityPolicy, BusinessPlan, FiscalYear
        from selection.models import CoordinatorAppointment, SelectionRound, Term

        Term.objects.all().delete()  # terms first: they protect their round and appointment
        SelectionRound.objects.all().delete()  # cascades to the committee, candidates, scores
        CoordinatorAppointment.objects.all().delete()
        BusinessPlan.objects.all().delete()  # cascades to targets, versions, events, requests
        ActivityPolicy.objects.all().delete()
        FiscalYear.objects.all().delete()
        User.objects.all().delete()
        Assignment.objects.all().delete()
        Person.objects.all().delete()
        self.stdout.write("reset: demo records, support institutions, people and accounts deleted")


def _history_tables(model) -> list[str]:
    """The history table of ``model`` and those of its tracked many-to-many fields."""
    if not hasattr(model, "history"):
        return []
    history = model.history.model
    m2m_histories = [
        m._meta.db_table
        for m in apps.get_models()
        if any(f.name == "history" and f.related_model is history for f in m._meta.concrete_fields)
    ]
    return [*m2m_histories, history._meta.db_table]
