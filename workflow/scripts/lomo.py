"""Exact leave-one-municipality-out refits of one variant, reusing one compiled model."""

from policy_windows import io
from policy_windows.comparison import lomo_elpd
from policy_windows.fitting import SamplerSettings, compile_for_refits
from policy_windows.pipeline import model_from_config

log = io.log_to(snakemake.log[0])
variant = snakemake.wildcards.variant
data = io.read_model_data(snakemake.input[0])
model = model_from_config(
    data, variant, snakemake.params.variant, snakemake.params.priors, likelihood="weighted"
)
settings = SamplerSettings.from_config(
    snakemake.params.sampler, cores=snakemake.threads, seed=snakemake.params.seed
)
compiled = compile_for_refits(model)
table = lomo_elpd(compiled, data, settings)
table.insert(0, "variant", variant)
io.write_table(table, snakemake.output[0])
log.info("LOMO %s: elpd %.3f, divergences %d", variant, table["elpd"].sum(), table["divergences"].sum())
