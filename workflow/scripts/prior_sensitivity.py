"""Power-scaling prior sensitivity on the top-level priors of the full model."""

import arviz as az
import pandas as pd

from policy_windows import io

log = io.log_to(snakemake.log[0])
idata = io.load_fit(snakemake.input[0])
prior_vars = [v for v in snakemake.params.prior_vars if v in idata["log_prior"].data_vars]
table = az.psense_summary(idata, var_names=prior_vars, prior_var_names=prior_vars, round_to=6)
table = pd.DataFrame(table)
table.index.name = "parameter"
io.write_table(table.reset_index(), snakemake.output[0])
