"""Fit one model configuration, gate its convergence, and save the posterior as NetCDF.

A fit that fails only its R-hat or ESS gates is rerun longer, up to ``sampler.max_draws``
(``gates.fit_to_gates``). The gates raise before anything is written, so a failing fit
leaves no output behind.
"""

from policy_windows import io
from policy_windows.model.configuration import Configuration, Priors
from policy_windows.inference.gates import GateThresholds, check_gates, fit_summary, fit_to_gates, parameter_names
from policy_windows.inference.sampler import SamplerSettings, compile_design

log = io.log_to(snakemake.log[0])
name = snakemake.wildcards.model
config = Configuration.from_config(name, snakemake.params.model)
data = io.read_model_data(snakemake.input.table)
settings = SamplerSettings.from_config(snakemake.params.sampler, seed=snakemake.params.seed, cores=snakemake.threads)
log.info("fitting %s (%s) with %s", name, config.as_dict(), settings.as_dict())
thresholds = GateThresholds.from_config(snakemake.params.gates)
idata, table = fit_to_gates(
    compile_design(data), data, config, Priors.from_config(snakemake.params.priors), settings, thresholds, log=log
)
log.info("%s", fit_summary(idata, parameter_names(idata), thresholds, table))
diagnostics = check_gates(idata, parameter_names(idata), thresholds, table)
io.write_table(diagnostics, snakemake.output.diagnostics)
io.save_fit(idata, snakemake.output.idata)
log.info("gates passed for %s: %d parameters checked", name, len(diagnostics))
