"""Search-space files (TOML) → Optuna distributions, fixed values, validity rules, objectives, constraints.

A space file::

    [parameters]                       # what the search varies
    array_rows = { low = 4, high = 32, step = 4 }          # int (integer bounds)
    ibuf_kib = { low = 8, high = 512, log = true }         # int, log-uniform
    target_clock_ghz = { low = 0.5, high = 3.0, step = 0.25 }  # float (a float bound or step)
    dataflow = { values = ["os", "ws"] }                   # categorical

    [fixed]                            # what it does not vary (model features must be here or above)
    pdk = "asap7"
    act_bits = 8

    [derived]                          # values computed from others: name = expression
    simd_lanes = "array_cols"

    [rules]                            # validity rules: name = expression (see ppa.expression_language)
    weight_tile_fits = "wbuf_kib * 1024 >= array_rows * array_cols * wgt_bits / 8"

    [search]
    workloads = { resnet50 = 1.0 }     # name (zoo, CSV or ONNX path) = weight
    constraints = ["area_um2 <= 2e6"]
    out_of_domain = "penalize"         # reject | penalize | allow
    uncertainty_threshold = 0.25       # relative surrogate spread flagged as uncertain
    accuracy = ["resnet50_hawq_v3"]    # optional: accuracy tables (bundled names or CSV paths; dse.accuracy)
    accuracy_uncertain = "penalize"    # reject | penalize | allow designs whose top1 is not a table row
    policies = ["resnet50_hawq_v3_layers"]  # optional: per-layer precision policies for net_policy (dse.precision_policy)

    [constants]                        # optional overrides of the evaluator's memory constants
    dram_pj_per_byte = 20.0

    [cost_models]                      # optional: registered cost models by kind (dse.cost.registry)
    memory = "constants"               # or a table [cost_models.memory] with name = "..." and options

    [[objectives]]
    metric = "edp_js"
    direction = "minimize"

Every error is raised before any trial and names the file and key.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from dse.accuracy import BUNDLED as BUNDLED_ACCURACY
from dse.accuracy import AccuracyTable
from dse.precision_policy import BUNDLED as BUNDLED_POLICIES
from dse.precision_policy import UNIFORM, PolicyTable
from dse.cost.registry import MODEL_KINDS
from dse.network import NETWORK_PARAMETERS
from dse.errors import DSEInputError
from ppa.expression_language import Expression
from dse.metrics import metric_names
from dse.objectives import Constraint, Objective, parse_constraint, parse_objective
from frontend_sim.hardware import HardwareConfig, field_problem

#: Architectural parameters: the HardwareConfig fields, with their defaults -- except the DRAM tiling:
#: the DSE evaluates every design with its searched tiling and loop order (``tiling = "search"``, legal
#: under both array mappings), so a design is not ranked by SCALE-Sim's one fixed loop order's spills.
HARDWARE_DEFAULTS = {**{f.name: f.default for f in fields(HardwareConfig)}, "tiling": "search"}
#: Backend parameters every model bundle understands besides its own synthesis knobs.
BACKEND_PARAMETERS = ("target_clock_ghz", "pdk")
PDKS = ("asap7", "gf180")
BUNDLED_SPACES = Path(__file__).parent / "spaces"
OUT_OF_DOMAIN = ("reject", "penalize", "allow")
#: Keys of [constants] (see dse.cost.memory.MemoryConstants).
CONSTANT_KEYS = ("dram_pj_per_byte", "sram_pj_per_byte", "sram_um2_per_kib")
_TOP_KEYS = {"parameters", "fixed", "derived", "rules", "search", "constants", "cost_models", "objectives",
             "description", "hetero"}
_SEARCH_KEYS = {"workloads", "constraints", "out_of_domain", "uncertainty_threshold", "accuracy", "accuracy_uncertain",
                "policies"}


@dataclass(frozen=True)
class Parameter:
    """One searched parameter: ``int``/``float`` range (optional ``step`` or ``log``) or ``categorical``."""

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple = ()

    def distribution(self) -> optuna.distributions.BaseDistribution:
        if self.kind == "categorical":
            return optuna.distributions.CategoricalDistribution(self.choices)
        if self.kind == "int":
            return optuna.distributions.IntDistribution(int(self.low), int(self.high), log=self.log,
                                                        step=int(self.step or 1))
        return optuna.distributions.FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def grid(self) -> list | None:
        """All values of a discrete parameter (None for a continuous float)."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            return None
        count = int(round((self.high - self.low) / self.step)) + 1
        return [round(self.low + i * self.step, 12) for i in range(count)]


