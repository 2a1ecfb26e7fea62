"""Cancer and stromal cells point process (Ward et al., 2022), vectorized in numpy.

Port of the "CS" task of Ward, Cannon, Beaumont, Fasiolo & Schmon (2022), "Robust neural posterior estimation and
statistical model criticism" (NeurIPS 35), from the public repository ``danielward27/rnpe``: class ``CS`` and the
helper ``dists_between`` in ``rnpe/tasks.py`` (the version that ``scripts/run_task.py`` imports). The ideas are
ported; the code is our own.

Model (``CS._simulate``), on the unit square, no edge correction
----------------------------------------------------------------
``theta = (cell_rate, parent_rate, daughter_rate)`` (Ward's ``lambda_c, lambda_p, lambda_d``).

1. ``N ~ Poisson(cell_rate)`` cells, i.i.d. uniform: ALL cells, stromal and cancer alike. The cancer cells are a
   subset of these, so it is the *total* count that is ``Poisson(cell_rate)``; the stromal count is smaller.
2. ``P = Poisson(parent_rate) + 1`` cancer parents, uniform (parents are centres, not cells).
3. Parent ``j`` gets ``K_j = Poisson(daughter_rate) + 1`` and radius ``r_j`` = distance to its ``(K_j + 1)``-th
   nearest cell (``n_nearest_dists``: ``partition(dists, kth=K)[K]`` is the 0-based ``K``-th order statistic).
4. A cell is cancer if it is within (``<=``) the radius of at least one parent. So parent ``j`` covers exactly
   ``K_j + 1 = Poisson(daughter_rate) + 2`` cells (with probability one: no ties); clusters may overlap, so the
   cancer count is at most ``sum_j (K_j + 1)``.

Summaries (``CS.summarise``), in Ward's order
---------------------------------------------
``n_stromal`` (cells that are not cancer), ``n_cancer``, and, over the first ``min(50, n_stromal)`` stromal cells
in the order the cells were drawn (i.i.d., so a uniformly random subset), the ``mean`` and the ``max`` of the
Euclidean distance to the nearest cancer cell (``threshold_n_stromal = 50``, "trade off for efficiency").

Misspecification "necrosis" (``CS._simulate(necrosis=True)``)
-------------------------------------------------------------
Each parent independently is necrotic with probability 0.75; every cell strictly within ``0.8 r_j`` (``<``) of a
necrotic parent ``j`` is removed (``r_j`` the parent's own radius from step 3). Such cells are all cancer cells of
that parent's cluster (``0.8 r_j < r_j``); its outer ring stays, possibly including cells other parents also cover.
Removed cells count nowhere (neither summary counts nor distances); stromal cells are never removed. We always draw
the necrosis indicators, also for clean simulations, so that clean and misspecified runs with the same ``rng`` state
share the same cells, parents and radii (common random numbers): the misspecified cells are the clean cells minus
the removed ones.

Prior (``CS.sample_prior``): independent uniforms ``cell_rate ~ U(200, 1500)``, ``parent_rate ~ U(3, 20)``,
``daughter_rate ~ U(10, 20)``.

Degenerate cases (documented deviations; none occurred in 50,000 prior simulations, clean or necrotic)
-----------------------------------------------------------------------------------------------------
* No stromal cell left: Ward's ``summarise`` prints a warning and returns NaNs, and ``generate_dataset`` drops such
  rows (``remove_nans_and_warn``). ``simulate`` must return finite values, so we return ``n_stromal = 0`` and both
  distances ``0.0`` (the limit as the last stromal cells hide at the edges of the clusters); ``is_degenerate(x)``
  flags these rows for a caller who wants to drop them as Ward et al. do.
* No cancer cell left (possible only with necrosis, or outside the prior): Ward's code would fail (``min`` over an
  empty axis). We return both distances as ``sqrt(2)``, the diameter of the unit square, an upper bound of any
  distance in it.
* ``K_j + 1 > N`` (fewer cells than a cluster needs): Ward's code raises ``IndexError``. We use the farthest cell
  (the whole sample becomes cancer). In the prior ``N`` is rarely below 150 while ``K_j`` is rarely above 40.

Random streams: Ward et al. seed numpy's global state once per batch and draw, simulation after simulation, cells,
parents, daughters (and necrosis indicators only when misspecified); we draw from a ``numpy.random.Generator`` in
another order (below), so individual simulations differ from theirs while the distribution is the same.

Vectorization: the cell and parent counts of all simulations are drawn first; simulations are then grouped by
their number of parents and then of cells, and processed in chunks of padded arrays (masks mark the padding) whose
largest array (squared distances, chunk x parents x cells) holds at most ``ELEMENT_BUDGET`` numbers (about the L2
cache). Per chunk: cells, parents, ``K`` and necrosis indicators are drawn; squared distances come from one batched
matrix product (``|a|^2 + |b|^2 - 2 a.b``); the ``(K_j + 1)``-th nearest cell from one ``np.partition`` at the
chunk's largest ``K`` and a sort of that short prefix. The radius is an entry of the same array the labels compare,
so a cluster holds exactly ``K_j + 1`` cells whatever the rounding. The nearest cancer cell of each of the first 50
stromal cells is found the same way and its distance then recomputed from coordinate differences (exact to
rounding). ``theta`` and the ``rng`` state determine the output. About 18-25 s per 50,000 simulations on one core.
"""

