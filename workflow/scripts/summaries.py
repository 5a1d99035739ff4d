"""Factor effects, window probabilities and what-if gains from the main model's posterior.

Snakemake interface (rule ``summaries``):
    input.table      data/processed/model_table.csv
    input.idata      the main model's fit (results/fits/<main_model>.nc)
    input.factors    data/processed/factors.csv (English factor names for the statements)
    output.factor_effects      results/tables/factor_effects.csv
    output.window_probability  results/tables/window_probability.csv
    output.what_if             results/tables/what_if.csv
    output.what_if_by_factor   results/tables/what_if_by_factor.csv (what_if.csv read per factor)
    log[0]
The highlighted-factor table needs the alternative fits and is written by
``prior_scale_sensitivity.py``.
"""

import pandas as pd

from policy_windows import io
from policy_windows.summaries.counterfactuals import what_if, what_if_by_factor
from policy_windows.summaries.derived import factor_effects, window_table

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
factors = pd.read_csv(snakemake.input.factors)
names = dict(zip(factors["factor"], factors["name_en"]))
idata = io.load_fit(snakemake.input.idata)
effects = factor_effects(idata, data, names)
log.info("identification: %s", effects["identification"].value_counts().to_dict())
log.info("evidence: %s", effects["evidence"].value_counts().to_dict())
io.write_table(effects, snakemake.output.factor_effects)
io.write_table(window_table(idata, data), snakemake.output.window_probability)
changes = what_if(idata, data)
io.write_table(changes, snakemake.output.what_if)
io.write_table(what_if_by_factor(changes), snakemake.output.what_if_by_factor)
