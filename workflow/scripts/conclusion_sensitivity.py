"""Do the conclusions about factors survive other priors and another coding of "not reported"?

Snakemake interface (rule ``prior_scale_sensitivity``):
    input.table         data/processed/model_table.csv
    input.factors       data/processed/factors.csv (English factor names)
    input.default       the main model's fit (results/fits/<main_model>.nc)
    input.alternatives  list of refits (results/fits/<name>.nc), in the order of params.alternatives
    params.main         name of the main model (config main_model)
    params.alternatives names of the refits (config sensitivity.alternatives)
    params.models       configurations by name (config models; at least main and alternatives),
                        used to tell prior-scale, prior-family and coding alternatives apart
    output.calls           results/tables/prior_scale_sensitivity.csv
    output.rank_agreement  results/tables/rank_agreement.csv
    output.highlighted     results/tables/highlighted_factors.csv
    log[0]
"""

import pandas as pd

from policy_windows import io
from policy_windows.summaries.derived import factor_effects
from policy_windows.summaries.sensitivity import alternative_kind, calls_across_fits, highlighted_robustness, rank_agreement

log = io.log_to(snakemake.log[0])
data = io.read_model_data(snakemake.input.table)
factors = pd.read_csv(snakemake.input.factors)
names = dict(zip(factors["factor"], factors["name_en"]))
main, alternatives = snakemake.params.main, list(snakemake.params.alternatives)
if len(alternatives) != len(snakemake.input.alternatives):
    raise ValueError(f"{len(alternatives)} alternative names but {len(snakemake.input.alternatives)} fits")
models = snakemake.params.models
fits = {main: io.load_fit(snakemake.input.default)}
fits.update({name: io.load_fit(path) for name, path in zip(alternatives, snakemake.input.alternatives)})
kinds = {main: "default", **{name: alternative_kind(models[name], models[main]) for name in alternatives}}
log.info("alternatives and what they test: %s", kinds)

effects = factor_effects(fits[main], data, names)
calls = calls_across_fits(fits, data, kinds, reference=main)
identified = effects.loc[effects["identification"] != "not identified", "factor"].tolist()
agreement = rank_agreement(fits, data, kinds, reference=main, identified=identified)
log.info("rank agreement with %s:\n%s", main, agreement.to_string(index=False))
io.write_table(calls, snakemake.output.calls)
io.write_table(agreement, snakemake.output.rank_agreement)
io.write_table(highlighted_robustness(effects, calls), snakemake.output.highlighted)
