"""Fit the full model to the simulations of one SBC job and rank the true values.

The model is compiled once per job; every simulation swaps movement and agenda window
into the compiled model (``simulate.data_containers``) instead of recompiling.
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
cfg = snakemake.params.sbc
raw = {key: pd.read_csv(snakemake.input[key]) for key in ("factor_codes", "codebook", "stream_movement")}
shipped = simulate.observed_model_data(raw["factor_codes"], raw["codebook"], raw["stream_movement"])
design = simulate.sbc_design(shipped, cfg["design"], cfg["n_municipalities"], cfg["seed"])
draws = dict(np.load(snakemake.input.draws))

start = time.perf_counter()
model = build_model(design, Variant(), Priors.from_config(snakemake.params.priors), centred=False)
compiled = compile_for_refits(model)
log.info("compiled the full model in %.1f s", time.perf_counter() - start)

tables = []
for i in snakemake.params.simulations:
    params = simulate.draw_at(draws, i)
    data, truth = simulate.simulate_dataset(params, design, simulate.simulation_rng(cfg["seed"], i, stream=0))
    settings = SamplerSettings(
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        cores=snakemake.threads,
        seed=simulate.simulation_seed(cfg["seed"], i, stream=2),
        target_accept=cfg["target_accept"],
    )
    start = time.perf_counter()
    idata = sample_compiled(compiled, settings, **simulate.data_containers(data))
    seconds = time.perf_counter() - start
    posterior = idata["posterior"].to_dataset()
    ranks = sbc.simulation_ranks(truth, posterior, cfg["thin"], simulate.simulation_rng(cfg["seed"], i, stream=1), sim=i)
    diagnostics = convergence_table(idata, list(simulate.PARAMETERS), GateThresholds())
    ranks = ranks.assign(
        divergences=divergences(idata),
        max_rhat=diagnostics["r_hat"].max(),
        min_ess_bulk=diagnostics["ess_bulk"].min(),
        fit_seconds=seconds,
    )
    log.info(
        "simulation %d: %.1f s, %d divergences, max R-hat %.3f, min bulk ESS %.0f, %d agenda windows",
        i, seconds, ranks["divergences"].iloc[0], ranks["max_rhat"].iloc[0], ranks["min_ess_bulk"].iloc[0],
        data.agenda_window.sum(),
    )
    tables.append(ranks)

io.write_table(pd.concat(tables, ignore_index=True), snakemake.output[0])
