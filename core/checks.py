"""Project system checks: production must send the browser-side protections.

Registered with ``deploy=True`` so that ``manage.py check --deploy`` reports them; they
are errors only in production mode (``YOROZU_PRODUCTION``), where a missing header is
a missing protection for confidential records.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
REQUIRED_MIDDLEWARE = {
    CSP_MIDDLEWARE: "Content-Security-Policy",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "X-Frame-Options",
    "django.middleware.security.SecurityMiddleware": "Referrer-Policy",
    "core.middleware.PermissionsPolicyMiddleware": "Permissions-Policy",
}


@register(Tags.security, deploy=True)
def check_security_headers(app_configs=None, **kwargs):
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    middleware = list(settings.MIDDLEWARE)
    for path, header in REQUIRED_MIDDLEWARE.items():
        if path not in middleware:
            errors.append(
                Error(
                    f"{path} is not in MIDDLEWARE: responses are sent without {header}.",
                    id="core.E001",
                )
            )
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES") or {}
    scripts = directives.get("script-src") or directives.get("default-src")
    if not scripts:
        errors.append(
            Error(
                "CONTENT_SECURITY_POLICY sets no script-src (nor default-src).",
                id="core.E002",
            )
        )
    elif "'unsafe-inline'" in scripts:
        errors.append(
            Error("CONTENT_SECURITY_POLICY allows 'unsafe-inline' scripts.", id="core.E003")
        )
    if getattr(settings, "X_FRAME_OPTIONS", "") != "DENY":
        errors.append(Error("X_FRAME_OPTIONS must be 'DENY'.", id="core.E004"))
    if not getattr(settings, "SECURE_REFERRER_POLICY", None):
        errors.append(Error("SECURE_REFERRER_POLICY is not set.", id="core.E005"))
    if not getattr(settings, "PERMISSIONS_POLICY", ""):
        errors.append(Error("PERMISSIONS_POLICY is empty.", id="core.E006"))
    return errors
