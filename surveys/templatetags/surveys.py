from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(share) -> str:
    """0.923 → "92.3 %"; nothing → "—"."""
    if share is None:
        return "—"
    return f"{(Decimal(share) * 100).quantize(Decimal('0.1'))} %"


@register.filter
def score(mean) -> str:
    return "—" if mean is None else f"{mean:.2f}"


@register.filter
def change(now, before) -> str:
    """The signed difference of two means or shares ("+0.12"), or "" without both."""
    if now is None or before is None:
        return ""
    difference = Decimal(now) - Decimal(before)
    return f"{'+' if difference >= 0 else ''}{difference:.2f}"
