"""The time budget of a fit: a deadline, and fit-time estimates that follow the machine's load.

A fit on a shared machine cannot plan with the fit times it measured first: another process may start
and halve its speed halfway through. :class:`FitClock` keeps every fold fit's time (seconds) per model and
estimates the next fit of a model from its own fits — their :data:`FIT_QUANTILE` quantile, not the first
or the mean — times the slowdown seen since its last fit: the median of the latest :data:`LATEST` load
ratios of the fits made since then (each a fit's time over its model's median earlier time), when there are
at least two (never below 1). So every fit updates the plan, a slowdown seen on the models being fitted is applied to a
model fitted before it (the blend's members, whose held-out folds come last) within two fits, and a model
fitted at the new speed is not charged for it twice. Fits shorter than :data:`NOISE_S` give no ratio (their
times are mostly overhead and timer noise).
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

#: Fits shorter than this (s) give no load ratio: their times are mostly overhead and timer noise.
NOISE_S = 0.05
#: Quantile of a model's own fit times that its estimate starts from.
FIT_QUANTILE = 0.9
#: Latest load ratios whose median is the slowdown (a sudden one shows after two fits).
LATEST = 3


class FitClock:
    """Deadline (``budget_s`` seconds from now) and load-following fit-time estimates (seconds per fit).

    ``now`` reads the clock in seconds (None: ``time.perf_counter``)."""

    def __init__(self, budget_s: float, now: Callable[[], float] | None = None):
        self.now = now or time.perf_counter
        self.start = self.now()
        self.deadline = self.start + budget_s
        self.fits: dict[str, list[float]] = {}  #: name → seconds of each of its fits
        self.ratios: list[tuple[int, float]] = []  #: (fit number, load ratio) of the fits that give one
        self._last: dict[str, int] = {}  # name → number of its latest fit
        self._count = 0

    def left(self) -> float:
        """Seconds to the deadline (negative once past it)."""
        return self.deadline - self.now()

    def elapsed(self) -> float:
        return self.now() - self.start

    def record(self, name: str, seconds: float) -> None:
        """One fit of model ``name`` took ``seconds``; a model fitted before also gives a load ratio (this time
        over its median earlier time)."""
        seen = self.fits.setdefault(name, [])
        self._count += 1
        if seen and seconds >= NOISE_S:
            self.ratios.append((self._count, seconds / float(np.median(seen))))
        seen.append(float(seconds))
        self._last[name] = self._count

    def slowdown(self, name: str) -> float:
        """How much slower fits run now than at ``name``'s latest fit (≥ 1): the median of the latest
        :data:`LATEST` load ratios of the fits made since, when there are two or more."""
        since = [r for k, r in self.ratios if k > self._last.get(name, self._count)][-LATEST:]
        return max(1.0, float(np.median(since))) if len(since) >= 2 else 1.0

    def estimate(self, name: str, default: float = 0.0) -> float:
        """Seconds of the next fit of ``name``: the FIT_QUANTILE of its fits × :meth:`slowdown`; ``default``
        (seconds, as measured now) for a model not fitted yet."""
        seen = self.fits.get(name)
        return float(np.quantile(seen, FIT_QUANTILE)) * self.slowdown(name) if seen else default

    def timed(self, name: str, work: Callable[[], object]) -> object:
        """Run ``work()`` (one fit), record its time under ``name`` and return its result."""
        began = self.now()
        out = work()
        self.record(name, self.now() - began)
        return out
