"""The static files a production deployment serves: collected into a manifest, hashed.

Production stores static files with WhiteNoise's CompressedManifestStaticFilesStorage.
If collectstatic fails (a vendored file pointing at a source map that is not shipped)
there is no manifest, and every page answers 500 on its first ``{% static %}``.
"""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")


@pytest.fixture
def collected(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_with_the_production_storage_succeeds_and_writes_the_manifest(collected):
    assert (collected / "staticfiles.json").exists()


def test_every_static_file_a_template_names_has_a_hashed_entry_in_the_manifest(collected):
    names = {
        name
        for template in (ROOT / "templates").rglob("*.html")
        for name in STATIC_TAG.findall(template.read_text(encoding="utf-8"))
    }
    assert {"favicon.svg", "vendor/chart.umd.min.js", "vendor/htmx.min.js"} <= names
    for name in names:
        # Strict manifest: a name missing from it raises ValueError here.
        url = staticfiles_storage.url(name)
        stem = Path(name).stem.split(".")[0]
        assert re.search(rf"/{re.escape(stem)}[^/]*\.[0-9a-f]{{12}}\.", url), (name, url)


def test_pages_render_with_debug_off_and_their_static_files_are_served(collected, personas):
    client = Client()  # a new client: WhiteNoise reads the collected files when it starts
    login = client.get(reverse("accounts:login"))
    assert login.status_code == 200
    favicon = re.search(r'href="(/static/favicon\.[0-9a-f]{12}\.svg)"', login.text)
    assert favicon, login.text[:500]

    client.force_login(personas["tokyo_coordinator"])
    home = client.get(reverse("home"))
    assert home.status_code == 200
    script = re.search(r'src="(/static/vendor/htmx\.min\.[0-9a-f]{12}\.js)"', home.text)
    assert script

    for url in (favicon.group(1), script.group(1)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response["Cache-Control"]
