"""Content-Security-Policy: every page carries the policy, and no page needs what it refuses.

Every URL pattern of the project (the walk of test_authorization) is requested as each
role, on Tokyo's objects, and every HTML answer is parsed: no inline script (a <script>
without src that the browser would run; JSON data blocks are not run), no on*= handler,
no javascript: link, no inline style. The policy and its middleware are the same in
every mode, so the production policy is what is tested here; the production-only deploy
check is tested at the end.
"""

from html.parser import HTMLParser

import pytest
from django.core.checks import Error
from django.urls import reverse

from conftest import make_campaign, survey_tokens
from core.checks import check_security_headers
from core.tests.test_authorization import (
    ALL_PATTERNS,
    is_public,
    label,
    takes_object,
    tokyo_objects,
    url_for,
    view_class,
)

# <script type=…> the browser does not run: data for a script, not a script.
DATA_TYPES = {"application/json", "application/ld+json", "text/template"}
ROLES = [
    "admin",
    "hq",
    "kanto_officer",
    "tokyo_expert",
    "tokyo_manager",
    "tokyo_coordinator",
    "committee",
    "supporter",
]


class InlineCodeFinder(HTMLParser):
    """Collects everything in a page that a script-src/style-src 'self' policy blocks."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not values.get("src"):
            kind = (values.get("type") or "text/javascript").split(";")[0].strip().lower()
            if kind not in DATA_TYPES:
                self._in_inline_script = True

    def handle_endtag(self, tag):
        if tag == "script" and self._in_inline_script:
            self._in_inline_script = False
            self.problems.append("inline <script>")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def test_the_finder_tells_scripts_from_data():
    page = (
        '<script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        "<script>alert(1)</script>"
        '<button onclick="x()">b</button><a href="javascript:x()">a</a><p style="color:red">'
    )
    assert inline_code(page) == [
        "inline <script>",
        "<button onclick=…> handler",
        "<a href=javascript:…>",
        "<p style=…> inline style",
    ]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict_page(response, where):
    assert "Content-Security-Policy" in response, f"{where}: no Content-Security-Policy"
    policy = directives(response)
    assert policy["script-src"] == ["'self'"], where
    assert policy["style-src"] == ["'self'"], where
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], where
    assert policy["default-src"] == ["'self'"] and policy["base-uri"] == ["'self'"], where
    assert policy["form-action"] == ["'self'"], where
    problems = inline_code(response.content.decode())
    assert not problems, f"{where}: {problems}"


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and not response.streaming


def test_every_page_for_every_role_has_the_policy_and_no_inline_code(client, personas, tokyo):
    objects = tokyo_objects(personas, tokyo)
    seen = 0
    for role in ROLES:
        client.force_login(personas[role])
        for name, pattern in ALL_PATTERNS:
            if is_public(pattern) or name in {"accounts:logout", "set_language"}:
                continue
            obj = objects[label(view_class(pattern).model)] if takes_object(pattern) else None
            url = url_for(name, pattern, obj)
            response = client.get(url)
            if is_html(response):
                assert_strict_page(response, f"GET {url} as {role}")
                seen += 1
            else:
                assert "Content-Security-Policy" in response, f"GET {url} as {role}"
    assert seen > 8 * 100  # the pages were reached, not only refused


def test_the_public_pages_have_the_policy_and_no_inline_code(client, tokyo):
    token = survey_tokens(make_campaign(tokyo, recipients=1))[0]
    for url in (
        reverse("accounts:login"),
        reverse("answer:answer", kwargs={"token": token}),
        reverse("answer:thanks"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response, url)


def test_a_failed_form_and_the_error_pages_are_strict_too(client_for):
    client = client_for("tokyo_coordinator")
    response = client.post(reverse("consultations:quick_entry"), {})
    assert response.status_code == 200
    assert_strict_page(response, "invalid quick entry")
    assert_strict_page(client.get("/no-such-page/"), "404")


def test_production_refuses_to_run_without_the_csp_middleware(settings):
    settings.PRODUCTION = True
    assert check_security_headers() == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "csp.middleware.CSPMiddleware"]
    assert [e.id for e in check_security_headers()] == ["core.E001"]
    assert all(isinstance(e, Error) for e in check_security_headers())


@pytest.mark.parametrize(
    "name,value,error",
    [
        ("X_FRAME_OPTIONS", "SAMEORIGIN", "core.E004"),
        ("SECURE_REFERRER_POLICY", None, "core.E005"),
        ("PERMISSIONS_POLICY", "", "core.E006"),
        (
            "CONTENT_SECURITY_POLICY",
            {"DIRECTIVES": {"script-src": ["'self'", "'unsafe-inline'"]}},
            "core.E003",
        ),
        ("CONTENT_SECURITY_POLICY", {"DIRECTIVES": {}}, "core.E002"),
    ],
)
def test_production_refuses_each_missing_header(settings, name, value, error):
    settings.PRODUCTION = True
    setattr(settings, name, value)
    assert [e.id for e in check_security_headers()] == [error]


def test_outside_production_the_check_is_quiet(settings):
    settings.PRODUCTION = False
    settings.MIDDLEWARE = []
    assert check_security_headers() == []


def test_the_check_runs_with_check_deploy():
    from django.core.checks.registry import registry

    assert check_security_headers in registry.get_checks(include_deployment_checks=True)
    assert check_security_headers not in registry.get_checks(include_deployment_checks=False)
