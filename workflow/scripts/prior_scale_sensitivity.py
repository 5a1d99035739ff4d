"""Do the factor conclusions survive halving or doubling every prior scale?"""

from policy_windows import io
from policy_windows.sensitivity import prior_scale_table

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
fits = {1.0: io.load_fit(snakemake.input.default)}
fits.update({f: io.load_fit(p) for f, p in zip(snakemake.params.factors, snakemake.input.scaled)})
io.write_table(prior_scale_table(fits, data), snakemake.output[0])
