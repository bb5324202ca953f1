"""Open backend flow: parameterized MAC-array RTL → Yosys synthesis → OpenSTA timing/power.

Produces the real post-synthesis PPA samples bundled in ``datasets/<pdk>/ppa_samples.csv``.
"""
