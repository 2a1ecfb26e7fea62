"""SIR epidemic with a stochastic reproduction number (Ward et al., 2022), vectorized in numpy.

Port of the "SIR" task of Ward, Cannon, Beaumont, Fasiolo & Schmon (2022), "Robust neural posterior estimation and
statistical model criticism" (NeurIPS 35), from the public repository ``danielward27/rnpe``: class ``SIR`` in
``rnpe/tasks.py`` (prior, summaries, misspecification; the version that ``scripts/run_task.py`` imports) and the Julia
simulator ``rnpe/julia/SIR.jl`` (identical to ``rnpe/julia/sirsde.jl`` up to the task's name). The ideas are ported;
the code is our own.

Model (as in ``SIR.jl``)
------------------------
Proportions ``s, i`` (susceptible, infected) of a population of ``N = 100_000`` and a reproduction number ``R(t)``::

    ds = -gamma R s i dt
    di = (gamma R s i - gamma i) dt
    dR = eta (Rbar - R) dt + sigma sqrt(|R|) dW        (Ito; sigma = 0.05, eta = 0.05, Rbar = beta / gamma)

with ``s(0) = 0.999``, ``i(0) = 0.001``, ``R(0) = Rbar``: the contact rate ``gamma R(t)`` fluctuates around ``beta``
(a mean-reverting square-root (CIR) process; ``2 eta Rbar / sigma^2 = 40 Rbar >= 40``, so ``R`` stays positive).
The observed series is ``x_t = N i(t)`` at ``t = 0, 1, ..., 364`` (``[sol(t)[2] for t in 0:(T-1)] .* N``): the
number of people *currently infected* (prevalence, a real number; ``x_0 = 100``), not new cases. Ward et al. call it
the infections; we keep their series, including for the misspecification (which therefore moves prevalence).

Parameters and prior (``SIR.sample_prior``, ``SIR.in_prior_support``)
---------------------------------------------------------------------
``theta = (beta, gamma)`` in this order: ``beta`` the mean contact rate, ``gamma`` the recovery rate, uniform on the
triangle ``0 < gamma < beta < 0.5`` (density 8). Ward et al. draw ``beta = sqrt(U1) / 2``, ``gamma = U2 beta``; we
take the larger and the smaller of two uniforms on ``(0, 0.5)``: the same distribution. ``Rbar = beta / gamma > 1``
is heavy tailed (``gamma`` can be tiny); all rates stay below ``beta(t) = gamma R(t)`` which is about 0.5 per day.

Summaries (``SIR.summarise``), in Ward's order
----------------------------------------------
1. ``log_mean``: log of the mean of the 365 values; 2. ``log_median``: log of their median;
3. ``log_max``: log of their maximum; 4. ``log_max_day``: ``log(argmax + 1)`` (days counted from 0, ``+1`` as in
their code, "in case 0 is max_day"); 5. ``log_half_day``: ``log`` of the first day index ``t`` (from 0) at which
``sum_{u <= t} x_u > 0.5 sum_u x_u`` (no ``+1`` in their code); 6. ``autocorr_lag1``: Pearson correlation of
``(x_0..x_363)`` with ``(x_1..x_364)``, each demeaned by its own mean.
Deviation (a guard that never fires): ``log_half_day`` uses ``max(day, 1)``. Day 0 cannot be the half day: ``i``
decays at most at rate ``gamma < 0.5``, so ``sum_{t >= 1} x_t >= 100 sum_t exp(-0.5 t) > 154 > x_0``; the
misspecification leaves day 0 (a Friday) and the total unchanged.

Misspecification (``SIR.misspecify``): weekend under-reporting
--------------------------------------------------------------
Day index 0 is a Friday: Ward et al. take Saturdays = days ``1, 8, 15, ...``, Sundays = ``2, 9, ...`` and Mondays =
``3, 10, ...`` (``range(i, 365, 7)`` for ``i = 1, 2, 3``). Saturday and Sunday values are multiplied by 0.95 and the
removed 5% of both are added to the following Monday (52 full weekends, the last Monday is day 360; day 364 is a
Friday), so the total over the year is unchanged. It is deterministic: with the same ``rng`` state the clean and the
misspecified series come from the same epidemic (common random numbers). In Ward et al. it is applied only to the
pseudo-observation; the training simulations are clean.

Discretization (our choice; Ward et al. use Julia's adaptive ``SOSRI``)
-----------------------------------------------------------------------
Ward et al. call ``solve(SDEProblem(f, g, u0, (0, 365), p), SOSRI())``: an adaptive stochastic Runge-Kutta method
for Ito SDEs with diagonal noise (Rossler SRI, strong order 1.5) at the package's default tolerances (1e-2 absolute
and relative for SDEs in the DifferentialEquations.jl documentation; we could not check the version they ran), and
read ``sol(t)`` at the integer days through the solution's interpolation between adaptive steps. An absolute
tolerance of 1e-2 on proportions, while ``i`` starts at 0.001, leaves the early epidemic almost uncontrolled, so
their paths carry solver error that we neither know nor reproduce (nor their random streams): we target the exact
SDE. Our scheme, with step ``DT = 0.5`` day (the days are grid points: no interpolation):

* ``R``: each step draws ``R(t+h)`` from a normal with the *exact* conditional mean and variance of the CIR
  transition, ``E = Rbar + (R - Rbar) e^{-eta h}`` and ``V = sigma^2 |R| (e^{-eta h} - e^{-2 eta h}) / eta +
  sigma^2 Rbar (1 - e^{-eta h})^2 / (2 eta)`` (``|R|`` as Ward's ``sqrt(abs(R0))``). The CIR transition has
  ``80 Rbar >= 80`` degrees of freedom, so it is nearly normal, and the scheme makes ``E R(t) = Rbar`` and
  ``Var R(t) = sigma^2 Rbar (1 - e^{-2 eta t}) / (2 eta)`` exact at every grid time.
* ``(s, log i)``: given the path of ``R`` this is an ODE, integrated with classical RK4 with ``R`` linear within
  the step (the midpoint stages use the mean of the two end values). Integrating ``log i`` (``d log i =
  gamma (R s - 1) dt``) is exact for exponential growth or decay, keeps ``i > 0`` and resolves the long tails (``i``
  falls to ~1e-70 of its peak when ``gamma`` is near 0.5), which the median and the autocorrelation see.

With ``sigma = 0`` this is RK4 on the deterministic SIR ODE; against ``solve_ivp`` at ``rtol = 1e-11``, over prior
draws and corner cases, the largest error of ``log x_t`` was 5e-5 with ``h = 1``, 3e-6 with ``h = 0.5`` and 2e-7 with
``h = 0.25`` (fourth order), far below Ward's 1e-2 tolerances. Linear interpolation drops the within-step Brownian
bridge of ``R``, a share of about ``h^2 / (4 T^2)`` of the variance of ``integral R dt`` over ``T`` days; with
``h = 1`` the means of the six summaries (fixed ``theta``, 20,000 runs) moved by at most 5e-4 (``log_max_day``)
against ``h = 1/8``. ``h = 0.5`` costs about 7 s per 50,000 simulations on one core.

Everything is vectorized across simulations (chunks of ``CHUNK_SIZE``; a Python loop runs over the 728 time steps).
One standard normal per simulation and step is drawn, chunk by chunk, so a given ``rng`` state and ``theta`` give the
same output, whatever is asked for (summaries, series, ``R`` path).
"""

