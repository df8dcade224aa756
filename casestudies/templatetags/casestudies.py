from django import template

from casestudies.similar import similar_case_studies

register = template.Library()


@register.inclusion_tag("casestudies/_similar.html")
def similar_cases(case):
    """The five most similar published case studies, for a case's page."""
    return {"similar": similar_case_studies(case)}


@register.inclusion_tag("casestudies/_impact_records.html")
def impact_records(client, user, may_edit=False):
    """The client's figures (成果) the user's centers recorded, with value added."""
    from casestudies.models import ImpactRecord

    records = ImpactRecord.objects.for_user(user).filter(client=client).select_related("center")
    return {"records": records, "client": client, "may_edit": may_edit}
