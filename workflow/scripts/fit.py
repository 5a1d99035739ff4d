"""Fit one model variant, gate its convergence, and save the posterior as NetCDF.

The gates raise before anything is written, so a failing fit leaves no output behind.
"""

from policy_windows import io
from policy_windows.fitting import SamplerSettings, sample_posterior, sample_posterior_predictive
from policy_windows.gates import GateThresholds, check_gates, parameter_names
from policy_windows.pipeline import model_from_config

log = io.log_to(snakemake.log[0])
variant = snakemake.params.name
data = io.read_model_data(snakemake.input[0])
model = model_from_config(data, variant, snakemake.params.variant, snakemake.params.priors)
settings = SamplerSettings.from_config(
    snakemake.params.sampler, cores=snakemake.threads, seed=snakemake.params.seed
)
log.info("fitting %s with %s", variant, settings)
idata = sample_posterior(model, settings)
diagnostics = check_gates(
    idata, parameter_names(idata), GateThresholds.from_config(snakemake.params.gates)
)
idata = sample_posterior_predictive(model, idata, seed=snakemake.params.seed)
idata.attrs.update(
    {
        "variant": variant,
        "seed": settings.seed,
        "sampler_settings": str(settings.as_dict()),
        "priors": str(snakemake.params.priors),
    }
)
io.write_table(diagnostics, snakemake.output.diagnostics)
io.save_fit(idata, snakemake.output.idata)
log.info("gates passed for %s: %d parameters checked", variant, len(diagnostics))