from __future__ import annotations

import math

import numpy as np

NAME = "sir"
PARAM_NAMES: tuple[str, ...] = ("beta", "gamma")
SUMMARY_NAMES: tuple[str, ...] = (
    "log_mean",
    "log_median",
    "log_max",
    "log_max_day",
    "log_half_day",
    "autocorr_lag1",
)

POPULATION = 100_000
NUM_DAYS = 365
S0, I0 = 0.999, 0.001
SIGMA = 0.05  # volatility of R (Ward's sigma)
ETA = 0.05  # mean-reversion strength of R (Ward's eta)
PRIOR_UPPER = 0.5  # 0 < gamma < beta < PRIOR_UPPER
# beta, gamma: the larger and the smaller of two U(0, 1/2): Beta(2, 1) and Beta(1, 2) times 1/2, means 1/3 and 1/6,
# both with variance (1/18) / 4 = 1/72.
PRIOR_MEAN = np.array([2 / 3 * PRIOR_UPPER, 1 / 3 * PRIOR_UPPER])
PRIOR_SD = np.full(2, PRIOR_UPPER * math.sqrt(1 / 18))
BOUNDS = (np.zeros(2), np.full(2, PRIOR_UPPER))  # the smallest box (lower, upper) around the prior's triangle
DT = 0.5  # integration step in days; 1 / DT must be an integer
MISSPECIFY_MULTIPLIER = 0.95  # weekend values are multiplied by this; the rest is reported on Monday
CHUNK_SIZE = 8192  # simulations integrated together (vectors that stay in cache)