from __future__ import annotations

import math

import numpy as np

NAME = "cs"
PARAM_NAMES: tuple[str, ...] = ("cell_rate", "parent_rate", "daughter_rate")
SUMMARY_NAMES: tuple[str, ...] = ("n_stromal", "n_cancer", "mean_min_dist", "max_min_dist")
PRIOR_LOW = np.array([200.0, 3.0, 10.0])
PRIOR_HIGH = np.array([1500.0, 20.0, 20.0])
PRIOR_MEAN = (PRIOR_LOW + PRIOR_HIGH) / 2  # independent uniforms
PRIOR_SD = (PRIOR_HIGH - PRIOR_LOW) / math.sqrt(12)
BOUNDS = (PRIOR_LOW, PRIOR_HIGH)  # the prior's support, a box (lower, upper)
NECROSIS_PROB = 0.75
NECROSIS_RADIUS_FRACTION = 0.8
NUM_STROMAL_FOR_DISTANCES = 50
NO_CANCER_DISTANCE = math.sqrt(2.0)  # returned when no cancer cell is left (diameter of the unit square)
NO_STROMAL_DISTANCE = 0.0  # returned when no stromal cell is left (Ward et al.: NaN, row dropped)
ELEMENT_BUDGET = 150_000  # largest padded array per chunk (float64 numbers; ~1 MB, about the L2 cache)
_FAR = 8.0  # coordinate of padding cells: farther from any point of the unit square than any real cell


def sample_prior(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 3)`` draws of ``(cell_rate, parent_rate, daughter_rate)`` from independent uniforms."""
    return PRIOR_LOW + (PRIOR_HIGH - PRIOR_LOW) * rng.random((n, 3))


def in_prior_support(theta: np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, dtype=float)
    return np.all((theta > PRIOR_LOW) & (theta < PRIOR_HIGH), axis=1)


def is_degenerate(x: np.ndarray) -> np.ndarray:
    """Rows of summaries without any stromal cell (NaN rows in Ward et al., dropped from their data sets)."""
    return np.asarray(x)[:, 0] == 0


def _check_theta(theta: np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[1] != 3:
        raise ValueError(f"theta must have shape (n, 3), got {theta.shape}")
    if not (np.all(np.isfinite(theta)) and np.all(theta >= 0)):
        raise ValueError("rates must be finite and non-negative")
    return theta


def _plan_chunks(num_cells: np.ndarray, num_parents: np.ndarray) -> list[np.ndarray]:
    """Indices of the simulations of each chunk: sorted by parents then cells, cut to respect ELEMENT_BUDGET."""
    order = np.lexsort((num_cells, num_parents))
    chunks, start, n = [], 0, order.size
    while start < n:
        stop = start + 1
        # grow while the padded (chunk, max parents, max cells) array fits: both maxima are those of the last row
        # except for cells across a change of the parent count, so track the running maximum of cells.
        max_cells = num_cells[order[start]]
        while stop < n:
            max_cells_next = max(max_cells, num_cells[order[stop]])
            if (stop + 1 - start) * num_parents[order[stop]] * max(max_cells_next, 1) > ELEMENT_BUDGET:
                break
            max_cells = max_cells_next
            stop += 1
        chunks.append(order[start:stop])
        start = stop
    return chunks


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared distances (k, i, j) between points a (k, i, 2) and b (k, j, 2), as |a|^2 + |b|^2 - 2 a.b.

    One batched matrix product instead of broadcast differences: about twice as fast. The rounding error is at most
    a few 1e-16 (all points lie in the unit square or at the padding coordinate); see ``_chunk`` for why the
    cluster labels do not depend on it and ``_summaries`` for the exact recomputation of reported distances.
    """
    d2 = a @ np.swapaxes(b, 1, 2)
    d2 *= -2.0
    d2 += np.einsum("kij,kij->ki", a, a)[:, :, None]
    d2 += np.einsum("kij,kij->ki", b, b)[:, None, :]
    return d2


