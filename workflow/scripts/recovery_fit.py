"""Parameter recovery at one number of municipalities M.

Each replicate draws a synthetic design (codes at the shipped frequencies), true
parameters from the prior and outcomes from them, and fits the main model on the one
compiled kernel. Whether each fit passes the convergence gates is recorded, so that
coverage is computed from converged fits only (the others are counted, not hidden).
"""

import numpy as np
import pandas as pd

from policy_windows import io
from policy_windows.inference import sbc
from policy_windows.model import simulate
from policy_windows.model.configuration import Configuration, Priors, kernel_arrays
from policy_windows.inference.gates import GateThresholds, convergence_table
from policy_windows.inference.sampler import SamplerSettings, compile_design, divergences, fit

log = io.log_to(snakemake.log[0])
cfg = snakemake.params.recovery
m = int(snakemake.wildcards.M)
config = Configuration.from_config("recovery", snakemake.params.model)
priors = Priors.from_config(snakemake.params.priors)
thresholds = GateThresholds.from_config(snakemake.params.gates)
shipped = io.read_model_data(snakemake.input.table)
frequencies = simulate.code_frequencies(shipped, pseudo_count=cfg["pseudo_count"])

rows = []
compiled = None
for r in range(cfg["replicates"]):
    design = simulate.synthetic_design(shipped, m, simulate.simulation_rng(cfg["seed"], r, 10 * m), frequencies)
    compiled = compile_design(design) if compiled is None else compiled
    truth_draws = simulate.prior_draws(kernel_arrays(config, priors, design), 1, simulate.simulation_rng(cfg["seed"], r, 10 * m + 3))
    data, truth = simulate.simulate_dataset(simulate.draw_at(truth_draws, 0), design, simulate.simulation_rng(cfg["seed"], r, 10 * m + 1))
    settings = SamplerSettings.from_config(cfg, seed=simulate.simulation_seed(cfg["seed"], r, 10 * m + 2), cores=snakemake.threads)
    idata = fit(compiled, data, config, priors, settings, derived=False, checks=False)
    draws = idata["posterior"]["beta"].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
    table = sbc.interval_rows(truth["beta"], draws, list(design.factors))
    diagnostics = convergence_table(idata, [p for p in config.parameters if p != "u"], thresholds)
    table.insert(0, "replicate", r)
    table.insert(0, "M", m)
    table["identified"] = [np.unique(column).size > 1 for column in design.x.T]
    table["divergences"] = divergences(idata)
    table["max_rhat"] = diagnostics["r_hat"].max()
    table["min_ess_bulk"] = diagnostics["ess_bulk"].min()
    table["passes_gates"] = bool(diagnostics["passes"].all() and divergences(idata) <= thresholds.max_divergences)
    log.info(
        "M=%d replicate %d: %.1f s, %d divergences, max R-hat %.3f, min bulk ESS %.0f, gates %s, coverage 50/90 %.2f/%.2f",
        m, r, idata.attrs["sampling_seconds"], table["divergences"].iloc[0], table["max_rhat"].iloc[0],
        table["min_ess_bulk"].iloc[0], "passed" if table["passes_gates"].iloc[0] else "FAILED",
        table["covered50"].mean(), table["covered90"].mean(),
    )
    rows.append(table)

io.write_table(pd.concat(rows, ignore_index=True), snakemake.output[0])
