"""The time budget of a fit: a deadline, and fit-time estimates that follow the machine's load.

A fit on a shared machine cannot plan with the fit times it measured first: another process may start
and halve its speed halfway through. :class:`FitClock` keeps every fold fit's time (seconds) per model,
divided by the machine's ``load`` when it ran, and estimates the next fit of a model as its median such time
times the current ``load``: a high quantile (:data:`LOAD_QUANTILE`) of the latest ratios of a fit's time to
its model's usual time (or the median of the last three, which sees a sudden slowdown after two fits), never
below 1. So every fit updates the plan, a slowdown seen on one model is applied
to all of them within a few fits, and a short noisy fit does not move it (fits shorter than :data:`NOISE_S`
are timer noise and give no ratio).
"""
from __future__ import annotations

import time
from collections import deque
from typing import Callable

import numpy as np

#: Fits shorter than this (s) give no load ratio: their times are mostly overhead and timer noise.
NOISE_S = 0.05
#: Load ratios kept (the latest ones), and the quantile of them that is the load.
RECENT = 12
LOAD_QUANTILE = 0.75


class FitClock:
    """Deadline (``budget_s`` seconds from now) and load-following fit-time estimates (seconds per fit).

    ``now`` reads the clock in seconds (None: ``time.perf_counter``)."""

    def __init__(self, budget_s: float, now: Callable[[], float] | None = None):
        self.now = now or time.perf_counter
        self.start = self.now()
        self.deadline = self.start + budget_s
        self.fits: dict[str, list[float]] = {}
        self.ratios: deque[float] = deque(maxlen=RECENT)

    def left(self) -> float:
        """Seconds to the deadline (negative once past it)."""
        return self.deadline - self.now()

    def elapsed(self) -> float:
        return self.now() - self.start

    def record(self, name: str, seconds: float) -> None:
        """One fit of model ``name`` took ``seconds``: a model fitted before gives a load ratio (this time over
        its usual one), and the time is kept divided by the load it ran at."""
        seen = self.fits.setdefault(name, [])
        if seen and seconds >= NOISE_S:
            self.ratios.append(seconds / float(np.median(seen)))
        seen.append(float(seconds) / self.load)

    @property
    def load(self) -> float:
        """How much slower fits run now than when first measured (≥ 1): the LOAD_QUANTILE of the latest
        RECENT load ratios, or the median of the last three when higher (a sudden slowdown shows after two fits)."""
        if not self.ratios:
            return 1.0
        latest = list(self.ratios)[-3:]
        return max(1.0, float(np.quantile(self.ratios, LOAD_QUANTILE)), float(np.median(latest)))

    def estimate(self, name: str, default: float = 0.0) -> float:
        """Seconds of the next fit of ``name``: its median time (at load 1) × the current load; ``default``
        (seconds, as measured now) for a model not fitted yet."""
        seen = self.fits.get(name)
        return float(np.median(seen)) * self.load if seen else default

    def timed(self, name: str, work: Callable[[], object]) -> object:
        """Run ``work()`` (one fit), record its time under ``name`` and return its result."""
        began = self.now()
        out = work()
        self.record(name, self.now() - began)
        return out