def _chunk(
    theta: np.ndarray,
    num_cells: np.ndarray,
    num_parents: np.ndarray,
    rng: np.random.Generator,
    with_necrosis: bool,
) -> dict:
    """Simulate one chunk of padded arrays: clean cluster labels and, if asked, the cells removed by necrosis."""
    b = theta.shape[0]
    m = int(num_cells.max())
    p = int(num_parents.max())
    cells = rng.random((b, m, 2))
    cell_valid = np.arange(m) < num_cells[:, None]
    cells[~cell_valid] = _FAR
    parents = rng.random((b, p, 2))
    parent_valid = np.arange(p) < num_parents[:, None]
    n_daughters = rng.poisson(np.broadcast_to(theta[:, 2:3], (b, p))) + 1
    necrotic = (rng.random((b, p)) < NECROSIS_PROB) & parent_valid

    # Squared distances (chunk, parent, cell). The radius is an entry of this same array and the labels compare
    # entries of it, so a cluster holds exactly K_j + 1 cells whatever the rounding (barring exact ties).
    d2 = _squared_distances(parents, cells)
    # 0-based order statistic K_j of the distances (the (K_j + 1)-th nearest cell), clipped to the last real cell
    kth = np.minimum(n_daughters, np.maximum(num_cells[:, None] - 1, 0))
    kth = np.where(parent_valid, kth, 0)
    if m > 0:
        top = min(int(kth.max()), m - 1)
        prefix = np.sort(np.partition(d2, top, axis=2)[:, :, : top + 1], axis=2)
        radius2 = np.take_along_axis(prefix, kth[:, :, None], axis=2)[:, :, 0]
    else:
        radius2 = np.zeros((b, p))
    radius2 = np.where(parent_valid & (num_cells[:, None] > 0), radius2, -1.0)  # -1: covers nothing
    is_cancer = np.any(d2 <= radius2[:, :, None], axis=1) & cell_valid
    if with_necrosis:
        necrosis_radius2 = np.where(necrotic, NECROSIS_RADIUS_FRACTION**2 * radius2, -1.0)
        removed = np.any(d2 < necrosis_radius2[:, :, None], axis=1) & cell_valid
    else:  # the indicators were drawn all the same (common random numbers)
        removed = np.zeros_like(cell_valid)
    return {
        "cells": cells,
        "cell_valid": cell_valid,
        "is_cancer": is_cancer,
        "removed": removed,
        "parents": parents,
        "parent_valid": parent_valid,
        "n_daughters": n_daughters,
        "radius": np.sqrt(np.maximum(radius2, 0.0)),
        "necrotic": necrotic,
    }