@dataclass
class SearchSpace:
    """A parsed, validated space file."""

    path: str
    parameters: dict[str, Parameter]
    fixed: dict[str, object]
    derived: dict[str, Expression]
    rules: dict[str, Expression]
    objectives: list[Objective]
    constraints: list[Constraint]
    workloads: dict[str, float]
    out_of_domain: str = "penalize"
    uncertainty_threshold: float = 0.25
    constants: dict[str, float] = field(default_factory=dict)
    text: str = ""
    #: ``{kind: {"name": ..., option: value}}`` from [cost_models] (kinds left out use the defaults).
    cost_models: dict[str, dict] = field(default_factory=dict)
    #: Accuracy tables (bundled names or CSV paths, :mod:`dse.accuracy`); empty: no accuracy metrics.
    accuracy: tuple[str, ...] = ()
    #: What happens to a design whose top1 is not an exact table row: allow, penalize (infeasible) or reject.
    accuracy_uncertain: str = "penalize"
    #: Per-layer precision policy tables (bundled names or CSV paths, :mod:`dse.precision_policy`) for ``net_policy``.
    policies: tuple[str, ...] = ()
    #: The [hetero] table of a heterogeneous (multi-core) space, checked by :mod:`dse.hetero`; {} otherwise.
    hetero: dict = field(default_factory=dict)

    @property
    def column_names(self) -> set[str]:
        """Names of the design columns the space sets (parameters, fixed and derived values)."""
        return set(self.parameters) | set(self.fixed) | set(self.derived)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def distributions(self) -> dict[str, optuna.distributions.BaseDistribution]:
        return {name: parameter.distribution() for name, parameter in self.parameters.items()}

    @property
    def directions(self) -> list[str]:
        return [objective.direction for objective in self.objectives]

    def designs(self, params: list[dict]) -> pd.DataFrame:
        """Complete design points: searched values + fixed values + HardwareConfig defaults."""
        table = pd.DataFrame(params, columns=list(self.parameters))
        for name, value in {**HARDWARE_DEFAULTS, **self.fixed}.items():
            if name not in table:
                table[name] = value
        for name, expression in self.derived.items():
            values = {column: table[column].to_numpy() for column in table.columns}
            table[name] = np.broadcast_to(expression.evaluate(values), (len(table),))
            self._check_derived(name, table)
        return table

    def _check_derived(self, name: str, table: pd.DataFrame) -> None:
        """A derived value must be finite and legal for its field at every design whose inputs are known
        (else one line naming the first design where it is not): a search never runs on inf, NaN or an
        illegal field value. A design that leaves an input unset (NaN) gets NaN, unchecked."""
        inputs = [column for column in self.derived[name].names if column in table]
        known = table[inputs].notna().all(axis=1).to_numpy() if inputs else np.ones(len(table), bool)
        rows = np.flatnonzero(known)
        column = table[name].to_numpy()[rows]
        for value in pd.unique(column):
            if isinstance(value, (str, np.str_)):
                problem = field_problem(name, str(value)) if name in HARDWARE_DEFAULTS else ""
            elif not np.isfinite(value):
                problem = "a finite number (e.g. no division by zero)"
            else:
                problem = _backend_problem(name, value) or (field_problem(name, _integral(value))
                                                            if name in HARDWARE_DEFAULTS else "")
            if problem:
                row = int(rows[np.flatnonzero((column == value) | ((column != column) & (value != value)))[0]])
                design = ", ".join(f"{p}={_integral(table[p].iloc[row])!r}" for p in self.parameters)
                raise DSEInputError(f"{self.path}: [derived].{name} = {self.derived[name].text!r} is {_integral(value)!r} "
                                    f"at the design {design or 'of the fixed values'}; expected {problem}")

    def rule_violations(self, designs: pd.DataFrame) -> pd.Series:
        """Name of the first violated validity rule per design ('' when valid)."""
        values = {column: designs[column].to_numpy() for column in designs.columns}
        violated = pd.Series("", index=designs.index, dtype=object)
        for name, rule in reversed(list(self.rules.items())):
            ok = np.broadcast_to(rule.evaluate(values), (len(designs),))
            violated[~ok] = name
        return violated

    def grid_size(self) -> int:
        return math.prod(len(p.grid() or ()) or 0 for p in self.parameters.values())

    def grid(self) -> pd.DataFrame:
        """Every point of a fully discrete space (searched parameters only)."""
        values = {}
        for name, parameter in self.parameters.items():
            values[name] = parameter.grid()
            if values[name] is None:
                raise DSEInputError(f"{self.path}: [parameters].{name} is a continuous float; an exhaustive "
                                    f"sweep needs a 'step' or 'values'")
        return pd.DataFrame(list(itertools.product(*values.values())), columns=list(values))

    def check_model_features(self, features: list[str], models: str) -> None:
        """Every parameter is known to the simulator or the model, and every model feature has a value."""
        known = set(HARDWARE_DEFAULTS) | set(BACKEND_PARAMETERS) | set(NETWORK_PARAMETERS) | set(features)
        for name in self.parameters:
            if name not in known:
                raise DSEInputError(
                    f"{self.path}: unknown parameter [parameters].{name}: not a HardwareConfig field "
                    f"({', '.join(HARDWARE_DEFAULTS)}), not a backend parameter ({', '.join(BACKEND_PARAMETERS)}), "
                    f"not a network parameter ({', '.join(NETWORK_PARAMETERS)}) and not a feature of the model bundle {models} ({', '.join(features)})")
        for name in self.fixed:
            if name not in known:
                raise DSEInputError(
                    f"{self.path}: unknown fixed value [fixed].{name}: not a HardwareConfig field, not a backend "
                    f"parameter, not a network parameter and not a feature of the model bundle {models} ({', '.join(features)})")
        for name in self.derived:
            if name not in known:
                raise DSEInputError(
                    f"{self.path}: unknown derived value [derived].{name}: not a HardwareConfig field, not a "
                    f"backend parameter, not a network parameter and not a feature of the model bundle {models} ({', '.join(features)})")
        given = set(self.parameters) | set(self.fixed) | set(self.derived)
        missing = [f for f in features if f not in given]
        if missing:
            raise DSEInputError(
                f"{self.path}: the model bundle {models} needs the feature(s) {', '.join(missing)}, which the space "
                f"neither searches, fixes nor derives; add them under [parameters], [fixed] or [derived]")

    @classmethod
    def from_text(cls, text: str, name: str, workloads: dict[str, float] | None = None) -> "SearchSpace":
        """The space of a space file's ``text`` (e.g. as a study stored it), validated exactly as
        ``load_space`` validates a file; ``name`` stands for the file in error messages and ``path``.
        ``workloads`` (name → weight) overrides the text's [search].workloads."""
        return _parse_space(text, name, workloads)

    def describe(self) -> dict:
        """JSON-ready description (the space of a study's record, dse.record.SpaceRecord)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "text": self.text,
            "parameters": {name: repr(p.distribution()) for name, p in self.parameters.items()},
            "fixed": self.fixed,
            "derived": {name: expression.text for name, expression in self.derived.items()},
            "rules": {name: rule.text for name, rule in self.rules.items()},
        }


def bundled_spaces() -> list[str]:
    """Names of the space files shipped in dse/spaces (usable as ``--space NAME``)."""
    return sorted(p.stem for p in BUNDLED_SPACES.glob("*.toml"))


def load_space(path: str | Path, workloads: dict[str, float] | None = None) -> SearchSpace:
    """Read and validate a space file (a path, or the name of a bundled space); ``workloads``
    (name → weight) overrides the file's [search].workloads."""
    path = Path(path)
    if not path.exists() and str(path) in bundled_spaces():
        path = BUNDLED_SPACES / f"{path}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DSEInputError(f"{path}: not a UTF-8 text file (byte {exc.object[exc.start]:#04x} at offset "
                            f"{exc.start}); a space file is TOML text") from None
    except OSError as exc:
        raise DSEInputError(f"cannot read space file {path}: {exc.strerror} (bundled spaces: "
                            f"{', '.join(bundled_spaces())})") from None
    return SearchSpace.from_text(text, str(path), workloads)


def _parse_space(text: str, where: str, workloads: dict[str, float] | None) -> SearchSpace:
    """The space of a space file's ``text``; errors name the file as ``where``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DSEInputError(f"{where}: not valid TOML: {exc}") from None
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise DSEInputError(f"{where}: unknown section(s) {sorted(unknown)}; expected {sorted(_TOP_KEYS)}")

    parameters = {name: _parse_parameter(name, spec, f"{where}: [parameters].{name}")
                  for name, spec in _table(raw, "parameters", where).items()}
    if not parameters:
        raise DSEInputError(f"{where}: [parameters] is empty; the search needs at least one parameter")
    fixed = _table(raw, "fixed", where)
    for name, value in fixed.items():
        if name in parameters:
            raise DSEInputError(f"{where}: [fixed].{name} is also under [parameters]; keep one")
        if not isinstance(value, (int, float, str, bool)):
            raise DSEInputError(f"{where}: [fixed].{name} must be a number or string, got {value!r}")
    for name, parameter in parameters.items():
        if name in HARDWARE_DEFAULTS or name in BACKEND_PARAMETERS:
            for value in parameter.choices or (parameter.low, parameter.high):
                _check_field(name, int(value) if parameter.kind == "int" else value, f"{where}: [parameters].{name}")
    for name, value in fixed.items():
        if name in HARDWARE_DEFAULTS or name in BACKEND_PARAMETERS:
            _check_field(name, value, f"{where}: [fixed].{name}")
    pdk = fixed.get("pdk")
    if "pdk" not in parameters and pdk is None:
        raise DSEInputError(f"{where}: no 'pdk'; set [fixed].pdk to one of {PDKS} (or search it)")
    pdks = parameters["pdk"].choices if "pdk" in parameters else (pdk,)
    for value in pdks:
        if value not in PDKS:
            raise DSEInputError(f"{where}: pdk {value!r} is not one of {PDKS}")
    names = set(parameters) | set(fixed) | set(HARDWARE_DEFAULTS)
    derived = {}
    for name, text_value in _table(raw, "derived", where).items():
        if name in parameters or name in fixed:
            raise DSEInputError(f"{where}: [derived].{name} is also under [parameters] or [fixed]; keep one")
        if not isinstance(text_value, str):
            raise DSEInputError(f"{where}: [derived].{name} must be an expression string, got {text_value!r}")
        expression = Expression(text_value, f"{where}: [derived].{name}", DSEInputError)
        unknown_names = expression.names - names - set(derived)
        if unknown_names:
            raise DSEInputError(f"{where}: [derived].{name} reads {sorted(unknown_names)}, which are neither "
                                f"parameters, fixed values, earlier derived values nor HardwareConfig fields")
        derived[name] = expression
    names |= set(derived)
    rules = {}
    for name, text_rule in _table(raw, "rules", where).items():
        if not isinstance(text_rule, str):
            raise DSEInputError(f"{where}: [rules].{name} must be an expression string, got {text_rule!r}")
        rule = Expression(text_rule, f"{where}: [rules].{name}", DSEInputError)
        unknown_names = rule.names - names
        if unknown_names:
            raise DSEInputError(f"{where}: [rules].{name} reads {sorted(unknown_names)}, which are neither "
                                f"parameters, fixed values nor HardwareConfig fields")
        rules[name] = rule

    search = _table(raw, "search", where)
    unknown = set(search) - _SEARCH_KEYS
    if unknown:
        raise DSEInputError(f"{where}: unknown key(s) {sorted(unknown)} in [search]; expected {sorted(_SEARCH_KEYS)}")
    if workloads is None:
        workloads = search.get("workloads", {})
        if not isinstance(workloads, dict):
            raise DSEInputError(f"{where}: [search].workloads must be a table name = weight")
    for name, weight in workloads.items():
        if not isinstance(weight, (int, float)) or not weight > 0:
            raise DSEInputError(f"{where}: workload {name!r} has weight {weight!r}; expected a number > 0")
    accuracy = _table_names(search, "accuracy", where, BUNDLED_ACCURACY)
    if accuracy:
        try:
            AccuracyTable.read(*accuracy)
        except DSEInputError as exc:
            raise DSEInputError(f"{where}: [search].accuracy: {exc}") from None
    accuracy_uncertain = search.get("accuracy_uncertain", "penalize")
    if accuracy_uncertain not in OUT_OF_DOMAIN:
        raise DSEInputError(f"{where}: [search].accuracy_uncertain = {accuracy_uncertain!r}; expected one of "
                            f"{OUT_OF_DOMAIN}")
    policies = _policy_tables(search, where, parameters, fixed)
    known_metrics = metric_names(list(workloads), accuracy=bool(accuracy))

    objectives = raw.get("objectives", [])
    if not isinstance(objectives, list) or not objectives:
        raise DSEInputError(f"{where}: no [[objectives]]; add at least one, e.g. metric = \"edp_js\", "
                            f"direction = \"minimize\"")
    objectives = [parse_objective(o, f"{where}: [[objectives]] #{i + 1}", known_metrics)
                  for i, o in enumerate(objectives)]
    if len({o.name for o in objectives}) != len(objectives):
        raise DSEInputError(f"{where}: objective names repeat: {[o.name for o in objectives]}")
    constraints = search.get("constraints", [])
    if not isinstance(constraints, list):
        raise DSEInputError(f"{where}: [search].constraints must be a list of strings like \"area_um2 <= 2e6\"")
    constraints = [parse_constraint(c, f"{where}: [search].constraints[{i}]", known_metrics)
                   for i, c in enumerate(constraints)]

    out_of_domain = search.get("out_of_domain", "penalize")
    if out_of_domain not in OUT_OF_DOMAIN:
        raise DSEInputError(f"{where}: [search].out_of_domain = {out_of_domain!r}; expected one of {OUT_OF_DOMAIN}")
    threshold = search.get("uncertainty_threshold", 0.25)
    if not isinstance(threshold, (int, float)) or threshold <= 0:
        raise DSEInputError(f"{where}: [search].uncertainty_threshold = {threshold!r}; expected a number > 0")
    constants = _table(raw, "constants", where)
    for name, value in constants.items():
        if name not in CONSTANT_KEYS:
            raise DSEInputError(f"{where}: unknown constant [constants].{name}; expected one of {CONSTANT_KEYS}")
        if not isinstance(value, (int, float)) or value < 0:
            raise DSEInputError(f"{where}: [constants].{name} = {value!r}; expected a number >= 0")
    cost_models = {}
    for kind, spec in _table(raw, "cost_models", where).items():
        if kind not in MODEL_KINDS:
            raise DSEInputError(f"{where}: unknown key [cost_models].{kind}; expected one of {MODEL_KINDS}")
        spec = {"name": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise DSEInputError(f"{where}: [cost_models].{kind} must be a model name (e.g. {kind} = \"NAME\") "
                                f"or a table [cost_models.{kind}] with name = \"NAME\" and the model's options")
        cost_models[kind] = spec

    return SearchSpace(path=where, parameters=parameters, fixed=fixed, derived=derived, rules=rules, objectives=objectives,
                       constraints=constraints, workloads={k: float(v) for k, v in workloads.items()},
                       out_of_domain=out_of_domain, uncertainty_threshold=float(threshold),
                       constants={k: float(v) for k, v in constants.items()}, text=text,
                       cost_models=cost_models, accuracy=tuple(accuracy), accuracy_uncertain=accuracy_uncertain,
                       policies=tuple(policies), hetero=_table(raw, "hetero", where))


def _table_names(search: dict, key: str, where: str, bundled) -> list[str]:
    """[search].<key>: a bundled table name or a CSV path, or a list of them; a path relative to the space file
    that exists there is taken from there."""
    names = search.get(key, [])
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise DSEInputError(f"{where}: [search].{key} = {names!r}; expected a table name or path, or a list "
                            f"of them (bundled: {', '.join(bundled)})")
    return [name if name in bundled or Path(name).is_absolute() or not (Path(where).parent / name).exists()
            else str(Path(where).parent / name) for name in names]


def _policy_tables(search: dict, where: str, parameters: dict, fixed: dict) -> list[str]:
    """[search].policies (bundled names or paths, relative to the space file), read once to check them, and
    every ``net_policy`` value the space can take checked against them."""
    names = _table_names(search, "policies", where, BUNDLED_POLICIES)
    try:
        known = PolicyTable.read(*names).names() if names else []
    except DSEInputError as exc:
        raise DSEInputError(f"{where}: [search].policies: {exc}") from None
    values = list(parameters["net_policy"].choices or ()) if "net_policy" in parameters else []
    values += [fixed["net_policy"]] if "net_policy" in fixed else []
    for value in values:
        if value != UNIFORM and value not in known:
            raise DSEInputError(f"{where}: net_policy value {value!r} is not a policy of [search].policies "
                                f"({', '.join(known) or 'none given'}); expected {UNIFORM!r} or one of them")
    return names


def _integral(value):
    """A float that holds an integer as that integer (derived values are computed in float)."""
    value = value.item() if isinstance(value, np.generic) else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _backend_problem(name: str, value) -> str:
    """What is wrong with a backend parameter's value ('' when nothing)."""
    if name == "target_clock_ghz" and not (isinstance(value, (int, float, np.number)) and 0 < value < math.inf):
        return "a clock frequency > 0 GHz"
    return ""


def _check_field(name: str, value, where: str) -> None:
    problem = (field_problem(name, value) if name in HARDWARE_DEFAULTS else "") or _backend_problem(name, value)
    if problem:
        owner = "HardwareConfig." if name in HARDWARE_DEFAULTS else "backend parameter "
        raise DSEInputError(f"{where}: value {value!r} is not valid for {owner}{name}; expected {problem}")


def _table(raw: dict, key: str, where: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise DSEInputError(f"{where}: [{key}] must be a table")
    return value


def _parse_parameter(name: str, spec: object, where: str) -> Parameter:
    if not isinstance(spec, dict):
        raise DSEInputError(f"{where}: expected a table such as {{ low = 4, high = 32 }} or {{ values = [...] }}, "
                            f"got {spec!r}")
    unknown = set(spec) - {"type", "low", "high", "step", "log", "values"}
    if unknown:
        raise DSEInputError(f"{where}: unknown key(s) {sorted(unknown)}; expected low, high, step, log, values, type")
    kind = spec.get("type")
    if "values" in spec:
        if kind not in (None, "categorical") or {"low", "high", "step", "log"} & set(spec):
            raise DSEInputError(f"{where}: 'values' makes a categorical parameter; drop low/high/step/log/type")
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise DSEInputError(f"{where}: 'values' must be a non-empty list")
        if len(set(values)) != len(values):
            raise DSEInputError(f"{where}: 'values' repeats a choice: {values}")
        if not all(isinstance(v, (int, float, str, bool)) for v in values):
            raise DSEInputError(f"{where}: 'values' must hold numbers or strings")
        return Parameter(name, "categorical", choices=tuple(values))
    if "low" not in spec or "high" not in spec:
        raise DSEInputError(f"{where}: give 'low' and 'high' (a range) or 'values' (choices)")
    low, high, step, log = spec["low"], spec["high"], spec.get("step"), spec.get("log", False)
    for key, value in (("low", low), ("high", high), ("step", step)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise DSEInputError(f"{where}: '{key}' must be a number, got {value!r}")
    if not isinstance(log, bool):
        raise DSEInputError(f"{where}: 'log' must be true or false")
    if kind is None:
        kind = "int" if all(isinstance(v, int) for v in (low, high, step) if v is not None) else "float"
    if kind not in ("int", "float"):
        raise DSEInputError(f"{where}: type {kind!r}; expected int, float or categorical")
    if low > high:
        raise DSEInputError(f"{where}: impossible range low = {low} > high = {high}")
    if log and low <= 0:
        raise DSEInputError(f"{where}: log = true needs low > 0 (got low = {low})")
    if log and step is not None and step != 1:
        raise DSEInputError(f"{where}: log = true cannot be combined with step = {step}")
    if step is not None:
        if step <= 0:
            raise DSEInputError(f"{where}: step must be > 0 (got {step})")
        if kind == "int" and not float(step).is_integer():
            raise DSEInputError(f"{where}: an int parameter needs an integer step (got {step})")
        n = (high - low) / step
        if abs(n - round(n)) > 1e-9:
            raise DSEInputError(f"{where}: high - low = {high - low} is not a multiple of step = {step}")
    if kind == "int" and not (float(low).is_integer() and float(high).is_integer()):
        raise DSEInputError(f"{where}: an int parameter needs integer low/high (got {low}, {high})")
    return Parameter(name, kind, low=low, high=high, step=None if log else step, log=log)
