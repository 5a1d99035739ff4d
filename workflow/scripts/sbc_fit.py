"""Simulation-based calibration: simulate from the main model's prior, refit, rank the truth.

Every simulation draws its truth and its data from its own seeded generator (so the ranks
do not depend on how simulations are chunked into jobs) and refits on the one compiled
kernel with the simulated movement and agenda window swapped in.
"""

import pandas as pd

from policy_windows import io
from policy_windows.inference import sbc
from policy_windows.model import simulate
from policy_windows.model.configuration import Configuration, Priors, centring_for_form, kernel_arrays
from policy_windows.inference.gates import GateThresholds, convergence_table
from policy_windows.inference.sampler import SamplerSettings, compile_design, divergences, fit

log = io.log_to(snakemake.log[0])
cfg = snakemake.params.sbc
config = Configuration.from_config("sbc", snakemake.params.model)
priors = Priors.from_config(snakemake.params.priors)
thresholds = GateThresholds.from_config(snakemake.params.gates)
shipped = io.read_model_data(snakemake.input.table)
design = simulate.sbc_design(shipped, cfg["design"], cfg["n_municipalities"], cfg["seed"], cfg["max_municipalities"])
compiled = compile_design(design)
centring = centring_for_form(snakemake.params.form)
families = [f for f in sbc.FAMILIES if f in config.parameters or f in simulate.DERIVED]

tables = []
for i in snakemake.params.simulations:
    truth_draws = simulate.prior_draws(kernel_arrays(config, priors, design), 1, simulate.simulation_rng(cfg["seed"], i, 3))
    params = simulate.draw_at(truth_draws, 0)
    data, truth = simulate.simulate_dataset(params, design, simulate.simulation_rng(cfg["seed"], i, 0))
    settings = SamplerSettings.from_config(cfg, seed=simulate.simulation_seed(cfg["seed"], i, 2), cores=snakemake.threads)
    idata = fit(compiled, data, config, priors, settings, checks=False, centring=centring)
    posterior = idata["posterior"].to_dataset()
    rng = simulate.simulation_rng(cfg["seed"], i, 1)
    ranks = sbc.simulation_ranks(truth, posterior, cfg["thin"], rng, sim=i, families=tuple(families))
    diagnostics = convergence_table(idata, list(config.parameters), thresholds)
    ranks = ranks.assign(
        divergences=divergences(idata),
        max_rhat=diagnostics["r_hat"].max(),
        min_ess_bulk=diagnostics["ess_bulk"].min(),
        passes_gates=bool(diagnostics["passes"].all() and divergences(idata) <= thresholds.max_divergences),
    )  # timings go to the log only, so that the table is bit-reproducible
    first = ranks.iloc[0]
    log.info(
        "simulation %d: %.1f s, %d divergences, max R-hat %.3f, min bulk ESS %.0f, %d agenda windows",
        i, idata.attrs["sampling_seconds"], first["divergences"], first["max_rhat"], first["min_ess_bulk"], data.agenda_window.sum(),
    )
    tables.append(ranks)

io.write_table(pd.concat(tables, ignore_index=True), snakemake.output[0])
