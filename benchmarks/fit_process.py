"""One whole fitting process, as the pipeline's fit rule runs it, for one sampling path.

    python benchmarks/fit_process.py PATH M OUT.nc [FORM [TUNE TARGET_ACCEPT [SEED]]]

TUNE and TARGET_ACCEPT default to (or, given as ``config``, read) config/config.yaml;
SEED (default: the config's) also seeds the simulated data set.

PATH is ``kernel`` (the chosen path: the one compiled kernel through nutpie),
``nutpie-pymc`` (PyMC's model through nutpie's numba backend, compiled in the process) or
``pymc-nuts`` (PyMC's own NUTS). FORM (kernel only) is the parameterisation:
``chosen`` (what the pipeline uses, ``configuration.choose_centring``: centred codes and
signed scales), ``non-centred`` (the form shipped before issue 12), ``codes-only`` (centred
codes, scales on the log scale), ``centred-beta`` (beta centred, u non-centred),
``partial-u`` (u half centred) or ``gaussian-optimal`` (each beta and u partially centred
by the weight a Gaussian approximation calls optimal, computed from the TRUE parameters:
the best any plug-in rule could do); the last four with centred codes and log scales. M = 8 is the shipped data; a larger M is simulated
from one prior draw at the shipped code frequencies. Every path: import, build/compile,
sample with the pipeline's settings (config/config.yaml: sampler), compute the pointwise
log-likelihood (M <= 400), check the gates and write NetCDF. Prints one JSON line with its
own timings; for the kernel also microseconds per gradient in isolation (the kernel and
``reference_kernel.py``) and inside the sampler, and effective draws per gradient.
"""

from __future__ import annotations

import json
import sys
import time

