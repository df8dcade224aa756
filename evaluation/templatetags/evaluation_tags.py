from django import template

from evaluation.workflow import open_actions_at, open_guidance_for

register = template.Library()


@register.inclusion_tag("evaluation/_guidance_panel.html", takes_context=True)
def guidance_panel(context):
    """The open focused-guidance plans in the signed-in user's scope (home dashboards)."""
    return {"plans": open_guidance_for(context["request"].user)[:50]}


@register.inclusion_tag("evaluation/_guidance_actions.html")
def guidance_actions_at(center):
    """The open guidance actions a visit to ``center`` follows up."""
    return {"actions": open_actions_at(center)}
