"""Factor effects, window probabilities and what-if gains from the full model's posterior."""

import pandas as pd

from policy_windows import io
from policy_windows.constants import HIGHLIGHTED_FACTORS
from policy_windows.derived import describe_effect, factor_effects, what_if, window_table

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
idata = io.load_fit(snakemake.input.idata)
effects = factor_effects(idata, data)
io.write_table(effects, snakemake.output.factor_effects)
io.write_table(window_table(idata, data), snakemake.output.window_probability)
io.write_table(what_if(idata, data), snakemake.output.what_if)
highlighted = effects.set_index("factor").loc[list(HIGHLIGHTED_FACTORS)].reset_index()
highlighted["statement"] = [describe_effect(row, data.n_municipalities) for _, row in highlighted.iterrows()]
io.write_table(pd.DataFrame(highlighted), snakemake.output.highlighted)
