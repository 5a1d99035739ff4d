"""Prior predictive draws of the full model and what they imply for theta and pi."""

from policy_windows import io
from policy_windows.fitting import sample_prior
from policy_windows.pipeline import model_from_config, prior_predictive_summary

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input[0])
model = model_from_config(data, "full", {}, snakemake.params.priors)
prior = sample_prior(model, draws=snakemake.params.draws, seed=snakemake.params.seed)
io.save_fit(prior, snakemake.output.idata)
io.write_table(prior_predictive_summary(prior), snakemake.output.table)
