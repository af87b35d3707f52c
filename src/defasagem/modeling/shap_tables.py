"""LightGBM's exact TreeSHAP for small trees, precomputed as lookup tables.

Path-dependent TreeSHAP (what ``pred_contrib`` computes) depends on a student only through the
way they go at each split of each tree: the value of a coalition S follows the student at
splits on features in S and averages the branches by their training counts elsewhere. A tree
with m splits has at most 2^m such patterns, 8 to 128 for the 4–8-leaf trees the training grid
holds. So each pattern's contributions are computed once, when the bundle loads, with the
Shapley formula itself; scoring is then split decisions (array comparisons), one pattern code
per tree and a sparse product. LightGBM's own TreeSHAP costs ~30 µs a student, this ~2 µs.
A test checks both agree on random inputs, missing values included.

Models these tables cannot hold (larger trees, categorical or linear splits) keep LightGBM's
TreeSHAP: :func:`compile_tables` returns ``None`` for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

# At most 2^8 patterns × 2^8 coalitions per tree: a few ms per tree when the bundle loads.
MAX_SPLITS = 8
# LightGBM's kZeroThreshold (1e-35 as a C float): its predictor reads any |x| at or below it as
# an exact zero, which matters at the splits it places at ±kZeroThreshold.
ZERO = float(np.float32(1e-35))


@dataclass(frozen=True)
class ShapTables:
    """Every split of every tree, padded to the largest tree, and each pattern's contributions.

    Arrays indexed by split are flat (tree-major, ``splits`` per tree): a padding split sends
    every student right, so it never changes a pattern code.
    """

    splits: int
    feature: Ints
    threshold: Array
    default_left: Flags
    # Where a missing value goes at each split (LightGBM: NaN is a zero unless the split has a
    # learnt direction for it).
    nan_left: Flags
    missing_zero: Flags
    row_offset: Ints
    # Tree t's distinct feature columns (padded with the dummy column ``n_columns``), and at row
    # ``row_offset[t] + pattern`` their contributions (padded with 0).
    tree_columns: Ints
    values: Array
    n_columns: int
    expected: float

    def contributions(self, matrix: Array) -> tuple[Array, Array]:
        """Each column's contribution to the raw score (n × columns) and the expected value (n),
        as ``Booster.predict(matrix, pred_contrib=True)`` splits them."""
        n, width = len(matrix), self.n_columns + 1
        base = np.full(n, self.expected)
        trees = len(self.row_offset)
        if not trees:  # every tree is a single leaf
            return np.zeros((n, self.n_columns)), base
        # Split-major arrays (splits × students): every step below reads contiguous rows.
        columns = np.ascontiguousarray(matrix.T)
        columns = np.where(np.abs(columns) <= ZERO, 0.0, columns)
        left = self._goes_left(columns).reshape(trees, self.splits, n)
        bits = left.view(np.uint8)
        codes = bits[:, 0, :].astype(np.int64)
        for position in range(1, self.splits):
            codes |= bits[:, position, :].astype(np.int64) << position
        picked = np.take(self.values, codes + self.row_offset[:, None], axis=0)
        # bincount adds each student's entries in tree order whatever the batch size, so one
        # student alone and the same student in a batch get the same bits.
        slots = self.tree_columns[:, None, :] + (np.arange(n) * width)[None, :, None]
        sums = np.bincount(slots.ravel(), weights=picked.ravel(), minlength=n * width)
        return np.asarray(sums.reshape(n, width)[:, : self.n_columns], dtype=np.float64), base

    def _goes_left(self, columns: Array) -> Flags:
        """LightGBM's numerical decision at every split (True = left) for every student, from
        the feature columns (columns × students)."""
        values = np.take(columns, self.feature, axis=0)
        # A comparison with NaN is False: missing values then go where the split sends them.
        left = values <= self.threshold[:, None]
        missing = np.isnan(values)
        if missing.any():
            left |= missing & self.nan_left[:, None]
        if self.missing_zero.any():
            zero = self.missing_zero[:, None] & (values == 0.0)
            left = np.where(zero, self.default_left[:, None], left)
        return left


def compile_tables(booster: Any, n_columns: int) -> ShapTables | None:
    """The tables of a fitted LightGBM booster, or ``None`` if a tree is beyond them."""
    dump = booster.dump_model()
    if dump.get("num_class", 1) != 1:
        return None
    trees: list[tuple[list[dict[str, Any]], Ints, Array]] = []
    expected = 0.0
    for info in dump["tree_info"]:
        root = info["tree_structure"]
        splits = _tree_splits(root)
        if splits is None or len(splits) > MAX_SPLITS:
            return None
        expected += _expected_value(root)
        if splits:  # a single leaf is a constant, already in the expected value
            trees.append((splits, *_pattern_contributions(root, splits)))
    size = max((len(splits) for splits, _, _ in trees), default=0)
    width = max((len(features) for _, features, _ in trees), default=0)
    pad = {"split_feature": 0, "threshold": -math.inf, "default_left": False, "missing_type": ""}
    flat = [split for splits, _, _ in trees for split in [*splits, *[pad] * (size - len(splits))]]
    zero_is_missing = np.array([s["missing_type"] == "Zero" for s in flat], dtype=np.bool_)
    threshold = np.array([float(s["threshold"]) for s in flat], dtype=np.float64)
    default_left = np.array([bool(s["default_left"]) for s in flat], dtype=np.bool_)
    learnt = np.array([s["missing_type"] in ("NaN", "Zero") for s in flat], dtype=np.bool_)
    return ShapTables(
        splits=size,
        feature=np.array([s["split_feature"] for s in flat], dtype=np.int64),
        threshold=threshold,
        default_left=default_left,
        nan_left=np.where(learnt, default_left, threshold >= 0.0),
        missing_zero=zero_is_missing,
        row_offset=np.cumsum([0, *(len(phi) for _, _, phi in trees)])[:-1].astype(np.int64),
        tree_columns=np.array(
            [[*features, *[n_columns] * (width - len(features))] for _, features, _ in trees],
            dtype=np.int64,
        ).reshape(len(trees), width),
        values=np.vstack(
            [np.hstack([phi, np.zeros((len(phi), width - phi.shape[1]))]) for _, _, phi in trees]
        )
        if trees
        else np.zeros((0, 0)),
        n_columns=n_columns,
        expected=expected,
    )


def _tree_splits(root: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The tree's splits in depth-first order, or ``None`` if one is not numerical (or a leaf
    is linear)."""
    out: list[dict[str, Any]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if "leaf_value" in node:
            if node.get("leaf_coeff"):  # a linear leaf: its output depends on the values
                return None
            continue
        if node.get("decision_type") != "<=":
            return None
        node["_position"] = len(out)
        out.append(node)
        stack.extend((node["right_child"], node["left_child"]))
    return out


def _count(node: dict[str, Any]) -> float:
    return float(node["leaf_count"] if "leaf_value" in node else node["internal_count"])


def _expected_value(node: dict[str, Any]) -> float:
    """The tree's mean output over its training rows (LightGBM's ``ExpectedValue``)."""
    if "leaf_value" in node:
        return float(node["leaf_value"])
    total = _count(node)
    left, right = node["left_child"], node["right_child"]
    return (_count(left) * _expected_value(left) + _count(right) * _expected_value(right)) / total


def _pattern_contributions(
    root: dict[str, Any], splits: list[dict[str, Any]]
) -> tuple[Ints, Array]:
    """Exact Shapley values of one tree: its distinct features, and φ (patterns × features).

    ``value[s, p]`` is the tree's output for coalition ``s`` (a bit per distinct feature) and
    pattern ``p`` (a bit per split: 1 = the student goes left); φ_i(p) = Σ_s w(s, i) value[s, p].
    """
    features = sorted({int(s["split_feature"]) for s in splits})
    k, m = len(features), len(splits)
    coalitions = np.arange(1 << k)
    patterns = np.arange(1 << m)
    member = {f: ((coalitions >> i) & 1).astype(bool)[:, None] for i, f in enumerate(features)}

    def value(node: dict[str, Any]) -> Array:
        if "leaf_value" in node:
            return np.full((1, 1), float(node["leaf_value"]))
        left, right = value(node["left_child"]), value(node["right_child"])
        goes_left = ((patterns >> node["_position"]) & 1).astype(bool)[None, :]
        followed = np.where(goes_left, left, right)
        total = _count(node)
        averaged = (
            _count(node["left_child"]) / total * left + _count(node["right_child"]) / total * right
        )
        return np.where(member[int(node["split_feature"])], followed, averaged)

    values = np.broadcast_to(value(root), (1 << k, 1 << m))
    sizes = np.array([bin(s).count("1") for s in coalitions])
    weights = np.zeros((1 << k, k))
    for i in range(k):
        has = ((coalitions >> i) & 1).astype(bool)
        # w(|S|) = |S|! (k − |S| − 1)! / k!, with S the coalition without feature i.
        without = np.where(has, sizes - 1, sizes)
        shapley = np.array([_shapley_weight(int(z), k) for z in without])
        weights[:, i] = np.where(has, shapley, -shapley)
    return np.array(features, dtype=np.int64), values.T @ weights


def _shapley_weight(size: int, k: int) -> float:
    return math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
