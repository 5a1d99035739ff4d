"""Prior predictive draws of the main model and what they imply for theta and pi."""

import numpy as np

from policy_windows import io
from policy_windows.model import simulate
from policy_windows.model.configuration import Configuration, Priors, kernel_arrays
from policy_windows.model.prior_predictive import prior_predictive_summary

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
config = Configuration.from_config("prior", snakemake.params.model)
arrays = kernel_arrays(config, Priors.from_config(snakemake.params.priors), data)
rng = np.random.default_rng(np.random.SeedSequence([snakemake.params.seed, 11]))
prior = simulate.prior_predictive(arrays, data, snakemake.params.draws, rng)
io.save_fit(prior, snakemake.output.idata)
io.write_table(prior_predictive_summary(prior), snakemake.output.table)
log.info("prior predictive: %d draws", snakemake.params.draws)
