"""Bayesian multiple-streams analysis of municipal policy windows on human trafficking.

The package holds pure functions only: data in, arrays, tables or a ``pm.Model`` out.
File I/O lives in the Snakemake rule scripts (``workflow/scripts``).
"""

__version__ = "0.1.0"
