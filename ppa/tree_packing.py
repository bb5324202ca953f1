"""Compact storage of fitted scikit-learn tree ensembles inside a skops file.

skops writes every fitted decision tree as its own object in the file's JSON schema (~25 KB of schema per
tree, its parameters spelled out each time), so a bundle of forest and boosting blends (hundreds of trees
per model, six models per target) took tens of seconds to write and read and ~200 MB on disk — on a
100-row table longer than its fits. :func:`pack` replaces an ensemble's trees by one :class:`PackedTrees`: a
template tree (the parameters and fitted attributes the trees share) and the trees' arrays concatenated
(scikit-learn's own pickling state of each ``Tree``: its nodes and values), which skops stores as a few
``.npy`` arrays. :func:`unpack` rebuilds the same trees (``Tree(*args).__setstate__(state)``, as unpickling
does), so a round trip predicts bit for bit what the fitted model did.

Packed: random forests, extra trees and gradient boosting (:data:`ENSEMBLES`), also as members of a
:class:`~ppa.models.BlendRegressor`. Anything else (xgboost, the MLP, a stacked ensemble) is stored as is.
"""
from __future__ import annotations

import copy

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor
from sklearn.tree._tree import Tree

from ppa.models import BlendRegressor

#: Ensembles whose ``estimators_`` (a list, or for gradient boosting an object array) of fitted
#: DecisionTreeRegressors are packed.
ENSEMBLES = (RandomForestRegressor, ExtraTreesRegressor, GradientBoostingRegressor)


class PackedTrees:
    """Fitted DecisionTreeRegressors stored as arrays: ``template`` (a tree without ``tree_``: the shared
    parameters and fitted attributes), ``random_states`` (each tree's own int seed, or None when they share
    the template's), ``tree_args`` (the ``Tree`` constructor's arguments, the same for every tree),
    ``node_counts``/``max_depths`` per tree and ``nodes``/``values``, every tree's node and value arrays one
    after the other."""

    def __init__(self, trees: list):
        first = trees[0]
        self.template = copy.copy(first)
        del self.template.tree_
        seeds = [t.random_state for t in trees]
        self.random_states = np.array(seeds, np.int64) if all(isinstance(s, int) for s in seeds) else None
        reduced = [tree.tree_.__reduce__() for tree in trees]  # (Tree, constructor args, state) each
        _, args, _ = reduced[0]
        states = [state for _, _, state in reduced]
        self.tree_args = {"n_features": int(args[0]), "n_classes": np.asarray(args[1]), "n_outputs": int(args[2])}
        self.node_counts = np.array([s["node_count"] for s in states], np.int64)
        self.max_depths = np.array([s["max_depth"] for s in states], np.int64)
        self.nodes = np.concatenate([s["nodes"] for s in states])
        self.values = np.concatenate([s["values"] for s in states])

    def trees(self) -> list:
        """The DecisionTreeRegressors, equal to the packed ones. Raises ValueError when the arrays do not
        describe whole trees (counts that do not add up, a child index outside its own tree)."""
        ends = np.cumsum(self.node_counts)
        total = int(ends[-1]) if len(ends) else 0
        if (len(self.node_counts) == 0 or (self.node_counts < 1).any() or len(self.max_depths) != len(ends)
                or len(self.nodes) != total or len(self.values) != total):
            raise ValueError(f"{len(self.node_counts)} trees of {total} nodes in all, but {len(self.nodes)} node and "
                             f"{len(self.values)} value rows")
        own = np.repeat(self.node_counts, self.node_counts)  # each node's tree size
        for child in ("left_child", "right_child"):
            index = self.nodes[child]
            if ((index != -1) & ((index < 1) | (index >= own))).any():
                raise ValueError(f"a node's {child} lies outside its tree")
        split = self.nodes["left_child"] != -1
        feature = self.nodes["feature"][split]
        if ((feature < 0) | (feature >= self.tree_args["n_features"])).any():
            raise ValueError(f"a split's feature is not one of the {self.tree_args['n_features']} features")
        out = []
        for k, (end, count) in enumerate(zip(ends, self.node_counts)):
            tree = copy.copy(self.template)
            if self.random_states is not None:
                tree.random_state = int(self.random_states[k])
            tree_ = Tree(self.tree_args["n_features"], self.tree_args["n_classes"], self.tree_args["n_outputs"])
            tree_.__setstate__({"max_depth": int(self.max_depths[k]), "node_count": int(count),
                                "nodes": self.nodes[end - count:end], "values": self.values[end - count:end]})
            tree.tree_ = tree_
            out.append(tree)
        return out


class PackedModel:
    """A fitted model whose tree ensembles are :class:`PackedTrees`: ``shell`` is the model with each packed
    ``estimators_`` emptied, ``packed`` holds, per emptied place, the trees and the ``estimators_`` shape."""

    def __init__(self, shell, packed: dict):
        self.shell = shell
        self.packed = packed  #: "model" (the model itself) or "member <k>" (a blend member) → (PackedTrees, shape)


def _pack_ensemble(model):
    """(shell, (PackedTrees, shape of estimators_)) of a fitted ENSEMBLES model."""
    trees = np.asarray(model.estimators_, dtype=object)
    shell = copy.copy(model)
    shell.estimators_ = []
    return shell, (PackedTrees(list(trees.ravel())), list(trees.shape))


def _unpack_ensemble(shell, packed) -> object:
    trees, shape = packed
    model = copy.copy(shell)
    rebuilt = trees.trees()
    if isinstance(model, GradientBoostingRegressor):
        estimators = np.empty(len(rebuilt), dtype=object)
        estimators[:] = rebuilt
        model.estimators_ = estimators.reshape(shape)
    else:
        model.estimators_ = rebuilt
    return model


def _fitted_ensemble(model) -> bool:
    return type(model) in ENSEMBLES and len(getattr(model, "estimators_", [])) > 0


def pack(model):
    """``model`` ready for skops: a :class:`PackedModel` when it is, or a fitted blend holds, a fitted tree
    ensemble of :data:`ENSEMBLES`; otherwise ``model`` itself. ``model`` is not changed."""
    if _fitted_ensemble(model):
        shell, packed = _pack_ensemble(model)
        return PackedModel(shell, {"model": packed})
    if isinstance(model, BlendRegressor) and hasattr(model, "estimators_"):
        shell, packed = copy.copy(model), {}
        shell.estimators_ = list(model.estimators_)
        for k, member in enumerate(model.estimators_):
            if _fitted_ensemble(member):
                shell.estimators_[k], packed[f"member {k}"] = _pack_ensemble(member)
        if packed:
            return PackedModel(shell, packed)
    return model


def unpack(stored):
    """The model :func:`pack` was given (``stored`` as loaded from skops; a model that was not packed is
    returned as is)."""
    if not isinstance(stored, PackedModel):
        return stored
    if "model" in stored.packed:
        return _unpack_ensemble(stored.shell, stored.packed["model"])
    model = copy.copy(stored.shell)
    model.estimators_ = list(model.estimators_)
    for key, packed in stored.packed.items():
        k = int(key.removeprefix("member "))
        model.estimators_[k] = _unpack_ensemble(model.estimators_[k], packed)
    return model
