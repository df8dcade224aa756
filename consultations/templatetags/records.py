from django import template

from consultations.models import may_see_identity

register = template.Library()


@register.filter
def client_label(client, user):
    """The client's name for staff of its centers, a pseudonym for everyone else."""
    if client is None:
        return ""
    return client.business_name if may_see_identity(user) else client.pseudonym
