"""How the schema names the API's two ways to authenticate (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (the API tokens page).",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def describe_model_choices(filtersets) -> None:
    """A model choice filter takes the record's primary key: say so in the schema. (Where a
    filter works through a method, drf-spectacular cannot find the model field to tell.)"""
    import django_filters
    from drf_spectacular.drainage import has_override, set_override
    from drf_spectacular.types import OpenApiTypes

    for filterset in filtersets:
        model = filterset._meta.model
        for field in filterset.base_filters.values():
            if not isinstance(field, django_filters.ModelChoiceFilter):
                continue
            if has_override(field, "field") or _is_model_path(model, field.field_name):
                continue
            set_override(field, "field", OpenApiTypes.INT)


def _is_model_path(model, path: str) -> bool:
    from django.core.exceptions import FieldDoesNotExist

    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        model = field.related_model
        if model is None:
            return True
    return True


# The bounds of the database's integer types: DRF derives them from the connection
# (PostgreSQL has them, SQLite none), so they would make the schema depend on the database
# it was generated on. They say nothing a client needs.
DATABASE_LIMITS = {
    sign * value
    for value in (2**15 - 1, 2**31 - 1, 2**63 - 1, 2**15, 2**31, 2**63)
    for sign in (1, -1)
}


def drop_database_limits(result, generator, request, public):
    """drf-spectacular post-processing hook: the same schema on SQLite and PostgreSQL."""

    def walk(node):
        if isinstance(node, dict):
            for key in ("maximum", "minimum"):
                if node.get(key) in DATABASE_LIMITS:
                    del node[key]
            if node.get("type") == "integer" and node.get("format") == "int64":
                del node["format"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