# Day index 0 is a Friday (Ward et al.: Saturdays are range(1, 365, 7)).
WEEKDAYS = ("Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday")


def weekday(day: int | np.ndarray) -> np.ndarray:
    """Index into ``WEEKDAYS`` of day index ``day`` (0 = the first day, a Friday)."""
    return np.asarray(day) % 7


def sample_prior(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2)`` draws of ``(beta, gamma)``, uniform on ``0 < gamma < beta < 0.5``."""
    u = rng.random((n, 2)) * PRIOR_UPPER
    return np.column_stack([u.max(axis=1), u.min(axis=1)])


def in_prior_support(theta: np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, dtype=float)
    beta, gamma = theta[:, 0], theta[:, 1]
    return (gamma > 0) & (gamma < beta) & (beta < PRIOR_UPPER)


def _check_theta(theta: np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[1] != 2:
        raise ValueError(f"theta must have shape (n, 2) (beta, gamma), got {theta.shape}")
    if not (np.all(theta[:, 1] > 0) and np.all(theta[:, 0] >= 0) and np.all(np.isfinite(theta))):
        raise ValueError("need finite beta >= 0 and gamma > 0")
    return theta


def _integrate(
    beta: np.ndarray,
    gamma: np.ndarray,
    rng: np.random.Generator,
    sigma: float,
    eta: float,
    dt: float,
    record_r: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Integrate one chunk; returns ``N i(t)`` and optionally ``R(t)`` at ``t = 0..NUM_DAYS-1``."""
    n = beta.size
    substeps = round(1.0 / dt)
    if substeps < 1 or abs(substeps * dt - 1.0) > 1e-12:
        raise ValueError("1 / dt must be a positive integer")
    h = 1.0 / substeps
    rbar = beta / gamma
    # Exact conditional mean and variance of the CIR transition over one step h.
    if eta > 0:
        decay = np.exp(-eta * h)
        var_r = sigma**2 * (decay - decay * decay) / eta
        var_const = rbar * (sigma**2 * (1.0 - decay) ** 2 / (2.0 * eta))
    else:  # no mean reversion: a martingale with variance sigma^2 |R| h per step
        decay, var_r, var_const = 1.0, sigma**2 * h, np.zeros(n)
    anchor = rbar * (1.0 - decay)

    s = np.full(n, S0)
    log_i = np.full(n, np.log(I0))
    r = rbar.copy()
    out = np.empty((n, NUM_DAYS))
    out_r = np.empty((n, NUM_DAYS)) if record_r else None
    half_h, sixth_h = 0.5 * h, h / 6.0
    for day in range(NUM_DAYS):
        out[:, day] = log_i
        if record_r:
            out_r[:, day] = r
        if day == NUM_DAYS - 1:
            break
        for _ in range(substeps):
            z = rng.standard_normal(n)
            r_next = anchor + decay * r + np.sqrt(var_r * np.abs(r) + var_const) * z
            g0, g2 = gamma * r, gamma * r_next  # contact rates at the ends and (mean) at the middle of the step
            g1 = 0.5 * (g0 + g2)
            # RK4 on (s, log i): ds = -g s i, dlog i = g s - gamma.
            gs = g0 * s
            k1s, k1i = -gs * np.exp(log_i), gs - gamma
            s2 = s + half_h * k1s
            li2 = log_i + half_h * k1i
            gs = g1 * s2
            k2s, k2i = -gs * np.exp(li2), gs - gamma
            s3 = s + half_h * k2s
            li3 = log_i + half_h * k2i
            gs = g1 * s3
            k3s, k3i = -gs * np.exp(li3), gs - gamma
            s4 = s + h * k3s
            li4 = log_i + h * k3i
            gs = g2 * s4
            k4s, k4i = -gs * np.exp(li4), gs - gamma
            s = s + sixth_h * (k1s + 2.0 * (k2s + k3s) + k4s)
            log_i = log_i + sixth_h * (k1i + 2.0 * (k2i + k3i) + k4i)
            r = r_next
    np.exp(out, out=out)
    out *= POPULATION
    return out, out_r


