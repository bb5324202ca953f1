"""PPASurrogate: one tuned model per PPA target, with held-out error, spread and a domain check.

Fit, per target: choose the target transform from the data (log space when it spans a decade or
more), tune the model family's hyperparameters with Optuna on ``tune_folds``-fold cross-validation,
then fit the tuned model on each of ``cv_folds`` training folds (another fold assignment). Those
fold models give the held-out error (``cv_metrics_``, from the out-of-fold predictions ``oof_``:
every row is predicted by a model that never saw it, or — with ``split="unseen"`` — never saw its
configuration) and the prediction spread
(``<target>_std`` = standard deviation across the fold models, in target units). The point
prediction comes from the tuned model refitted on all rows. The hyperparameters themselves were
chosen with all rows (on another fold assignment), so the held-out error is slightly optimistic.
``heldout_`` keeps those out-of-fold predictions with the true values, fold and configuration key
of every row (a bundle stores it, so parity plots need neither the training data nor a refit).

``derived`` features (:mod:`ppa.structure`) are computed from the raw features on every fit and
predict call, so queries hold the raw columns only; ``terms`` feed the ``additive`` family.
``inputs`` restricts a target's model to some features (a module's clock depends on that module's
parameters only). A ``min_of`` target is not fitted: it is the minimum of other targets' predictions (a core's clock
is its slowest module's), fold by fold for its held-out error and member by member for its spread.
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ppa import auto, transforms
from ppa.encoding import FeatureEncoder
from ppa.budget import FitClock
from ppa.errors import PPAInputError
from ppa.metrics import is_frequency_target, regression_metrics, timing_accuracy
from ppa.models import BASE_FAMILIES, FAMILIES, RAW_TARGET, build, model_predict
from ppa.schema import ARCHITECTURE_COLUMNS
from ppa.splits import SPLITS, config_groups, describe_split, make_folds
from ppa.structure import add_derived, term_matrix
from ppa.tuning import fit_predict_folds, tune

logger = logging.getLogger(__name__)

#: Fits after tuning per tuning-fold fit when planning (conservative) and checking the time: a
#: held-out fold sees 1/(cv_folds) more rows than a tuning fold, the final fit all of them.
_FIT_GROWTH = 1.4
_FIT_GROWTH_CHECK = 1.2
#: Share of ``budget_s`` kept back from the plan: the fit aims to end by (1 - _SAFETY) × budget_s, so that fit times
#: that grow faster than measured still end within the budget.
_SAFETY = 0.05


def _check_frame(X: pd.DataFrame, what: str) -> None:
    if not isinstance(X, pd.DataFrame):
        raise PPAInputError(f"{what} must be a pandas DataFrame with named columns, got {type(X).__name__}")
    if X.empty:
        raise PPAInputError(f"{what} has no rows")


class PPASurrogate(BaseEstimator):
    """Surrogate of backend PPA targets (e.g. area µm², power mW, fmax GHz) from configuration features.

    Parameters
    ----------
    model : str or dict
        "auto" | "xgboost" | "random_forest" | "mlp" | "stacked" | "loglinear" | "additive" | "gbr" | "extra_trees", or a
        dict target → family (e.g. additive cost models for area and power, xgboost for fmax). "auto"
        (the CLI's default) blends candidates chosen per target by cross-validated error (:mod:`ppa.auto`).
    split : str
        "unseen" (GroupKFold on ``group_by``) or "mixed" (KFold on rows), for tuning and error.
    group_by : list of str or None
        Configuration key of the unseen split; None → the architectural
        (``HardwareConfig``) columns among the features, or all features if there are none.
    categorical : sequence of str
        Feature columns to one-hot encode (non-numeric dtype columns are anyway).
    budget_s : float
        Time ceiling (s) of the whole fit — tuning, cross-validation and final fits — shared by the
        targets (each target's tuning stops early enough to leave time for its held-out folds and final
        fit, from the fit time it measured). A target whose held-out folds and final fit alone exceed the whole
        budget stops the fit with a message giving the budget it needs.
    n_trials : int or None
        Optuna trials per target and family (None: only the time budget). Results are
        reproducible for a given seed when the trial count, not the time budget, ends tuning.
    log_targets : str or dict
        "auto" (decide per target from its span) or a dict target → "log"|"log1p"|"none".
    clock_column : str
        Feature holding the target clock (GHz), used for the timing-met check.
    derived : dict or None
        Name → expression of extra feature columns (e.g. ``{"n_pe": "array_rows * array_cols"}``).
    terms : dict or None
        Target → list of cost-model term expressions, for the ``additive`` family.
    inputs : dict or None
        Target → features (raw or derived) its model sees; other targets see all of them
        (entries of targets that are not fitted are not used).
    min_of : dict or None
        Target → list of other target columns; the target is predicted as their minimum
        (e.g. ``{"fmax_ghz": ["pe_fmax_ghz", "lane_fmax_ghz"]}``). A component without its own
        ``model`` entry takes the target's family.
    lookup : dict or None
        Name → :class:`ppa.lookup.LookupTable`: features read from measured tables (e.g. the
        area of the PE a configuration uses, from ``accel-dse characterise``), before the derived ones.
    """

    def __init__(self, model="xgboost", split: str = "unseen", group_by=None, categorical=(),
                 budget_s: float = 60.0, n_trials: int | None = 30, cv_folds: int = 5, tune_folds: int = 3,
                 log_targets="auto", clock_column: str = "target_clock_ghz", n_jobs: int = 1,
                 seed: int = 0, progress: bool = True, derived=None, terms=None, inputs=None,
                 min_of=None, lookup=None):
        self.model = model
        self.split = split
        self.group_by = group_by
        self.categorical = categorical
        self.budget_s = budget_s
        self.n_trials = n_trials
        self.cv_folds = cv_folds
        self.tune_folds = tune_folds
        self.log_targets = log_targets
        self.clock_column = clock_column
        self.n_jobs = n_jobs
        self.seed = seed
        self.progress = progress
        self.derived = derived
        self.terms = terms
        self.inputs = inputs
        self.min_of = min_of
        self.lookup = lookup

    # ------------------------------------------------------------------ fit
    def family(self, target: str) -> str:
        """The model family of ``target``."""
        if isinstance(self.model, dict):
            if target not in self.model:
                owner = next((t for t, parts in (self.min_of or {}).items() if target in parts), None)
                if owner is not None and owner in self.model:
                    return self.model[owner]
                raise PPAInputError(f"no model family given for target {target!r} (model = {self.model})")
            return self.model[target]
        return self.model

    def _validate_params(self) -> None:
        families = self.model.values() if isinstance(self.model, dict) else [self.model]
        unknown = [f for f in families if f not in FAMILIES]
        if unknown:
            raise PPAInputError(f"unknown model {unknown[0]!r}; choose from {', '.join(FAMILIES)}")
        if self.split not in SPLITS:
            raise PPAInputError(f"unknown split {self.split!r}; choose from {', '.join(SPLITS)}")
        if self.budget_s <= 0 or (self.n_trials is not None and self.n_trials < 1):
            raise PPAInputError("budget_s must be > 0 and n_trials ≥ 1")
        if min(self.cv_folds, self.tune_folds) < 2:
            raise PPAInputError("cv_folds and tune_folds must be ≥ 2")
        for target, parts in (self.min_of or {}).items():
            if not (isinstance(parts, (list, tuple)) and len(parts) >= 2 and all(isinstance(p, str) for p in parts)):
                raise PPAInputError(f"min_of {target!r} must list two or more target columns, got {parts!r}")
            nested = [p for p in parts if p in self.min_of]
            if target in parts or nested:
                raise PPAInputError(f"min_of {target!r} lists {sorted(nested) or [target]}, which are min_of "
                                    "targets themselves; list fitted targets only")

    def fit(self, X: pd.DataFrame, y: pd.DataFrame, timing_met=None, groups: pd.DataFrame | None = None) -> "PPASurrogate":
        with threadpool_limits(self.n_jobs):  # BLAS threads would oversubscribe a shared machine
            return self._fit(X, y, timing_met, groups)

    def _fit(self, X: pd.DataFrame, y: pd.DataFrame, timing_met=None, groups: pd.DataFrame | None = None) -> "PPASurrogate":
        """Fit one model per column of ``y`` (NaN targets: that row is left out of that target only).

        ``timing_met`` (bool per row, optional) with the clock column enables the timing-met
        classification accuracy of frequency targets in ``cv_metrics_``. ``groups`` (optional, one row
        per row of ``X``): the configuration key columns of the unseen split when they are not all
        features (e.g. an excluded design-name column); its columns are then ``group_by_``.
        """
        self._validate_params()
        _check_frame(X, "X")
        y = y.to_frame() if isinstance(y, pd.Series) else y
        _check_frame(y, "y")
        if len(X) != len(y):
            raise PPAInputError(f"X has {len(X)} rows but y has {len(y)}")
        if groups is not None and len(groups) != len(X):
            raise PPAInputError(f"groups has {len(groups)} rows but X has {len(X)}")
        X, y = X.reset_index(drop=True), y.reset_index(drop=True).astype(float)
        categorical = [c for c in X.columns if c in set(self.categorical) or not pd.api.types.is_numeric_dtype(X[c])]
        for target in y.columns:
            self.family(target)
        min_of = self.min_of or {}
        for target, parts in min_of.items():
            absent = [c for c in [target, *parts] if c not in y.columns]
            if absent:
                raise PPAInputError(f"min_of {target!r} = {list(parts)} needs target column(s) {absent} in y "
                                    f"(targets given: {list(y.columns)})")
        for c in X.columns:
            if c not in categorical:
                bad = ~np.isfinite(X[c].to_numpy(float))
                if bad.any():
                    raise PPAInputError(f"feature {c!r} is NaN/inf at rows {np.flatnonzero(bad)[:8].tolist()}")
        clock = FitClock(self.budget_s * (1 - _SAFETY))
        self.features_ = list(X.columns)
        self.targets_ = list(y.columns)
        full = add_derived(X, self.derived, self.lookup)
        self.encoder_ = FeatureEncoder(list(full.columns), categorical).fit(full)
        for target, names in (self.inputs or {}).items():  # inputs of targets not in y are not used
            unknown = [n for n in names if n not in self.encoder_.features]
            if unknown or not names:
                raise PPAInputError(f"inputs of {target!r}: {unknown or 'none'} are not features "
                                    f"(features: {', '.join(self.encoder_.features)})")
        Z = self.encoder_.transform(full)
        architecture = [c for c in self.features_ if c in ARCHITECTURE_COLUMNS]
        if groups is not None:
            keys = groups.reset_index(drop=True)
            self.group_by_, source = list(keys.columns), "given"
        else:
            keys = X
            self.group_by_ = list(self.group_by or architecture or self.features_)
            source = "given" if self.group_by else "architecture columns" if architecture else "all features"
        self.split_description_ = describe_split(self.split, self.group_by_, source,
                                                 len(np.unique(config_groups(keys, self.group_by_))), len(X))
        fitted = [t for t in self.targets_ if t not in min_of]
        tuned = {t: BASE_FAMILIES if self.family(t) == "stacked" else (self.family(t),) for t in fitted}
        self.transforms_, self.tuning_, self.models_, self.members_, rows, oofs = {}, {}, {}, {}, [], {}
        folds = {}  # target -> fold of each row's out-of-fold prediction (-1: none)
        bar = tqdm(total=sum(len(f) + 1 for f in tuned.values()), desc="train", disable=not self.progress,
                   unit="step", leave=False)
        for i, target in enumerate(fitted):
            family = self.family(target)
            keep = y[target].notna().to_numpy()
            if keep.sum() < 2 * self.cv_folds:
                raise PPAInputError(f"target {target!r} has only {int(keep.sum())} values")
            Zt, yt = self._design(full, Z, target)[keep], y[target].to_numpy()[keep]
            n_terms = self._n_terms(target)
            fixed = self.log_targets.get(target) if isinstance(self.log_targets, dict) else None
            if family in RAW_TARGET:
                if (yt <= 0).any():
                    raise PPAInputError(f"target {target!r} has values ≤ 0 at rows {np.flatnonzero(yt <= 0)[:8].tolist()}: "
                                        f"the {family} model fits relative error and needs positive values")
                transform, reason = "none", f"the {family} model fits the target itself, weighting rows by 1/y"
            elif family == "auto":
                transform, reason = "none", "per blend member: the target or its log, chosen by cross-validation"
            elif fixed:
                transform, reason = fixed, "given"
            else:
                transform, reason = transforms.choose_transform(yt)
            if transform not in transforms.TRANSFORMS:
                raise PPAInputError(f"log_targets[{target!r}] = {transform!r}; choose from {transforms.TRANSFORMS}")
            if transform == "log" and (yt <= 0).any() or transform == "log1p" and (yt < 0).any():
                raise PPAInputError(f"target {target!r} has values ≤ 0: it cannot be fitted in {transform} space")
            self.transforms_[target] = {"transform": transform, "reason": reason}
            groups = config_groups(keys[keep], self.group_by_)
            tune_folds = make_folds(self.split, groups, self.tune_folds, self.seed)
            eval_folds = make_folds(self.split, groups, self.cv_folds, self.seed + 1)
            share = clock.left() / (len(fitted) - i)
            info, reserve = {}, (self.cv_folds + 1) * _FIT_GROWTH
            if family == "auto":
                bar.set_postfix_str(f"{target}: choosing the blend")
                n_splits, n_repeats = auto.selection_plan(len(yt), len(np.unique(groups)))
                repeats = [make_folds(self.split, groups, n_splits, self.seed + 2 + r) for r in range(n_repeats)]
                selection = auto.select(Zt, yt, tune_folds, repeats, budget_s=share, reserve_fits=reserve,
                                        n_trials=self.n_trials, seed=self.seed, n_jobs=self.n_jobs, clock=clock,
                                        tag=f"{target}: ")
                info["auto"], fit_s = selection.as_info(), selection.fit_s
                bar.update()
            else:
                fit_s = 0.0
                for member in tuned[target]:
                    bar.set_postfix_str(f"{target}: tuning {member}")
                    result = tune(member, Zt, yt, transform, tune_folds, budget_s=share / len(tuned[target]),
                                  n_trials=self.n_trials, seed=self.seed, n_jobs=self.n_jobs, n_terms=n_terms,
                                  reserve_fits=reserve * (4 if family == "stacked" else 1), clock=clock,
                                  tag=f"{target}: ")
                    info[member] = {"params": result.params, "cv_error": result.error, "trials": result.n_trials,
                                    "seconds": round(result.seconds, 3)}
                    fit_s += result.fit_s * (4 if family == "stacked" else 1)  # stacking fits each member 3 + 1 times
                    bar.update()
            self._check_time(target, family, fit_s, len(yt), len(fitted))
            bar.set_postfix_str(f"{target}: fold models")
            self.tuning_[target] = info
            estimator = self.tuned_estimator(target)
            began, planned = clock.now(), reserve * fit_s
            oof, members = fit_predict_folds(estimator, Zt, yt, transform, eval_folds, clock=clock,
                                             name=f"{target}: held-out folds")
            self.members_[target] = members
            oofs[target] = np.full(len(y), np.nan)
            oofs[target][keep] = oof
            folds[target] = np.full(len(y), -1)
            for k, (_, test) in enumerate(eval_folds):
                folds[target][np.flatnonzero(keep)[test]] = k
            self.models_[target] = clone(estimator).fit(Zt, transforms.forward(transform, yt))
            logger.info("%s: held-out folds and final fit took %.1f s (planned ~%.1f s); %.1f s of the budget left",
                        target, clock.now() - began, planned, clock.left())
            row = {"target": target, "model": family, "split": self.split, "transform": transform,
                   "configs": int(len(np.unique(groups))), **regression_metrics(yt, oof)}
            row["timing_accuracy"] = self._timing(target, X[keep], oof, timing_met, keep)
            rows.append(row)
            logger.info("%s: %s on %s, held-out MAPE %.2f %% (%s split, %d configurations)", target, family,
                        transform, row["mape_pct"], self.split, row["configs"])
            bar.update()
        bar.close()
        for target, parts in min_of.items():
            oofs[target] = pred = np.min([oofs[c] for c in parts], axis=0)
            same = np.all([folds[c] == folds[parts[0]] for c in parts], axis=0)
            folds[target] = np.where(same, folds[parts[0]], -1)  # -1: the components' folds differ
            keep = y[target].notna().to_numpy() & np.isfinite(pred)
            self.transforms_[target] = {"transform": "none", "reason": f"the minimum of {', '.join(parts)}"}
            self.tuning_[target] = {}
            row = {"target": target, "model": f"min({', '.join(parts)})", "split": self.split, "transform": "none",
                   "configs": int(len(np.unique(config_groups(keys[keep], self.group_by_)))),
                   **regression_metrics(y[target].to_numpy()[keep], pred[keep])}
            row["timing_accuracy"] = self._timing(target, X[keep], pred[keep], timing_met, keep)
            rows.append(row)
        self.cv_metrics_ = pd.DataFrame(rows).set_index("target").loc[self.targets_]
        self.oof_ = pd.DataFrame({t: oofs[t] for t in self.targets_})
        self.heldout_ = self._heldout(keys, y, oofs, folds)
        self.fit_seconds_ = clock.elapsed()
        if self.fit_seconds_ > self.budget_s:
            logger.warning("the fit took %.0f s, over budget_s=%.0f s: the machine slowed down more than the fit "
                           "times measured on the way foresaw", self.fit_seconds_, self.budget_s)
        return self

    def _check_time(self, target: str, family: str, fit_s: float, n_rows: int, n_targets: int) -> None:
        """Stop, naming the budget needed, when ``target``'s held-out folds and final fit alone (``fit_s``
        seconds each, measured while tuning) take longer than the whole budget. Short of that the fit goes
        on — a fit time measured on a shared machine is an estimate — and an overrun is logged at the end."""
        need = (self.cv_folds + 1) * fit_s * _FIT_GROWTH_CHECK
        if np.isfinite(fit_s) and need > self.budget_s:
            raise PPAInputError(
                f"budget_s={self.budget_s:.0f} (--budget-s) is too small: one {family} fit of {target!r} takes "
                f"~{fit_s:.2g} s on {n_rows} rows, so its {self.cv_folds}-fold held-out error and final fit alone "
                f"need ~{need:.0f} s; give --budget-s {2 * need * n_targets:.0f} or more ({n_targets} target(s))")

    def _heldout(self, X: pd.DataFrame, y: pd.DataFrame, oofs: dict, folds: dict) -> pd.DataFrame:
        """Long table of the out-of-fold predictions: ``target``, ``row`` (position in the training
        data), ``key`` (the row's configuration, ``column=value|…`` over ``group_by_``), ``fold``
        (-1 for a min_of target whose components were held out in different folds), ``actual`` and
        ``predicted`` (target units); rows with a missing true or predicted value are left out."""
        keys = X[self.group_by_].astype(str).apply(lambda col: f"{col.name}=" + col).agg("|".join, axis=1)
        frames = []
        for target in self.targets_:
            actual = y[target].to_numpy(float)
            rows = np.flatnonzero(np.isfinite(actual) & np.isfinite(oofs[target]))
            frames.append(pd.DataFrame({"target": target, "row": rows, "key": keys.to_numpy()[rows],
                                        "fold": folds[target][rows], "actual": actual[rows],
                                        "predicted": oofs[target][rows]}))
        return pd.concat(frames, ignore_index=True)

    def tuned_estimator(self, target: str):
        """An unfitted estimator of ``target``'s family with its tuned parameters."""
        family, tuned = self.family(target), self.tuning_[target]
        params = {f: tuned[f]["params"] for f in tuned} if family == "stacked" else tuned[family]["params"]
        return build(family, params, seed=self.seed, n_jobs=self.n_jobs, n_terms=self._n_terms(target))

    def design(self, X: pd.DataFrame, target: str) -> np.ndarray:
        """The model input of ``target`` for rows of raw features: derived features, encoding, terms."""
        self._check_fitted()
        full = self._with_derived(X)
        return self._design(full, self.encoder_.transform(full), target)

    def _with_derived(self, X: pd.DataFrame) -> pd.DataFrame:
        """The model's raw feature columns of ``X`` followed by the looked-up and the derived features."""
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise PPAInputError(f"query is missing feature column(s) {missing}; the model needs {self.features_}")
        return add_derived(X[self.features_], self.derived, self.lookup, "query row")

    def _n_terms(self, target: str) -> int:
        """Cost-model terms of ``target`` when its family is ``additive`` (they lead its design matrix)."""
        if self.family(target) != "additive":
            return 0
        if not self.terms or target not in self.terms:
            raise PPAInputError(f"model family 'additive' needs cost-model terms for target {target!r}: add "
                                f"`{target} = [\"n_pe\", ...]` to the spec's [terms] table")
        return len(self.terms[target])

    def _design(self, full: pd.DataFrame, Z: np.ndarray, target: str) -> np.ndarray:
        """Model input of ``target``: [its cost-model terms over ``full``, if additive] + the encoded
        features ``Z`` (``encoder_.transform(full)``, computed once for all targets)."""
        if self.inputs and target in self.inputs:
            Z = Z[:, self.encoder_.columns_of(self.inputs[target])]
        if not self._n_terms(target):
            return Z
        return np.column_stack([term_matrix(full, target, self.terms[target]), Z])

    def _timing(self, target, X, fmax_pred, timing_met, keep=None) -> float:
        if timing_met is None or not is_frequency_target(target) or self.clock_column not in X:
            return float("nan")
        met = np.asarray(timing_met, bool)
        met = met[keep] if keep is not None and len(met) == len(keep) else met
        return timing_accuracy(fmax_pred, X[self.clock_column].to_numpy(float), met)

    # -------------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise PPAInputError("this PPASurrogate is not fitted yet: call fit() or load_bundle()")

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """Columns ``<target>`` (target units), ``<target>_std`` (spread across the fold models)
        and ``in_domain`` (False where a feature is outside the training range or an unseen category)."""
        self._check_fitted()
        _check_frame(X, "query")
        full = self._with_derived(X)
        encoded = self.encoder_.transform(full)
        min_of = self.min_of or {}
        point, spread = {}, {}
        for target in self.targets_:
            if target in min_of:
                continue
            Z = self._design(full, encoded, target)
            t = self.transforms_[target]["transform"]
            point[target] = transforms.inverse(t, model_predict(self.models_[target], Z))
            spread[target] = np.stack([transforms.inverse(t, model_predict(m, Z)) for m in self.members_[target]])
        for target, parts in min_of.items():
            point[target] = np.min([point[c] for c in parts], axis=0)
            spread[target] = np.min([spread[c] for c in parts], axis=0)  # member k: min of the parts' member k
        out = {}
        for target in self.targets_:
            out[target] = point[target]
            out[f"{target}_std"] = spread[target].std(axis=0, ddof=1)
        out["in_domain"] = self.encoder_.in_domain(full)
        return pd.DataFrame(out, index=X.index)

    def evaluate(self, X: pd.DataFrame, y: pd.DataFrame, timing_met=None) -> pd.DataFrame:
        """Error of the fitted models on the rows given (one row per target; NaN targets skipped)."""
        pred = self.predict(X)
        y = y.to_frame() if isinstance(y, pd.Series) else y
        missing = [t for t in self.targets_ if t not in y.columns]
        if missing:
            raise PPAInputError(f"evaluation data lacks target column(s) {missing}")
        rows = []
        for target in self.targets_:
            keep = y[target].notna().to_numpy()
            row = {"target": target, **regression_metrics(y[target].to_numpy(float)[keep], pred[target].to_numpy()[keep]),
                   "in_domain_pct": 100.0 * float(pred["in_domain"].to_numpy()[keep].mean())}
            row["timing_accuracy"] = self._timing(target, X.reset_index(drop=True)[keep],
                                                  pred[target].to_numpy()[keep], timing_met, keep)
            rows.append(row)
        return pd.DataFrame(rows).set_index("target")

    def score(self, X: pd.DataFrame, y: pd.DataFrame) -> float:
        """Mean R² over the targets (scikit-learn convention: higher is better)."""
        return float(self.evaluate(X, y)["r2"].mean())

    @property
    def features(self) -> list[str]:
        self._check_fitted()
        return self.features_

    @property
    def targets(self) -> list[str]:
        self._check_fitted()
        return self.targets_
