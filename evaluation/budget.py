"""Next year's budget (domain brief §5): base × grade factor, rescaled to the envelope.

Exact arithmetic with fractions, integer yen, largest-remainder rounding: the
lines always sum to the envelope. Lines with a manually set amount keep it; the
rest of the envelope is shared among the others in proportion to base × factor.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _


class AllocationError(ValueError):
    """The envelope cannot be shared as asked; the message is for the user."""


@dataclass
class Line:
    key: object  # what the caller identifies the line by (a center code), also the tie-break
    base: int
    factor: Decimal
    fixed: int | None = None  # a manual adjustment: this amount, whatever the formula says


def share_out(total: int, weights: dict) -> dict:
    """Integer shares of ``total`` proportional to ``weights`` (largest remainder, exact)."""
    weight_sum = sum(weights.values(), Fraction(0))
    if total == 0:
        return {key: 0 for key in weights}
    if weight_sum == 0:
        raise AllocationError(_("Nothing to share the envelope by: every base is zero."))
    quotas = {key: Fraction(total) * weight / weight_sum for key, weight in weights.items()}
    shares = {key: quota.numerator // quota.denominator for key, quota in quotas.items()}
    left = total - sum(shares.values())
    # The yen left over go to the largest remainders; equal remainders by key order.
    order = sorted(weights, key=lambda key: (-(quotas[key] - shares[key]), key))
    for key in order[:left]:
        shares[key] += 1
    return shares


def allocate(envelope: int, lines: list[Line]) -> dict:
    """The amount of every line, in yen; the amounts sum to ``envelope`` exactly."""
    if envelope < 0:
        raise AllocationError(_("The envelope cannot be negative."))
    fixed = {line.key: line.fixed for line in lines if line.fixed is not None}
    if any(amount < 0 for amount in fixed.values()):
        raise AllocationError(_("An adjusted amount cannot be negative."))
    rest = envelope - sum(fixed.values())
    if rest < 0:
        raise AllocationError(
            _("The adjusted amounts (%(fixed)s yen) exceed the envelope (%(envelope)s yen).")
            % {"fixed": f"{sum(fixed.values()):,}", "envelope": f"{envelope:,}"}
        )
    free = {
        line.key: Fraction(line.base) * Fraction(str(line.factor))
        for line in lines
        if line.fixed is None
    }
    if not free and rest:
        raise AllocationError(
            _("Every line is adjusted and they do not add up to the envelope: %(rest)s yen left.")
            % {"rest": f"{rest:,}"}
        )
    return {**fixed, **share_out(rest, free)}
