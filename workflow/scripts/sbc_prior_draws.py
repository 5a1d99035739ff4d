"""Draw the true parameters of every SBC simulation from the prior of the full model."""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pandas as pd

from policy_windows import io, simulate
from policy_windows.model import Priors

log = io.log_to(snakemake.log[0])
sbc = snakemake.params.sbc
shipped = simulate.observed_model_data(
    pd.read_csv(snakemake.input.factor_codes),
    pd.read_csv(snakemake.input.codebook),
    pd.read_csv(snakemake.input.stream_movement),
)
design = simulate.sbc_design(shipped, sbc["design"], sbc["n_municipalities"], sbc["seed"])
log.info("SBC design: %s, %d municipalities", sbc["design"], design.n_municipalities)
draws = simulate.prior_draws(
    design, sbc["n_simulations"], seed=sbc["seed"], priors=Priors.from_config(snakemake.params.priors)
)
for name, value in draws.items():
    log.info("%s: shape %s, mean %.3f, sd %.3f", name, value.shape, value.mean(), value.std())
np.savez(snakemake.output[0], **draws)
