"""Cost models the evaluator composes: a performance model (cycles, traffic), a logic-PPA model (logic
area, power, fmax) and a memory model (buffer area, SRAM/DRAM energy, SRAM leakage, memory fmax).

The contract is :mod:`dse.cost.protocols`; :mod:`dse.cost.registry` finds a component by the name a
space file's ``[cost_models]`` gives. A module added to this package that registers a class is a new
model — nothing else is edited.
"""
