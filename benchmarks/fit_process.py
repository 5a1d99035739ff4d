"""One whole fitting process, as the pipeline's fit rule runs it, for one sampling path.

    python benchmarks/fit_process.py PATH M OUT.nc

PATH is ``kernel`` (the chosen path: the one compiled kernel through nutpie),
``nutpie-pymc`` (PyMC's model through nutpie's numba backend, compiled in the process) or
``pymc-nuts`` (PyMC's own NUTS). M = 8 is the shipped data; a larger M is simulated from
one prior draw at the shipped code frequencies. Every path: import, build/compile, sample
4 chains x 1,000 draws after 1,000 tuning steps, compute the pointwise log-likelihood,
check the gates and write NetCDF. Prints one JSON line with its own timings.
"""

from __future__ import annotations

import json
import sys
import time

start = time.perf_counter()
path, m, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]


from policy_windows import io  # noqa: E402
from policy_windows.model import simulate  # noqa: E402
from policy_windows.model.configuration import Configuration, Priors, kernel_arrays  # noqa: E402
from policy_windows.inference.gates import GateThresholds, convergence_table  # noqa: E402
from policy_windows.inference.sampler import SamplerSettings, compile_design, divergences, fit  # noqa: E402

SEED, DRAWS, TUNE, CHAINS, CORES = 20201, 1000, 1000, 4, 2
GATES = GateThresholds(max_rhat=1.01, min_ess_bulk=400, min_ess_tail=400, max_divergences=0)
HEADLINE = ["alpha", "mu", "tau", "beta", "sigma_u", "kappa"]

data = io.read_model_data("data/processed/model_table.csv")
if m != data.n_municipalities:
    design = simulate.synthetic_design(data, m, simulate.simulation_rng(SEED, m, 5))
    truth = simulate.prior_draws(kernel_arrays(Configuration("full"), Priors(), design), 1, simulate.simulation_rng(SEED, m, 6))
    data, _ = simulate.simulate_dataset(simulate.draw_at(truth, 0), design, simulate.simulation_rng(SEED, m, 7))
imported = time.perf_counter()

if path == "kernel":
    compiled = compile_design(data)
    built = time.perf_counter()
    settings = SamplerSettings(draws=DRAWS, tune=TUNE, chains=CHAINS, target_accept=0.95, seed=SEED, cores=CORES)
    idata = fit(compiled, data, Configuration("full"), Priors(), settings, derived=m <= 400)
    sampling = idata.attrs["sampling_seconds"]
else:
    import pymc as pm

    from policy_windows.model.reference import Variant, build_model

    model = build_model(data, Variant("full"), Priors(), store_derived=m <= 400)
    built = time.perf_counter()
    t0 = time.perf_counter()
    idata = pm.sample(
        model=model, draws=DRAWS, tune=TUNE, chains=CHAINS, cores=CORES, random_seed=SEED,
        nuts_sampler="nutpie" if path == "nutpie-pymc" else "pymc", nuts={"target_accept": 0.95},
        progressbar=False, compute_convergence_checks=False,
    )
    t1 = time.perf_counter()
    # nutpie's own timing excludes its numba compilation of the wrapper callbacks.
    sampling = float(idata["sample_stats"].attrs.get("sampling_time", t1 - t0)) if path == "nutpie-pymc" else t1 - t0
    pm.compute_log_likelihood(idata, model=model, progressbar=False)
table = convergence_table(idata, HEADLINE, GATES)
io.save_fit(idata, out)
end = time.perf_counter()
print(
    json.dumps(
        {
            "path": path, "M": m, "import_s": imported - start, "build_s": built - imported,
            "sampling_s": sampling, "process_internal_s": end - start,
            "min_ess_bulk": float(table["ess_bulk"].min()), "max_rhat": float(table["r_hat"].max()),
            "divergences": divergences(idata), "ess_per_s": float(table["ess_bulk"].min()) / sampling,
        }
    )
)
