"""Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M) queueing formulas.

Everything is computed with stable recurrences or in log space, so hundreds or thousands of
agents never overflow a factorial:

* Erlang B uses the recurrence ``B(k) = a B(k-1) / (k + a B(k-1))``.
* Erlang C is derived from B: ``C = n B / (n - a (1 - B))``.
* Erlang A (exponential patience, Garnett-Mandelbaum-Reiman / Mandelbaum-Zeltyn) writes
  the incomplete-gamma terms as power series summed in log space.

Service level definitions (see the README "Staffing" section):

* Erlang C: ``SL = P(wait <= t) = 1 - C e^{-(n-a) t / AHT}``.
* Erlang A: ``SL = P(answered within t)`` over *all* arrivals; a contact that abandons
  counts as a miss even if it abandoned before ``t``. This is the definition that
  reproduces the published example (13 agents, SL 0.858178, P(abandon) 0.024963).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from crm_core.errors import InvalidInput, RuleViolation

# Hard ceiling for the agent search so that an impossible target ends in an error.
MAX_AGENTS = 100_000


@dataclass(frozen=True)
class Workload:
    """Offered work in one interval: ``arrivals`` contacts in ``interval_seconds``."""

    arrivals: float
    interval_seconds: float
    aht_seconds: float

    def __post_init__(self) -> None:
        if not (self.arrivals >= 0 and math.isfinite(self.arrivals)):
            raise InvalidInput("arrivals must be a finite number >= 0",
                               details={"field": "arrivals", "value": self.arrivals})
        for name in ("interval_seconds", "aht_seconds"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise InvalidInput(f"{name} must be a finite number > 0",
                                   details={"field": name, "value": value})

    @property
    def rate(self) -> float:
        """Arrival rate per second."""
        return self.arrivals / self.interval_seconds

    @property
    def traffic(self) -> float:
        """Offered load in Erlangs: arrival rate times handle time."""
        return self.rate * self.aht_seconds


@dataclass(frozen=True)
class QueueMetrics:
    """Performance of ``agents`` agents for one workload (see module doc for definitions)."""

    agents: int
    service_level: float
    p_wait: float
    asa_seconds: float
    occupancy: float
    p_abandon: float | None = None


class StaffingTargetUnreachable(RuleViolation):
    """No number of agents up to the search limit meets the target."""

    code = "staffing_target_unreachable"

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(f"staffing target cannot be met: {reason}", details=dict(details))


def _check_agents(agents: int) -> None:
    if int(agents) != agents or agents < 0:
        raise InvalidInput("agents must be a whole number >= 0",
                           details={"field": "agents", "value": agents})


# --- Erlang B -----------------------------------------------------------------------------


def erlang_b(traffic: float, lines: int) -> float:
    """Blocking probability of M/M/n/n with ``traffic`` Erlangs offered to ``lines`` lines."""
    _check_agents(lines)
    if traffic < 0:
        raise InvalidInput("traffic must be >= 0", details={"field": "traffic", "value": traffic})
    blocking = 1.0
    for k in range(1, int(lines) + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


# --- Erlang C -----------------------------------------------------------------------------


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a contact waits (M/M/n); 1.0 when the queue is unstable (n <= a)."""
    _check_agents(agents)
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c_metrics(work: Workload, agents: int, answer_within: float) -> QueueMetrics:
    """Erlang C service level ``P(wait <= answer_within)``, P(wait), ASA and occupancy."""
    a = work.traffic
    p_wait = erlang_c(a, agents)
    if agents <= a:
        # Unstable: the queue grows without bound; nobody is answered "in time" on average.
        return QueueMetrics(agents, 0.0, 1.0, math.inf, 1.0 if agents else 0.0)
    gap = agents - a
    service_level = 1.0 - p_wait * math.exp(-gap * answer_within / work.aht_seconds)
    asa = p_wait * work.aht_seconds / gap
    return QueueMetrics(agents, service_level, p_wait, asa, a / agents)


# --- Erlang A -----------------------------------------------------------------------------


def _log_series(a: float, y: float, *, harmonic: bool = False) -> float:
    """``log sum_{j>=0} y^j / (a (a+1) ... (a+j))`` (the series of ``gamma(a, y) e^y / y^a``).

    With ``harmonic`` each term is weighted by ``sum_{i<=j} 1 / (a+i)`` (minus the
    derivative in ``a``), which gives the mean wait.
    """
    if y <= 0:
        return -2 * math.log(a) if harmonic else -math.log(a)
    # Terms grow while a + j < y, then decay geometrically: sum well past the peak.
    count = int(max(0.0, y - a) + 40.0 + 12.0 * math.sqrt(y + 1.0))
    if count > 5_000_000:
        # Only absurd inputs get here (arrival rate x patience in the millions).
        raise InvalidInput("patience too long for this arrival rate: use Erlang C",
                           details={"field": "patience_seconds"})
    j = np.arange(count + 1, dtype=float)
    log_terms = j * math.log(y) - np.cumsum(np.log(a + j))
    if harmonic:
        log_terms = log_terms + np.log(np.cumsum(1.0 / (a + j)))
    return float(logsumexp(log_terms))


