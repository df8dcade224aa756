"""The OpenAPI description checked in (docs/openapi.yaml) is the one the code generates."""

import io
from pathlib import Path

from django.core.management import call_command

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def generated() -> str:
    out = io.StringIO()
    call_command("spectacular", "--lang", "en", stdout=out)
    return out.getvalue()


def test_the_checked_in_openapi_description_is_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generated(), (
        "docs/openapi.yaml is stale: run "
        "`python manage.py spectacular --lang en --file docs/openapi.yaml`"
    )