def _chunks(n: int, chunk_size: int):
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))


def simulate_infections(
    theta: np.ndarray,
    rng: np.random.Generator,
    *,
    misspecified: bool = False,
    sigma: float = SIGMA,
    eta: float = ETA,
    dt: float = DT,
    return_r: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The raw ``(n, 365)`` series ``N i(t)``, ``t = 0..364`` (weekend-misspecified if asked).

    With ``return_r``, also ``R(t)`` at the same days. Consumes ``rng`` exactly as ``simulate`` does.
    """
    theta = _check_theta(theta)
    xs, rs = [], []
    for sl in _chunks(theta.shape[0], chunk_size):
        x, r = _integrate(theta[sl, 0], theta[sl, 1], rng, sigma, eta, dt, return_r)
        xs.append(misspecify(x) if misspecified else x)
        rs.append(r)
    x = np.concatenate(xs) if xs else np.empty((0, NUM_DAYS))
    if return_r:
        return x, (np.concatenate(rs) if rs else np.empty((0, NUM_DAYS)))
    return x


def misspecify(x: np.ndarray, multiplier: float = MISSPECIFY_MULTIPLIER) -> np.ndarray:
    """Weekend under-reporting: Saturday and Sunday values times ``multiplier``, the rest added to the next Monday."""
    x = np.array(x, dtype=np.float64, copy=True)
    num_days = x.shape[-1]
    saturdays = np.flatnonzero(weekday(np.arange(num_days)) == 1)
    saturdays = saturdays[saturdays + 2 < num_days]  # only weekends whose Monday is in the series (all 52 of 365)
    sundays, mondays = saturdays + 1, saturdays + 2
    missed = (1.0 - multiplier) * (x[..., saturdays] + x[..., sundays])
    x[..., saturdays] *= multiplier
    x[..., sundays] *= multiplier
    x[..., mondays] += missed
    return x


def summarise(x: np.ndarray) -> np.ndarray:
    """The six summaries (``SUMMARY_NAMES``) of ``(n, T)`` series; see the module docstring."""
    x = np.asarray(x, dtype=np.float64)
    num_days = x.shape[1]
    mean = x.mean(axis=1)
    if num_days % 2:
        median = np.partition(x, num_days // 2, axis=1)[:, num_days // 2]
    else:
        median = np.median(x, axis=1)
    max_day = np.argmax(x, axis=1)
    peak = x[np.arange(x.shape[0]), max_day]
    cumulative = np.cumsum(x, axis=1)
    half_day = np.argmax(cumulative > 0.5 * cumulative[:, -1:], axis=1)
    a = x[:, :-1] - x[:, :-1].mean(axis=1, keepdims=True)
    b = x[:, 1:] - x[:, 1:].mean(axis=1, keepdims=True)
    autocorr = np.einsum("ij,ij->i", a, b) / np.sqrt(np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", b, b))
    return np.column_stack(
        [
            np.log(mean),
            np.log(median),
            np.log(peak),
            np.log(max_day + 1.0),
            np.log(np.maximum(half_day, 1).astype(np.float64)),
            autocorr,
        ]
    )


def simulate(
    theta: np.ndarray,
    rng: np.random.Generator,
    *,
    misspecified: bool = False,
    sigma: float = SIGMA,
    eta: float = ETA,
    dt: float = DT,
    chunk_size: int = CHUNK_SIZE,
) -> np.ndarray:
    """``(n, 6)`` summaries of ``n`` simulations (weekend under-reporting if ``misspecified``)."""
    theta = _check_theta(theta)
    out = np.empty((theta.shape[0], len(SUMMARY_NAMES)))
    for sl in _chunks(theta.shape[0], chunk_size):
        x, _ = _integrate(theta[sl, 0], theta[sl, 1], rng, sigma, eta, dt, False)
        out[sl] = summarise(misspecify(x) if misspecified else x)
    return out
