"""Build the demo data set: ``python manage.py demo [--reset]``.

Each area of the domain contributes a ``build(rng, log)`` function; each one
skips itself when its data is already there, so running the command twice is
harmless. Later areas append their builder to ``BUILDERS``.
"""

import importlib
import random

from django.core.management.base import BaseCommand
from django.db import transaction

BUILDERS = ["organizations.demo", "accounts.demo"]


class Command(BaseCommand):
    help = "Build the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete demo people and accounts first."
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, reset=False, seed=2026, **options):
        if reset:
            self._reset()
        rng = random.Random(seed)
        for name in BUILDERS:
            importlib.import_module(name).build(rng, self.stdout.write)
        from accounts.demo import logins_table

        self.stdout.write(self.style.SUCCESS(logins_table()))

    @transaction.atomic
    def _reset(self):
        from accounts.models import User
        from organizations.models import Assignment, Person

        User.objects.all().delete()
        Assignment.objects.all().delete()
        Person.objects.all().delete()
        self.stdout.write("reset: demo people and accounts deleted")
