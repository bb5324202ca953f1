"""Multi-DNN workloads: several networks run together, each a number of times per frame.

A :class:`MultiWorkload` is what one *frame* of an edge device runs, e.g. 1× ResNet-50 + 2× MobileNetV2 +
1× BERT-base. Each network instance is a job; its layers keep their order as a **chain** (layer *i+1*
depends on layer *i*). The built-in networks list residual shortcuts in sequence (the zoo has no layer
graph), so a residual branch is serialised inside its chain rather than run as a parallel DAG branch:
parallelism comes from the independent network instances. Instances of the same network share one
per-layer cost table (:mod:`frontend_sim.schedule`).

Spec strings, as ``accel-dse simulate --workload`` takes them (repeat the option for several networks):
``NAME`` (one instance) or ``NAME:COUNT`` (COUNT instances per frame, an integer >= 1); NAME is anything
:func:`frontend_sim.loader.load_workload` reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from frontend_sim.errors import SimulatorInputError
from frontend_sim.loader import load_workload
from frontend_sim.workloads import Workload

_COUNT = re.compile(r"[1-9]\d*")


@dataclass(frozen=True)
class Job:
    """One network instance: which network (index into ``MultiWorkload.networks``) and its label."""

    network: int
    name: str


@dataclass(frozen=True)
class MultiWorkload:
    """Networks with their instance counts per frame (``((Workload, count), ...)``)."""

    networks: tuple[tuple[Workload, int], ...]
    name: str = ""

    def __post_init__(self) -> None:
        if not self.networks:
            raise SimulatorInputError("multi-DNN workload: expected at least one network")
        names = [w.name for w, _ in self.networks]
        if len(set(names)) != len(names):
            raise SimulatorInputError(f"multi-DNN workload: network names repeat: {names}; give each network "
                                      f"once with a count (NAME:COUNT)")
        for workload, count in self.networks:
            if not isinstance(workload, Workload) or not workload.layers:
                raise SimulatorInputError(f"multi-DNN workload: network {getattr(workload, 'name', workload)!r} "
                                          f"has no layers")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise SimulatorInputError(f"multi-DNN workload: network {workload.name!r} count={count!r}; "
                                          f"expected an integer >= 1")
        if not self.name:
            object.__setattr__(self, "name", "+".join(f"{c}x{w.name}" for w, c in self.networks))

    @property
    def jobs(self) -> tuple[Job, ...]:
        """Every network instance of one frame, network by network."""
        return tuple(Job(n, f"{w.name}#{i}" if c > 1 else w.name)
                     for n, (w, c) in enumerate(self.networks) for i in range(c))

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one frame."""
        return sum(w.macs * c for w, c in self.networks)

    @property
    def layer_count(self) -> int:
        """Layers of one frame (all instances)."""
        return sum(len(w.layers) * c for w, c in self.networks)


def parse_network_spec(text: str) -> tuple[str, int]:
    """``"mobilenetv2:2"`` → ``("mobilenetv2", 2)``; ``"resnet50"`` → ``("resnet50", 1)``."""
    name, sep, count = text.rpartition(":")
    if not sep:
        return text, 1
    if not name or not _COUNT.fullmatch(count):
        raise SimulatorInputError(f"--workload {text!r}: count {count!r} is not an integer >= 1 "
                                  f"(expected NAME or NAME:COUNT)")
    return name, int(count)


def load_multi_workload(specs: list[str] | tuple[str, ...] | dict[str, int], name: str = "") -> MultiWorkload:
    """A MultiWorkload from ``NAME[:COUNT]`` strings or a ``{name: count}`` dict (counts add up when a name
    repeats in the strings)."""
    if isinstance(specs, dict):
        pairs = list(specs.items())
        for key, count in pairs:
            if isinstance(count, float) and count.is_integer():
                count = int(count)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise SimulatorInputError(f"multi-DNN workload: network {key!r} count={count!r}; expected an "
                                          f"integer >= 1")
        pairs = [(key, int(count)) for key, count in pairs]
    else:
        counts: dict[str, int] = {}
        for spec in specs:
            key, count = parse_network_spec(spec)
            counts[key] = counts.get(key, 0) + count
        pairs = list(counts.items())
    return MultiWorkload(tuple((load_workload(key), count) for key, count in pairs), name)
