"""Parameter recovery at one number of municipalities M.

Each replicate draws a synthetic design (codes at the shipped frequencies), true
parameters from the prior and outcomes from them, and fits the full model. The model is
compiled once; replicates swap x, movement and agenda window with ``with_data``.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time

import numpy as np
import pandas as pd

from policy_windows import io, sbc, simulate
from policy_windows.fitting import SamplerSettings, compile_for_refits, divergences, sample_compiled
from policy_windows.gates import GateThresholds, convergence_table
from policy_windows.model import Priors, Variant, build_model

log = io.log_to(snakemake.log[0])
cfg = snakemake.params.recovery
m = int(snakemake.wildcards.M)
raw = {key: pd.read_csv(snakemake.input[key]) for key in ("factor_codes", "codebook", "stream_movement")}
shipped = simulate.observed_model_data(raw["factor_codes"], raw["codebook"], raw["stream_movement"])
frequencies = simulate.code_frequencies(shipped, pseudo_count=cfg["pseudo_count"])
centred = m >= cfg["centred_from"]
priors = Priors.from_config(snakemake.params.priors)

designs = [
    simulate.synthetic_design(shipped, m, simulate.simulation_rng(cfg["seed"], r, stream=10 * m), frequencies)
    for r in range(cfg["replicates"])
]
truths = simulate.prior_draws(designs[0], cfg["replicates"], seed=cfg["seed"] + m, priors=priors, centred=centred)

start = time.perf_counter()
model = build_model(designs[0], Variant(), priors, centred=centred, store_derived=False)
compiled = compile_for_refits(model)
log.info("M=%d (%s): compiled in %.1f s", m, "centred" if centred else "non-centred", time.perf_counter() - start)

rows = []
for r, design in enumerate(designs):
    params = simulate.draw_at(truths, r)
    data, truth = simulate.simulate_dataset(params, design, simulate.simulation_rng(cfg["seed"], r, stream=10 * m + 1))
    settings = SamplerSettings(
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        cores=snakemake.threads,
        seed=simulate.simulation_seed(cfg["seed"], r, stream=10 * m + 2),
        target_accept=cfg["target_accept"],
    )
    start = time.perf_counter()
    idata = sample_compiled(compiled, settings, **simulate.data_containers(data, include_x=True))
    seconds = time.perf_counter() - start
    beta = idata["posterior"]["beta"]
    draws = beta.stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
    table = sbc.interval_rows(truth["beta"], draws, list(design.factors))
    diagnostics = convergence_table(idata, ["alpha", "mu", "tau", "beta", "kappa", "sigma_u"], GateThresholds())
    table.insert(0, "replicate", r)
    table.insert(0, "M", m)
    table["identified"] = [np.unique(column).size > 1 for column in design.x.T]
    table["centred"] = centred
    table["divergences"] = divergences(idata)
    table["max_rhat"] = diagnostics["r_hat"].max()
    table["min_ess_bulk"] = diagnostics["ess_bulk"].min()
    table["fit_seconds"] = seconds
    log.info(
        "replicate %d: %.1f s, %d divergences, max R-hat %.3f, min bulk ESS %.0f, coverage 50/90: %.2f/%.2f",
        r, seconds, table["divergences"].iloc[0], table["max_rhat"].iloc[0], table["min_ess_bulk"].iloc[0],
        table["covered50"].mean(), table["covered90"].mean(),
    )
    rows.append(table)

io.write_table(pd.concat(rows, ignore_index=True), snakemake.output[0])
