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