@dataclass(frozen=True)
class _ErlangAParts:
    """Normalised pieces of the M/M/n+M stationary law shared by all Erlang A metrics."""

    log_busy: float  # log P(all agents busy on arrival) = log P(V > 0)
    log_scale: float  # log of E * n mu / Z: the density of V is scale * exp(g(x))
    p_wait: float


def _erlang_a_parts(work: Workload, agents: int, theta: float) -> _ErlangAParts:
    lam, mu = work.rate, 1.0 / work.aht_seconds
    x, y = agents * mu / theta, lam / theta
    log_e = math.log(erlang_b(work.traffic, agents)) if work.traffic > 0 else -math.inf
    # A(x, y) = 1 + y * S(x + 1, y)  (Mandelbaum-Zeltyn), kept in log space.
    log_a = float(np.logaddexp(0.0, math.log(y) + _log_series(x + 1.0, y))) if y > 0 else 0.0
    # Z = 1 - E + E A normalises the law; P(V > 0) = E A / Z.
    log_ea = log_e + log_a
    log_z = float(np.logaddexp(math.log1p(-math.exp(log_e)) if log_e < 0 else -math.inf, log_ea))
    log_busy = log_ea - log_z
    return _ErlangAParts(log_busy, log_e + math.log(agents * mu) - log_z, math.exp(log_busy))


def erlang_a_metrics(
    work: Workload, agents: int, answer_within: float, patience_seconds: float,
    *, with_asa: bool = True,
) -> QueueMetrics:
    """Erlang A metrics with exponential patience of mean ``patience_seconds``.

    ``service_level`` = P(answered within ``answer_within``) over all arrivals;
    ``p_abandon`` = share of arrivals that hang up before an agent answers;
    ``asa_seconds`` = mean wait of the answered contacts;
    ``occupancy`` = answered work / agents.
    ``with_asa=False`` skips the mean-wait series (ASA is then NaN), for searches.
    """
    _check_agents(agents)
    if not (patience_seconds > 0 and math.isfinite(patience_seconds)):
        raise InvalidInput("patience must be a finite number of seconds > 0",
                           details={"field": "patience_seconds", "value": patience_seconds})
    if agents == 0:
        return QueueMetrics(0, 0.0, 1.0, math.inf, 0.0, 1.0 if work.arrivals else 0.0)
    if work.arrivals == 0 or erlang_b(work.traffic, agents) == 0.0:
        # No work, or so many agents that blocking underflows: nobody waits.
        return QueueMetrics(agents, 1.0, 0.0, 0.0, work.traffic / agents, 0.0)
    theta = 1.0 / patience_seconds
    lam, mu = work.rate, 1.0 / work.aht_seconds
    x, y = agents * mu / theta, lam / theta
    parts = _erlang_a_parts(work, agents, theta)
    # Answered after waiting in (0, t]: scale * int_0^t exp(y(1-e^{-theta s}) - (n mu + theta) s)
    # = (E/Z) x [S(x+1, y) - exp(y - z - (x+1) theta t) S(x+1, z)],  z = y e^{-theta t}.
    z = y * math.exp(-theta * answer_within)
    log_total = _log_series(x + 1.0, y)
    log_before = (y - z - (x + 1.0) * theta * answer_within) + _log_series(x + 1.0, z)
    log_pref = parts.log_scale - math.log(agents * mu) + math.log(x)
    served_after_wait = math.exp(log_pref + log_total)
    served_within = served_after_wait - math.exp(log_pref + log_before)
    p_abandon = max(0.0, parts.p_wait - served_after_wait)
    service_level = (1.0 - parts.p_wait) + max(0.0, served_within)
    answered = 1.0 - p_abandon
    asa = (_answered_wait_mean(parts.log_scale, y, theta, agents * mu) / answered
           if with_asa else math.nan)
    occupancy = min(1.0, work.traffic * answered / agents)
    return QueueMetrics(agents, service_level, parts.p_wait, asa, occupancy, p_abandon)


def _answered_wait_mean(log_scale: float, y: float, theta: float, n_mu: float) -> float:
    """``E[wait * 1{answered}]`` in closed form.

    ``int_0^inf e^{-c s} exp(y(1 - e^{-theta s})) ds = S(c / theta, y) / theta``, so the
    first moment is ``-d/dc`` of it: ``(1/theta^2) sum_j term_j * sum_{i<=j} 1/(a+i)`` with
    ``a = (n mu + theta) / theta``; every term is positive, so log space stays exact.
    """
    return math.exp(log_scale + _log_series(n_mu / theta + 1.0, y, harmonic=True)) / theta**2
