"""Discrete-event simulation of the agent queue, to check the Erlang formulas and a plan.

The model: Poisson arrivals (rate constant within each interval), handle times drawn from
an exponential or an empirical distribution, optional exponential patience, FCFS, and a
number of agents that may change at interval boundaries (an agent going off shift finishes
the contact in hand). Events are kept in a heap; abandonment is resolved lazily when an
agent reaches a waiting contact whose patience has run out, which is exact for the
measures reported here and saves one event per contact.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crm_core.errors import InvalidInput


@dataclass(frozen=True)
class SimulationResult:
    """What the simulated contacts experienced (warm-up contacts excluded)."""

    arrivals: int
    answered: int
    abandoned: int
    answered_within: int
    total_answered_wait: float
    busy_seconds: float
    agent_seconds: float
    # Per interval of arrival (all intervals, warm-up included): contacts and hits.
    interval_arrivals: tuple[int, ...] = ()
    interval_within: tuple[int, ...] = ()

    @property
    def interval_service_level(self) -> tuple[float | None, ...]:
        """Service level of the contacts arriving in each interval (None if none arrived)."""
        return tuple(w / a if a else None
                     for a, w in zip(self.interval_arrivals, self.interval_within, strict=True))

    @property
    def service_level(self) -> float:
        """Answered within the target over all arrivals (abandons count as misses)."""
        return self.answered_within / self.arrivals if self.arrivals else 1.0

    @property
    def p_abandon(self) -> float:
        """Share of arrivals that abandoned."""
        return self.abandoned / self.arrivals if self.arrivals else 0.0

    @property
    def asa_seconds(self) -> float:
        """Mean wait of the answered contacts."""
        return self.total_answered_wait / self.answered if self.answered else 0.0

    @property
    def occupancy(self) -> float:
        """Busy time over staffed time."""
        return self.busy_seconds / self.agent_seconds if self.agent_seconds else 0.0


@dataclass(frozen=True)
class SimulationSpec:
    """Per-interval arrivals and agents, plus the service and patience laws.

    ``aht_seconds`` is one mean or one per interval (of arrival); ``handle_samples``
    (seconds) switches from exponential handle times to resampling the empirical ones;
    ``patience_seconds`` (mean) turns abandonment on.
    """

    arrivals: Sequence[float]
    agents: Sequence[int]
    interval_seconds: float
    aht_seconds: float | Sequence[float]
    answer_within: float
    patience_seconds: float | None = None
    handle_samples: Sequence[float] | None = None
    warmup_intervals: int = 0

    def __post_init__(self) -> None:
        if len(self.arrivals) != len(self.agents) or not len(self.arrivals):
            raise InvalidInput("arrivals and agents need the same, non-zero length",
                               details={"arrivals": len(self.arrivals),
                                        "agents": len(self.agents)})
        aht = np.asarray(self.aht_seconds, dtype=float)
        if aht.ndim and aht.size != len(self.arrivals):
            raise InvalidInput("aht_seconds needs one value per interval",
                               details={"aht_seconds": int(aht.size)})
        if self.interval_seconds <= 0 or (aht <= 0).any():
            raise InvalidInput("interval and handle time must be > 0")
        if min(self.agents) < 0 or min(self.arrivals) < 0:
            raise InvalidInput("arrivals and agents must be >= 0")


def _arrival_times(spec: SimulationSpec, rng: np.random.Generator) -> np.ndarray:
    counts = rng.poisson(np.asarray(spec.arrivals, dtype=float))
    starts = np.repeat(np.arange(len(counts)) * spec.interval_seconds, counts)
    return np.sort(starts + rng.uniform(0.0, spec.interval_seconds, size=starts.size))


def _slots(spec: SimulationSpec, times: np.ndarray) -> np.ndarray:
    return np.minimum((times // spec.interval_seconds).astype(int), len(spec.arrivals) - 1)


def _handle_times(spec: SimulationSpec, arrivals: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    if spec.handle_samples is not None:
        return rng.choice(np.asarray(spec.handle_samples, dtype=float), size=arrivals.size)
    aht = np.asarray(spec.aht_seconds, dtype=float)
    mean = aht[_slots(spec, arrivals)] if aht.ndim else aht
    return rng.exponential(mean, size=arrivals.size)


# Event kinds, ordered so that at equal times staffing changes come before departures.
_SHIFT, _DEPART = 0, 1


def simulate(spec: SimulationSpec, *, seed: int = 0) -> SimulationResult:
    """Run the queue once with a fixed seed and return what the contacts experienced."""
    rng = np.random.default_rng(seed)
    times = _arrival_times(spec, rng)
    # Plain Python floats: the event loop below is several times faster on them than on
    # numpy scalars, and the counters stay plain ints.
    handles = _handle_times(spec, times, rng).tolist()
    patience = (rng.exponential(spec.patience_seconds, size=times.size).tolist()
                if spec.patience_seconds else [math.inf] * times.size)
    arrivals = times.tolist()
    total = len(arrivals)
    warmup_end = spec.warmup_intervals * spec.interval_seconds
    horizon = len(spec.agents) * spec.interval_seconds

    events: list[tuple[float, int, int]] = [
        (i * spec.interval_seconds, _SHIFT, int(n)) for i, n in enumerate(spec.agents)]
    heapq.heapify(events)
    waiting: deque[int] = deque()
    staffed = busy = 0
    tally = _Tally(warmup_end, spec.answer_within, spec.interval_seconds, len(spec.agents))

    def start_waiting(now: float) -> None:
        nonlocal busy
        while busy < staffed and waiting:
            i = waiting.popleft()
            wait = now - arrivals[i]
            if wait > patience[i]:
                tally.abandon(arrivals[i])
                continue
            busy += 1
            tally.answer(arrivals[i], wait, handles[i], now, horizon)
            heapq.heappush(events, (now + handles[i], _DEPART, 0))

    next_arrival = 0
    while next_arrival < total or events:
        if events and (next_arrival >= total or events[0][0] <= arrivals[next_arrival]):
            now, kind, value = heapq.heappop(events)
            if kind == _SHIFT:
                staffed = value
            else:
                busy -= 1
        else:
            now = arrivals[next_arrival]
            tally.arrive(now)
            waiting.append(next_arrival)
            next_arrival += 1
        start_waiting(now)
    # Contacts still waiting when the last agent left count as abandoned.
    for i in waiting:
        tally.abandon(arrivals[i])
    agent_seconds = sum(int(n) for n in spec.agents[spec.warmup_intervals:]) * spec.interval_seconds
    return tally.result(agent_seconds)


class _Tally:
    """Counters for contacts that arrived after the warm-up."""

    def __init__(self, warmup_end: float, answer_within: float, interval_seconds: float,
                 intervals: int) -> None:
        self.warmup_end, self.answer_within = warmup_end, answer_within
        self.arrivals = self.answered = self.abandoned = self.within = 0
        self.wait = self.busy = 0.0
        self.interval_seconds = interval_seconds
        self.per_arrivals = [0] * intervals
        self.per_within = [0] * intervals

    def _slot(self, at: float) -> int:
        return min(int(at // self.interval_seconds), len(self.per_arrivals) - 1)

    def arrive(self, at: float) -> None:
        self.arrivals += at >= self.warmup_end
        self.per_arrivals[self._slot(at)] += 1

    def abandon(self, arrived: float) -> None:
        self.abandoned += arrived >= self.warmup_end

    def answer(self, arrived: float, wait: float, handle: float, now: float,
               horizon: float) -> None:
        # Busy time is counted inside the measured window only, for occupancy.
        self.busy += max(0.0, min(now + handle, horizon) - max(now, self.warmup_end))
        self.per_within[self._slot(arrived)] += wait <= self.answer_within
        if arrived < self.warmup_end:
            return
        self.answered += 1
        self.wait += wait
        self.within += wait <= self.answer_within

    def result(self, agent_seconds: float) -> SimulationResult:
        return SimulationResult(self.arrivals, self.answered, self.abandoned, self.within,
                                self.wait, self.busy, agent_seconds,
                                tuple(self.per_arrivals), tuple(self.per_within))


def simulate_stationary(arrivals: float, interval_seconds: float, aht_seconds: float,
                        agents: int, answer_within: float, *, intervals: int = 200,
                        patience_seconds: float | None = None, seed: int = 0,
                        handle_samples: Sequence[float] | None = None) -> SimulationResult:
    """The same interval repeated ``intervals`` times (the first 5% discarded as warm-up)."""
    spec = SimulationSpec([arrivals] * intervals, [agents] * intervals, interval_seconds,
                          aht_seconds, answer_within, patience_seconds, handle_samples,
                          warmup_intervals=max(1, intervals // 20))
    return simulate(spec, seed=seed)