start = time.perf_counter()
path, m, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
form = sys.argv[4] if len(sys.argv) > 4 else "chosen"
tune_arg = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "config" else None
accept_arg = float(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[6] != "config" else None
seed_arg = int(sys.argv[7]) if len(sys.argv) > 7 else None

import numpy as np  # noqa: E402

from policy_windows import io  # noqa: E402
from policy_windows.model import kernel, simulate  # noqa: E402
from policy_windows.model.configuration import Centring, Configuration, Priors, kernel_arrays  # noqa: E402
from policy_windows.model.predictor import stream_probability  # noqa: E402
from policy_windows.inference.gates import GateThresholds, convergence_table  # noqa: E402
from policy_windows.inference.sampler import SamplerSettings, compile_design, divergences, fit  # noqa: E402

import yaml  # noqa: E402

CONFIG = yaml.safe_load(open("config/config.yaml"))  # the pipeline's own sampler settings and gates
DRAWS, CHAINS, CORES = CONFIG["sampler"]["draws"], CONFIG["sampler"]["chains"], 2
SEED = CONFIG["seed"] if seed_arg is None else seed_arg
TUNE = CONFIG["sampler"]["tune"] if tune_arg is None else tune_arg
TARGET_ACCEPT = CONFIG["sampler"]["target_accept"] if accept_arg is None else accept_arg
GATES = GateThresholds.from_config(CONFIG["gates"])
HEADLINE = ["beta", "mu", "tau", "sigma_u", "kappa"]  # the parameters of issue 12's floors
CHECK_ALSO = ["alpha"]

data = io.read_model_data("data/processed/model_table.csv")
truth = None
if m != data.n_municipalities:
    design = simulate.synthetic_design(data, m, simulate.simulation_rng(SEED, m, 5))
    draws = simulate.prior_draws(kernel_arrays(Configuration("full"), Priors(), design), 1, simulate.simulation_rng(SEED, m, 6))
    data, truth = simulate.simulate_dataset(simulate.draw_at(draws, 0), design, simulate.simulation_rng(SEED, m, 7))
imported = time.perf_counter()


def centring_for(form: str) -> Centring | None:
    n_fac = len(data.factors)
    if form == "chosen":
        return None
    if form == "non-centred":
        return Centring.non_centred()
    if form == "codes-only":
        return Centring(beta=None, u=0.0, codes=True)
    if form == "centred-beta":
        return Centring(beta=(1.0,) * n_fac, u=0.0, codes=True)
    if form == "partial-u":
        return Centring(beta=None, u=0.5, codes=True)
    if form == "gaussian-optimal":
        one = {k: np.asarray(v)[None] for k, v in truth.items() if k in ("alpha", "beta", "delta", "u", "kappa")}
        p = stream_probability(one, data.x, data.factor_group, data.agenda_window)[0].reshape(m, 6)
        weight = p * (1 - p)
        info = ((data.x**2) * weight[:, data.factor_group]).sum(axis=0)
        scale2 = truth["tau"][data.factor_group] ** 2
        info_u = weight.sum(axis=1).mean() * truth["sigma_u"] ** 2
        return Centring(beta=tuple(info * scale2 / (1 + info * scale2)), u=float(info_u / (1 + info_u)), codes=True)
    raise SystemExit(f"unknown form {form!r}")


def microseconds_per_gradient(arrays: dict) -> tuple[float, float]:
    """The kernel and the hand-written reference, alternated, at one random point."""
    sys.path.insert(0, "benchmarks")
    from reference_kernel import reference_logp_and_grad

    buffer = kernel.pack(arrays)
    theta = np.random.default_rng(1).normal(0.0, 0.3, kernel.n_dim(len(data.factors), m))
    g1, g2 = np.empty_like(theta), np.empty_like(theta)
    args = (arrays["x"], arrays["group"], arrays["y"], arrays["aw"], arrays["mu_sd"], arrays["tau_sd"], *arrays["scalars"])
    flat = kernel_arrays(Configuration("full"), Priors(), data, centring=Centring.non_centred())
    kernel.logp_and_grad(theta, g1, kernel.pack(flat))
    reference_logp_and_grad(theta, g2, *args)
    if not np.allclose(g1, g2, rtol=1e-9, atol=1e-9):
        raise SystemExit("the kernel and the reference kernel disagree")
    n = max(20, 200_000 // m)
    times = {"kernel": [], "reference": []}
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            kernel.logp_and_grad(theta, g1, buffer)
        times["kernel"].append((time.perf_counter() - t) / n * 1e6)
        t = time.perf_counter()
        for _ in range(n):
            reference_logp_and_grad(theta, g2, *args)
        times["reference"].append((time.perf_counter() - t) / n * 1e6)
    return float(np.median(times["kernel"])), float(np.median(times["reference"]))


extra = {}
if path == "kernel":
    compiled = compile_design(data)
    built = time.perf_counter()
    centring = centring_for(form)
    arrays = kernel_arrays(Configuration("full"), Priors(), data, centring=centring)
    extra["us_per_gradient_isolated"], extra["us_per_gradient_reference"] = microseconds_per_gradient(arrays)
    settings = SamplerSettings(draws=DRAWS, tune=TUNE, chains=CHAINS, target_accept=TARGET_ACCEPT, seed=SEED, cores=CORES)
    idata = fit(compiled, data, Configuration("full"), Priors(), settings, derived=m <= 400, checks=m <= 400,
                centring=centring, count_gradients=True)
    sampling = idata.attrs["sampling_seconds"]
    extra["gradient_evaluations"] = idata.attrs["gradient_evaluations"]
    extra["us_per_gradient_in_sampler"] = sampling * min(CORES, CHAINS) / extra["gradient_evaluations"] * 1e6
else:
    import pymc as pm

    from policy_windows.model.reference import Variant, build_model

    model = build_model(data, Variant("full"), Priors(), store_derived=m <= 400)
    built = time.perf_counter()
    t0 = time.perf_counter()
    idata = pm.sample(
        model=model, draws=DRAWS, tune=TUNE, chains=CHAINS, cores=CORES, random_seed=SEED,
        nuts_sampler="nutpie" if path == "nutpie-pymc" else "pymc", nuts={"target_accept": TARGET_ACCEPT},
        progressbar=False, compute_convergence_checks=False,
    )
    t1 = time.perf_counter()
    # nutpie's own timing excludes its numba compilation of the wrapper callbacks.
    sampling = float(idata["sample_stats"].attrs.get("sampling_time", t1 - t0)) if path == "nutpie-pymc" else t1 - t0
    if m <= 400:
        pm.compute_log_likelihood(idata, model=model, progressbar=False)
table = convergence_table(idata, HEADLINE, GATES)
others = convergence_table(idata, CHECK_ALSO, GATES)
io.save_fit(idata, out)
end = time.perf_counter()
n_steps = int(idata["sample_stats"]["n_steps"].sum()) if "n_steps" in idata["sample_stats"] else None
slowest = table.loc[table["ess_bulk"].idxmin(), "parameter"]
print(
    json.dumps(
        {
            "path": path, "form": form if path == "kernel" else "non-centred", "M": m,
            "tune": TUNE, "target_accept": TARGET_ACCEPT, "seed": SEED,
            "import_s": imported - start, "build_s": built - imported,
            "sampling_s": sampling, "process_internal_s": end - start,
            "min_ess_bulk": float(table["ess_bulk"].min()), "slowest": str(slowest),
            "min_ess_bulk_alpha": float(others["ess_bulk"].min()),
            "max_rhat": float(max(table["r_hat"].max(), others["r_hat"].max())),
            "divergences": divergences(idata), "ess_per_s": float(table["ess_bulk"].min()) / sampling,
            "leapfrog_per_draw": n_steps / (CHAINS * DRAWS) if n_steps else None,
            "effective_draws_per_gradient": (
                float(table["ess_bulk"].min()) / extra["gradient_evaluations"] if "gradient_evaluations" in extra else None
            ),
            **extra,
        }
    )
)
