"""Exact posteriors under NNPE's error model for blocks of redundant sensors, by quadrature: of theta and of z.

The model: ``theta_b ~ N(0, prior_sd^2)`` per block ``b``, and each sensor ``j`` of block ``b`` reads
``x_j = theta_b + sensor_sd * noise``. The error model (Ward et al., 2022) on summaries z-scored with ``(mean, std)``:
``y_j = x_j + std_j * eps_j``, ``eps_j ~ Cauchy(0, slab)`` if ``z_j = 1`` (probability ``rho_j``), else
``Normal(0, spike)``. Given ``theta_b`` the sensors are independent, so every quantity is a 1-D integral over
``theta_b``, done on a fixed grid (step :data:`STEP`, far finer than the narrowest posterior, ``sensor_sd /
sqrt(sensors)``, and the narrowest likelihood, ``sensor_sd``):

* per sensor, ``f0(y_j - theta) = N(0, sensor_sd^2 + (std_j spike)^2)`` and ``f1 = Voigt(sensor_sd, std_j slab)``;
* ``p_rho(theta_b | y)`` is proportional to ``N(theta_b) prod_j [(1 - rho_j) f0 + rho_j f1]``: its mean, sd and
  central-interval quantiles;
* ``p_rho(z_b | y)`` is proportional to ``prod_j rho_j^z_j (1 - rho_j)^(1 - z_j) int N(theta_b) prod_j f_{z_j}``,
  for all ``2^sensors`` patterns of the block; blocks are independent, so the joint over all summaries is the
  product (pattern ``p`` has ``z_j = (p >> j) & 1``, the critic's order).

Numpy and scipy only; independent of any network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp, voigt_profile

__all__ = ["STEP", "Posterior", "SensorBlocks"]

STEP = 0.005
"""Grid step in theta (prior sd 1): the narrowest posterior of the benchmark tasks, sd 0.13, spans 26 steps."""
HALF_WIDTH = 6.5
"""The grid covers theta in +- this many prior sds (prior mass left out: 8e-11)."""
_CHUNK = 64  # observations per vectorized chunk


@dataclass(frozen=True)
class Posterior:
    """Exact posterior summaries of theta, each of shape ``(m, blocks)``."""

    mean: np.ndarray
    sd: np.ndarray
    lower: np.ndarray  # the (1 - level) / 2 quantile
    upper: np.ndarray  # the (1 + level) / 2 quantile


@dataclass(frozen=True)
class SensorBlocks:
    """Blocks of redundant sensors and NNPE's error model on them."""

    blocks: int = 2
    sensors: int = 5
    sensor_sd: float = 0.3
    prior_sd: float = 1.0
    spike: float = 0.01
    slab: float = 0.25

    @property
    def num_summaries(self) -> int:
        return self.blocks * self.sensors

    def simulate(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(theta, x)``: ``n`` draws of the parameters ``(n, blocks)`` and clean raw summaries ``(n, d)``."""
        theta = self.prior_sd * rng.standard_normal((n, self.blocks))
        x = np.repeat(theta, self.sensors, axis=1) + self.sensor_sd * rng.standard_normal((n, self.num_summaries))
        return theta, x

    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        theta = np.arange(-HALF_WIDTH, HALF_WIDTH + STEP / 2, STEP) * self.prior_sd
        log_prior = -0.5 * (theta / self.prior_sd) ** 2 - math.log(self.prior_sd * math.sqrt(2 * math.pi))
        return theta, log_prior

    def _log_f(self, y: np.ndarray, std: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log f0 and log f1 of each sensor at each grid node: ``(m, sensors, nodes)`` for one block's ``y``."""
        r = y[:, :, None] - theta[None, None, :]
        sd0 = np.hypot(self.sensor_sd, std * self.spike)[None, :, None]
        log_f0 = -0.5 * (r / sd0) ** 2 - np.log(sd0 * math.sqrt(2 * math.pi))
        gamma = (std * self.slab)[None, :, None]
        v = voigt_profile(r, self.sensor_sd, gamma)
        with np.errstate(divide="ignore"):
            log_f1 = np.where(v > 0, np.log(v), np.log(gamma / np.pi) - 2 * np.log(np.abs(r)))
        return log_f0, log_f1

    def _blocks(self, y: np.ndarray, std: np.ndarray, rho: np.ndarray):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != self.num_summaries:
            raise ValueError(f"y must have shape (m, {self.num_summaries}), got {y.shape}.")
        std = np.broadcast_to(np.asarray(std, dtype=np.float64), (self.num_summaries,))
        rho = np.broadcast_to(np.asarray(rho, dtype=np.float64), y.shape)  # one prior, or one per observation
        for b in range(self.blocks):
            cols = slice(b * self.sensors, (b + 1) * self.sensors)
            yield b, y[:, cols], std[cols], rho[:, cols]

    def posterior(self, y: np.ndarray, *, std: np.ndarray, rho, level: float = 0.9) -> Posterior:
        """The exact ``p_rho(theta | y)`` of raw observations ``y`` ``(m, d)``; ``std``: the z-scoring std; ``rho``:
        a float, one per summary, or one per observation and summary ``(m, d)`` (0/1: the posterior given ``z``)."""
        theta, log_prior = self._grid()
        m = len(y)
        out = {k: np.empty((m, self.blocks)) for k in ("mean", "sd", "lower", "upper")}
        for b, yb, sb, rb in self._blocks(y, std, rho):
            with np.errstate(divide="ignore"):
                log_w0, log_w1 = np.log1p(-rb)[:, :, None], np.log(rb)[:, :, None]
            for start in range(0, m, _CHUNK):
                rows = slice(start, start + _CHUNK)
                log_f0, log_f1 = self._log_f(yb[rows], sb, theta)
                log_post = log_prior + np.logaddexp(log_w0[rows] + log_f0, log_w1[rows] + log_f1).sum(axis=1)
                w = np.exp(log_post - log_post.max(axis=1, keepdims=True))
                w /= w.sum(axis=1, keepdims=True)
                mean = w @ theta
                out["mean"][rows, b] = mean
                out["sd"][rows, b] = np.sqrt(np.maximum(w @ theta**2 - mean**2, 0.0))
                cdf = np.cumsum(w, axis=1) - 0.5 * w  # the midpoint rule's CDF at the nodes
                for name, q in (("lower", (1 - level) / 2), ("upper", (1 + level) / 2)):
                    out[name][rows, b] = [np.interp(q, c, theta) for c in cdf]
        return Posterior(**out)

    def pattern_probabilities(self, y: np.ndarray, *, std: np.ndarray, rho) -> np.ndarray:
        """The exact ``p_rho(z | y)`` of all ``2^d`` patterns, ``(m, 2^d)``, in the critic's order."""
        joint = np.ones((len(y), 1))
        for block in self._block_patterns(self._block_log_likelihoods(y, std), rho):
            # the block's sensors are the next bits of the pattern index: outer product, earlier blocks fastest
            joint = (block[:, :, None] * joint[:, None, :]).reshape(len(y), -1)
        return joint

    def inclusion_probabilities(self, y: np.ndarray, *, std: np.ndarray, rho) -> np.ndarray:
        """The exact ``p_rho(z_j = 1 | y)``, ``(m, d)``, block by block (any number of blocks)."""
        return self._inclusion(self._block_log_likelihoods(y, std), rho)

    def estimate_slab_probability(
        self, y: np.ndarray, *, std: np.ndarray, per_summary: bool = False, tolerance: float = 1e-6
    ) -> np.ndarray | float:
        """The exact empirical-Bayes ``rho``: EM on the marginal likelihood, with exact inclusion probabilities.

        The pattern likelihoods do not depend on ``rho``: they are integrated once, and each EM step only reweights
        them (near ``rho = 0`` EM needs many steps)."""
        log_likelihoods = self._block_log_likelihoods(y, std)
        rho = np.full(self.num_summaries, 0.5)
        for _ in range(2000):
            p = self._inclusion(log_likelihoods, rho).mean(axis=0)
            new = p if per_summary else np.full_like(p, p.mean())
            if np.max(np.abs(new - rho)) < tolerance:
                rho = new
                break
            rho = new
        return rho if per_summary else float(rho[0])

    @property
    def _patterns(self) -> np.ndarray:
        """The ``2^sensors`` patterns of one block, ``(P, sensors)``: pattern ``p`` has ``z_j = (p >> j) & 1``."""
        return (np.arange(2**self.sensors)[:, None] >> np.arange(self.sensors)) & 1

    def _inclusion(self, log_likelihoods: list[np.ndarray], rho) -> np.ndarray:
        """``p_rho(z_j = 1 | y)``, ``(m, d)``, from the blocks' pattern log likelihoods."""
        patterns = self._patterns
        return np.concatenate([block @ patterns for block in self._block_patterns(log_likelihoods, rho)], axis=1)

    def _block_patterns(self, log_likelihoods: list[np.ndarray], rho):
        """Per block, the exact ``p_rho(z_b | y)`` of its ``2^sensors`` patterns, ``(m, 2^sensors)``, from its pattern
        log likelihoods; ``rho``: a float, one per summary, or one per observation and summary."""
        patterns = self._patterns
        rho = np.broadcast_to(np.asarray(rho, dtype=np.float64), (len(log_likelihoods[0]), self.num_summaries))
        for b, log_likelihood in enumerate(log_likelihoods):
            yield _posterior_of_patterns(log_likelihood, rho[:, b * self.sensors : (b + 1) * self.sensors], patterns)

    def _block_log_likelihoods(self, y: np.ndarray, std: np.ndarray) -> list[np.ndarray]:
        """Per block, ``log int N(theta_b) prod_j f_{z_j}(y_j - theta_b)`` of each pattern, ``(m, 2^sensors)``: the
        part of ``p_rho(z_b | y)`` that does not depend on ``rho``."""
        theta, log_prior = self._grid()
        patterns = self._patterns
        out = []
        for _, yb, sb, _ in self._blocks(y, std, 0.0):
            block = np.empty((len(yb), len(patterns)))
            for start in range(0, len(yb), _CHUNK // 4):
                rows = slice(start, start + _CHUNK // 4)
                log_f0, log_f1 = self._log_f(yb[rows], sb, theta)  # (c, sensors, G)
                log_f = np.zeros((log_f0.shape[0], len(patterns), len(theta)))  # (c, P, G)
                for j in range(self.sensors):
                    log_f += np.where(patterns[None, :, j, None] == 1, log_f1[:, None, j], log_f0[:, None, j])
                block[rows] = logsumexp(log_f + log_prior, axis=-1)
            out.append(block)
        return out


def _posterior_of_patterns(log_likelihood: np.ndarray, rho: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """``p_rho(z_b | y)`` of each pattern, ``(m, P)``, from the pattern log likelihoods ``(m, P)`` and the block's
    ``rho`` per observation and sensor ``(m, sensors)``."""
    with np.errstate(divide="ignore"):  # (m, P)
        log_prior_z = np.where(patterns[None] == 1, np.log(rho)[:, None], np.log1p(-rho)[:, None]).sum(axis=2)
    log_evidence = log_likelihood + log_prior_z
    return np.exp(log_evidence - logsumexp(log_evidence, axis=1, keepdims=True))
