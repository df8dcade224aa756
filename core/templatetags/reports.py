from django import template

from core.pdf import wareki as to_wareki

register = template.Library()


@register.simple_tag(takes_context=True)
def report_date(context, day):
    """A date as the report prints it: 和暦 when the report asks for it, else ISO."""
    if not day:
        return ""
    if context.get("use_wareki"):
        return to_wareki(day)
    return day.isoformat() if hasattr(day, "isoformat") else str(day)


@register.filter
def wareki(day):
    return to_wareki(day) if day else ""
