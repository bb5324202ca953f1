"""Names the ``ppa`` layer accepts for its model families and cross-validation splits.

Kept apart from :mod:`ppa.models` and :mod:`ppa.splits` so the command line can list them (in option
choices and help) without importing scikit-learn, XGBoost or Optuna.
"""
from __future__ import annotations

#: Model families of a surrogate target (``ppa.models.build``).
FAMILIES = ("auto", "xgboost", "random_forest", "mlp", "stacked", "loglinear", "additive", "gbr", "extra_trees")
#: Cross-validation splits: "unseen" (whole configurations held out) or "mixed" (random rows).
SPLITS = ("unseen", "mixed")
