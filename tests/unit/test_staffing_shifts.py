"""Shift plans on instances small enough to solve by hand (status and cost, not allocation)."""

from __future__ import annotations

import pytest

from crm_core.errors import InvalidInput, RuleViolation
from routing.staffing.shifts import InfeasiblePlan, PlanLimits, Shift, horizon_shifts, plan_shifts

LINE = PlanLimits(cyclic=False)
# Six intervals, four 3-interval shifts at cost 3 each.
REQUIRED = [1, 2, 3, 3, 2, 1]
SHIFTS = [Shift(f"s{i}", i, 3, cost=3) for i in range(4)]


def test_minimum_cost_matches_hand_optimum() -> None:
    """Interval 5 is covered only by s3 and interval 2 only by s0..s2, so at least 1 + 3
    agents are needed; (1, 1, 1, 1) covers everything, so the optimum costs 4 * 3 = 12."""
    plan = plan_shifts(REQUIRED, SHIFTS, limits=LINE)
    assert plan.status == "Optimal"
    assert plan.cost == pytest.approx(12.0)
    assert (plan.planned >= plan.required).all()


def test_per_shift_limit_raises_cost() -> None:
    """With s3 capped at 0, interval 5 cannot be covered: infeasible, and we are told where."""
    capped = [*SHIFTS[:3], Shift("s3", 3, 3, cost=3, max_agents=0)]
    with pytest.raises(InfeasiblePlan) as info:
        plan_shifts(REQUIRED, capped, limits=LINE)
    assert info.value.details["uncoverable_intervals"] == [5]
    assert isinstance(info.value, RuleViolation)


def test_cheaper_long_shift_changes_optimum() -> None:
    """A 6-interval shift at cost 5 covering everything: 3 of them (cost 15) vs 12 before;
    mixing: 1 long (cost 5) leaves [0,1,2,2,1,0] -> s1 x1 + s2 x1 (cost 6) ... total 11."""
    shifts = [*SHIFTS, Shift("long", 0, 6, cost=5)]
    plan = plan_shifts(REQUIRED, shifts, limits=LINE)
    assert plan.status == "Optimal"
    assert plan.cost == pytest.approx(11.0)


def test_deviation_objective_hand_optimum() -> None:
    """One shift covering [2, 0, 2]: x agents deviate |x-2| + x + |x-2|, minimal 2 at x=2."""
    plan = plan_shifts([2, 0, 2], [Shift("all", 0, 3)], objective="deviation", limits=LINE)
    assert plan.status == "Optimal"
    assert plan.objective_value == pytest.approx(2.0)
    assert plan.overstaffing.sum() == 2


def test_deviation_objective_respects_seats() -> None:
    """Seats cap coverage at 2; the optimum is checked against brute-force enumeration."""
    import itertools

    def deviation(x: tuple[int, ...]) -> float:
        cover = [sum(x[s] for s in range(4) if s <= t < s + 3) for t in range(6)]
        if max(cover) > 2:
            return float("inf")
        return sum(abs(c - r) for c, r in zip(cover, REQUIRED, strict=True))

    best = min(deviation(x) for x in itertools.product(range(3), repeat=4))
    limits = PlanLimits(cyclic=False, max_on_duty=2)
    plan = plan_shifts(REQUIRED, SHIFTS, objective="deviation", limits=limits)
    assert best == 3
    assert plan.objective_value == pytest.approx(best)
    assert plan.planned.max() <= 2


def test_seat_limit_makes_cost_objective_infeasible() -> None:
    with pytest.raises(InfeasiblePlan) as info:
        plan_shifts(REQUIRED, SHIFTS, limits=PlanLimits(cyclic=False, max_on_duty=2))
    assert info.value.details["uncoverable_intervals"] == [2, 3]
    assert "need more agents" in info.value.message


def test_minimum_shift_size_over_seats_is_explained() -> None:
    shifts = [Shift("a", 0, 2, min_agents=3)]
    with pytest.raises(InfeasiblePlan) as info:
        plan_shifts([1, 1], shifts, limits=PlanLimits(cyclic=False, max_on_duty=2))
    assert info.value.details["over_seat_limit_intervals"] == [0, 1]


def test_cyclic_night_shift_wraps_round() -> None:
    """A shift starting in the last interval covers the first one too when cyclic."""
    shifts = [Shift("night", 3, 2, cost=1), Shift("day", 1, 2, cost=1)]
    plan = plan_shifts([1, 1, 1, 1], shifts, limits=PlanLimits(cyclic=True))
    assert plan.cost == pytest.approx(2.0)


@pytest.mark.parametrize("bad", [
    {"required": []}, {"required": [1, -1]}, {"objective": "cheapest"}, {"shifts": []},
    {"shifts": [Shift("a", 0, 0)]}, {"shifts": [Shift("a", 0, 2), Shift("a", 1, 2)]},
])
def test_malformed_problems_are_invalid_input(bad: dict) -> None:
    args = {"required": [1, 1], "shifts": [Shift("a", 0, 2)], "objective": "cost"} | bad
    with pytest.raises(InvalidInput):
        plan_shifts(args["required"], args["shifts"], objective=args["objective"], limits=LINE)


def test_horizon_shifts_named_by_wall_clock() -> None:
    shifts = horizon_shifts("2026-03-02 08:00", 48, start_every_minutes=120,
                            lengths_hours=(4, 8), cost_per_hour=2.0)
    assert shifts[0].name == "Mon 03-02 08:00 4h"
    assert (shifts[0].length, shifts[0].cost) == (8, 8.0)
    assert len(shifts) == 2 * 12
    with pytest.raises(InvalidInput):
        horizon_shifts("2026-03-02", 48, start_every_minutes=45)
