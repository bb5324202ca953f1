"""Cost-model components by name.

A space file picks them in ``[cost_models]`` (each kind defaults to :data:`DEFAULTS`)::

    [cost_models]
    memory = "constants"              # a registered name ...
    # [cost_models.memory]            # ... or a table: the name and the model's options
    # name = "my_sram_macros"
    # macro_dir = "../shared/gf180_sram"

A module in the :mod:`dse.cost` package registers a class with :func:`register`; the class follows
:class:`dse.cost.protocols.ModelFactory` and the protocol of its kind. The package's modules are imported
on the first look-up, so adding the file is all a new model needs.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from dse.errors import DSEInputError

if TYPE_CHECKING:
    from dse.cost.protocols import ModelFactory
    from dse.space import SearchSpace

logger = logging.getLogger(__name__)

#: Kinds of component, in the order the evaluator composes them.
MODEL_KINDS = ("performance", "logic", "memory")
#: The component of each kind when ``[cost_models]`` does not name one.
DEFAULTS = {"performance": "frontend_sim", "logic": "surrogate", "memory": "constants"}

_REGISTERED: dict[str, dict[str, ModelFactory]] = {kind: {} for kind in MODEL_KINDS}


def register(kind: str, name: str) -> Callable[[ModelFactory], ModelFactory]:
    """Class decorator: ``[cost_models].<kind> = "<name>"`` builds the class with ``from_space``."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"register({kind!r}, {name!r}): kind must be one of {MODEL_KINDS}")

    def decorate(cls: ModelFactory) -> ModelFactory:
        known = _REGISTERED[kind].get(name)
        if known is not None and known is not cls:
            raise ValueError(f"{kind} model {name!r} is registered twice: {known.__module__}.{known.__qualname__} "
                             f"and {cls.__module__}.{cls.__qualname__}")
        _REGISTERED[kind][name] = cls
        return cls
    return decorate


@cache
def _import_package() -> None:
    """Import every module of dse.cost once, so that each registers its models."""
    import dse.cost

    for module in pkgutil.iter_modules(dse.cost.__path__):
        importlib.import_module(f"dse.cost.{module.name}")
        logger.debug("cost models: imported dse.cost.%s", module.name)


def names(kind: str) -> list[str]:
    """Registered model names of one kind, sorted."""
    _import_package()
    return sorted(_REGISTERED[kind])


def build(kind: str, space: SearchSpace, bundle: Any) -> Any:
    """The ``kind`` component a space asks for; DSEInputError naming the key when the name or an option is unknown."""
    spec = dict(space.cost_models.get(kind, {}))
    name = spec.pop("name", DEFAULTS[kind])
    where = f"{space.path}: [cost_models].{kind}"
    if name not in names(kind):
        raise DSEInputError(f"{where} = {name!r} is not a registered {kind} model; expected one of {names(kind)}")
    cls = _REGISTERED[kind][name]
    unknown = sorted(set(spec) - set(cls.options))
    if unknown:
        accepted = ", ".join(cls.options) if cls.options else "none"
        raise DSEInputError(f"{where}: unknown option(s) {unknown} for the {kind} model {name!r} "
                            f"(its options: {accepted})")
    logger.debug("%s model: %s (%s)", kind, name, cls.__qualname__)
    return cls.from_space(space, bundle, spec)
