"""Exact leave-one-municipality-out refits of one model configuration (no compilation)."""

from policy_windows import io
from policy_windows.inference.comparison import lomo_elpd
from policy_windows.model.configuration import Configuration, Priors
from policy_windows.inference.sampler import SamplerSettings, compile_design

log = io.log_to(snakemake.log[0])
name = snakemake.wildcards.model
config = Configuration.from_config(name, snakemake.params.model)
data = io.read_model_data(snakemake.input.table)
settings = SamplerSettings.from_config(snakemake.params.sampler, seed=snakemake.params.seed, cores=snakemake.threads)
table = lomo_elpd(compile_design(data), data, config, Priors.from_config(snakemake.params.priors), settings, log=log)
table.insert(0, "model", name)
io.write_table(table, snakemake.output[0])
log.info("LOMO %s: elpd %.3f, divergences %d", name, table["elpd"].sum(), table["divergences"].sum())
