"""Window-level posterior predictive checks (sequential simulator) and calibration checks.

Snakemake interface (rule ``generative_checks``):
    input.table    data/processed/model_table.csv
    input.idata    the main model's fit (results/fits/<main_model>.nc)
    output.table   results/tables/generative_checks.csv
    params.seed    config seed (replicated data sets are seeded with it)
    log[0]
"""

import pandas as pd

from policy_windows import io
from policy_windows.summaries.checks import calibration_checks, generative_checks

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
idata = io.load_fit(snakemake.input.idata)
seed = int(snakemake.params.seed)
table = pd.concat([generative_checks(idata, data, seed), calibration_checks(idata, data, seed)], ignore_index=True)
for row in table.itertuples():
    log.info("%s (%s): %s", row.check, row.phase, row.verdict)
io.write_table(table, snakemake.output.table)
