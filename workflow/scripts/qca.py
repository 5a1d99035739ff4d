"""Crisp-set QCA per phase: truth tables, conservative and parsimonious solutions, necessity.

Cases are municipalities; conditions are the phase's factors (present = code +1) that vary
across cases; the outcome is the phase's observed window (policy_windows.qca.csqca).
"""

import pandas as pd

from policy_windows import io
from policy_windows.qca.csqca import qca_tables

log = io.log_to(snakemake.log[0])
tables = qca_tables(pd.read_csv(snakemake.input[0]), incl_cut=snakemake.params.incl_cut)
for name, table in tables.items():
    log.info("%s: %d rows", name, len(table))
    io.write_table(table, snakemake.output[name])