def cell_summaries(cells: np.ndarray, stromal: np.ndarray, cancer: np.ndarray) -> np.ndarray:
    """Summaries of padded cells (b, m, 2) with masks of the stromal and the cancer cells, (b, 4)."""
    b, m = stromal.shape
    n_stromal = stromal.sum(axis=1)
    n_cancer = cancer.sum(axis=1)
    k = NUM_STROMAL_FOR_DISTANCES
    # the first k stromal cells, in drawing order (padding: the origin, masked below)
    rank = np.cumsum(stromal, axis=1)
    rows, cols = np.nonzero(stromal & (rank <= k))
    first = np.zeros((b, k, 2))
    first[rows, rank[rows, cols] - 1] = cells[rows, cols]
    first_valid = np.arange(k) < np.minimum(n_stromal, k)[:, None]
    # the cancer cells, packed to the left and padded far away
    rows, cols = np.nonzero(cancer)
    slot = np.cumsum(cancer, axis=1)[rows, cols] - 1
    min_d = np.zeros((b, k))
    # sub-chunks of similar cancer counts keep the padding small
    order = np.argsort(n_cancer, kind="stable")
    start = 0
    while start < b:
        stop = start + 1
        while stop < b and (stop + 1 - start) * k * max(int(n_cancer[order[stop]]), 1) <= ELEMENT_BUDGET:
            stop += 1
        sub = order[start:stop]
        c = max(int(n_cancer[sub].max()), 1)
        packed = np.full((sub.size, c, 2), _FAR)
        pos = np.full(b, -1)
        pos[sub] = np.arange(sub.size)
        in_sub = pos[rows] >= 0
        packed[pos[rows[in_sub]], slot[in_sub]] = cells[rows[in_sub], cols[in_sub]]
        nearest = np.argmin(_squared_distances(first[sub], packed), axis=2)
        # exact distance to the nearest cancer cell (the expansion is only used to find it)
        diff = first[sub] - np.take_along_axis(packed, nearest[:, :, None], axis=1)
        min_d[sub] = np.sqrt(np.einsum("kij,kij->ki", diff, diff))
        start = stop
    count = first_valid.sum(axis=1)
    mean_d = np.where(first_valid, min_d, 0.0).sum(axis=1) / np.maximum(count, 1)
    max_d = np.where(first_valid, min_d, -np.inf).max(axis=1)
    no_stromal = count == 0
    no_cancer = n_cancer == 0
    mean_d = np.where(no_cancer, NO_CANCER_DISTANCE, mean_d)
    max_d = np.where(no_cancer, NO_CANCER_DISTANCE, max_d)
    mean_d = np.where(no_stromal, NO_STROMAL_DISTANCE, mean_d)
    max_d = np.where(no_stromal, NO_STROMAL_DISTANCE, max_d)
    return np.column_stack([n_stromal, n_cancer, mean_d, max_d]).astype(np.float64)


def _run(theta: np.ndarray, rng: np.random.Generator, misspecified: bool, raw: bool):
    """Yield ``(indices, summaries, chunk dict or None)`` chunk by chunk."""
    theta = _check_theta(theta)
    num_cells = rng.poisson(theta[:, 0])
    num_parents = rng.poisson(theta[:, 1]) + 1
    for idx in _plan_chunks(num_cells, num_parents):
        out = _chunk(theta[idx], num_cells[idx], num_parents[idx], rng, misspecified)
        kept = out["cell_valid"] & ~out["removed"]
        x = cell_summaries(out["cells"], kept & ~out["is_cancer"], kept & out["is_cancer"])
        yield idx, x, (out if raw else None)


def simulate(theta: np.ndarray, rng: np.random.Generator, *, misspecified: bool = False) -> np.ndarray:
    """``(n, 4)`` summaries of ``n`` simulations (with necrosis if ``misspecified``)."""
    theta = np.asarray(theta)
    x = np.empty((theta.shape[0], len(SUMMARY_NAMES)))
    for idx, xi, _ in _run(theta, rng, misspecified, raw=False):
        x[idx] = xi
    return x


def simulate_cells(theta: np.ndarray, rng: np.random.Generator, *, misspecified: bool = False) -> list[dict]:
    """Per simulation, the raw point pattern (same ``rng`` use as ``simulate``, so the same simulations).

    Each dict has ``cells`` (N, 2) (all cells of the clean process), ``is_cancer`` (N,), ``removed`` (N,) (cells
    removed by necrosis; all False unless ``misspecified``), ``parents`` (P, 2), ``n_daughters`` (P,) (``K_j``, the
    cluster covers ``K_j + 1`` cells), ``radius`` (P,), ``necrotic`` (P,) (drawn also for clean runs; it acts only
    if ``misspecified``) and ``summaries`` (4,), the row ``simulate`` returns. Meant for tests and plots (slow).
    """
    theta = np.asarray(theta)
    result: list[dict | None] = [None] * theta.shape[0]
    for idx, xi, out in _run(theta, rng, misspecified, raw=True):
        for row, i in enumerate(idx):
            cv, pv = out["cell_valid"][row], out["parent_valid"][row]
            result[i] = {
                "cells": out["cells"][row][cv],
                "is_cancer": out["is_cancer"][row][cv],
                "removed": out["removed"][row][cv],
                "parents": out["parents"][row][pv],
                "n_daughters": out["n_daughters"][row][pv],
                "radius": out["radius"][row][pv],
                "necrotic": out["necrotic"][row][pv],
                "summaries": xi[row],
            }
    return result
