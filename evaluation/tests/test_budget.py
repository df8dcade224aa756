"""The allocation always sums to the envelope, to the yen, whatever the bases and adjustments."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.budget import AllocationError, Line, allocate, share_out

FACTORS = [Decimal(f) for f in ("1.10", "1.05", "1.00", "0.95", "0.90")]

lines = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10**9),
        st.sampled_from(FACTORS),
        st.one_of(st.none(), st.integers(min_value=0, max_value=10**8)),
    ),
    min_size=1,
    max_size=47,
)


@settings(max_examples=300, deadline=None)
@given(envelope=st.integers(min_value=0, max_value=10**11), specs=lines)
def test_the_lines_always_sum_to_the_envelope(envelope, specs):
    budget = [
        Line(f"{n:02d}", base, factor, fixed) for n, (base, factor, fixed) in enumerate(specs)
    ]
    try:
        amounts = allocate(envelope, budget)
    except AllocationError:
        fixed = sum(line.fixed for line in budget if line.fixed is not None)
        free_weight = sum(line.base for line in budget if line.fixed is None)
        # Refused only when the adjustments exceed the envelope or nothing is left to share by.
        assert fixed > envelope or free_weight == 0
        return
    assert sum(amounts.values()) == envelope
    assert all(amount >= 0 for amount in amounts.values())
    for line in budget:
        if line.fixed is not None:
            assert amounts[line.key] == line.fixed


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**10),
    weights=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=47),
)
def test_each_share_is_within_one_yen_of_its_exact_quota(total, weights):
    keyed = {f"{n:02d}": weight for n, weight in enumerate(weights)}
    shares = share_out(total, keyed)
    weight_sum = sum(weights)
    for key, weight in keyed.items():
        assert abs(shares[key] - total * weight / weight_sum) < 1 + 1e-6


def test_adjustments_beyond_the_envelope_are_refused():
    with pytest.raises(AllocationError):
        allocate(100, [Line("01", 10, Decimal("1")), Line("02", 10, Decimal("1"), fixed=101)])
