"""Exact cross-validation of one model configuration over municipalities (no compilation):
leave-one-municipality-out, or grouped K-fold beyond ``cross_validation.max_lomo_municipalities``."""

from policy_windows import io
from policy_windows.inference.comparison import cross_validation_elpd, cross_validation_plan
from policy_windows.model.configuration import Configuration, Priors
from policy_windows.inference.sampler import SamplerSettings, compile_design

log = io.log_to(snakemake.log[0])
name = snakemake.wildcards.model
config = Configuration.from_config(name, snakemake.params.model)
data = io.read_model_data(snakemake.input.table)
settings = SamplerSettings.from_config(snakemake.params.sampler, seed=snakemake.params.seed, cores=snakemake.threads)
plan = cross_validation_plan(data.n_municipalities, **snakemake.params.cross_validation)
log.info("%s: %s (%s)", name, plan.scheme, plan.reason)
priors = Priors.from_config(snakemake.params.priors)
table = cross_validation_elpd(compile_design(data), data, config, priors, settings, plan, log=log)
table.insert(0, "model", name)
io.write_table(table, snakemake.output[0])
log.info(
    "%s %s: elpd %.3f, divergences %d over %d refits", plan.scheme, name, table["elpd"].sum(),
    table.drop_duplicates("fold")["divergences"].sum(), table["fold"].nunique(),
)
