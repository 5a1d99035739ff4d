"""Power-scaling prior sensitivity of the main model: each top-level prior scaled on its own,
read on the quantities the summaries report (beta, mu, beta - mu, window probabilities, AMEs).

Snakemake interface (rule ``prior_sensitivity``):
    input.table    data/processed/model_table.csv
    input.idata    the main model's fit (results/fits/<main_model>.nc)
    output.table   results/tables/prior_sensitivity.csv
    params.prior_vars  priors to scale one at a time (config sensitivity.prior_vars)
    log[0]
"""

from policy_windows import io
from policy_windows.summaries.power_scaling import prior_sensitivity, sensitivity_overview

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
idata = io.load_fit(snakemake.input.idata)
table = prior_sensitivity(idata, data, priors=list(snakemake.params.prior_vars))
log.info("diagnoses per prior and target kind:\n%s", sensitivity_overview(table).to_string(index=False))
io.write_table(table, snakemake.output.table)
