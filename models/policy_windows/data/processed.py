"""Derive the model-ready tables from the validated raw tables.

The raw files are normalised for hand coding (one fact per row, each with evidence).
The model and the figures want those facts side by side, so these pure functions join
them into one long table per municipality x factor and one per municipality x stream.
The results are written to ``data/processed/`` by the workflow and never edited by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from policy_windows.constants import PHASES, STREAMS

MODEL_COLUMNS: tuple[str, ...] = (
    "municipality",
    "phase",
    "stream",
    "factor",
    "origin",
    "code",
    "movement",
    "window",
    "agenda_window",
)
STREAM_COLUMNS: tuple[str, ...] = (
    "municipality",
    "phase",
    "stream",
    "movement",
    "window",
    "agenda_window",
    "n_factors",
    "n_present",
    "n_lacking",
)


def _rank(values: pd.Series, order: list[str] | tuple[str, ...]) -> pd.Series:
    """Position in a fixed vocabulary, so sorting follows the thesis, not the alphabet."""
    return values.map({value: position for position, value in enumerate(order)})


def _sorted(table: pd.DataFrame, factor_order: list[str] | None = None) -> pd.DataFrame:
    """Sort by municipality, phase, stream (and factor in codebook order)."""
    keys = {
        "_municipality": table["municipality"],
        "_phase": _rank(table["phase"], PHASES),
        "_stream": _rank(table["stream"], STREAMS),
    }
    if factor_order is not None:
        keys["_factor"] = _rank(table["factor"], factor_order)
    ranked = table.assign(**keys).sort_values(list(keys), kind="stable")
    return ranked.drop(columns=list(keys)).reset_index(drop=True)


def _windows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Observed window per municipality x phase, plus that municipality's agenda window.

    The agenda window is carried along because institutionalisation builds on the agenda
    phase, so a model of the later phase can condition on the earlier window.
    """
    windows = tables["policy_windows.csv"][["municipality", "phase", "window"]]
    agenda = windows.loc[windows["phase"] == "agenda", ["municipality", "window"]]
    agenda = agenda.rename(columns={"window": "agenda_window"})
    return windows.merge(agenda, on="municipality", how="left", validate="many_to_one")


def _stream_facts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Movement per municipality x phase x stream with the windows of that phase."""
    movement = tables["stream_movement.csv"][["municipality", "phase", "stream", "movement"]]
    return movement.merge(
        _windows(tables), on=["municipality", "phase"], how="left", validate="many_to_one"
    )


def build_model_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per municipality x factor with its code and the stream and window outcomes.

    Long and tidy so the model can index factors, streams and phases by position, and so
    adding a municipality only adds rows. Expects the typed tables from ``validate_raw``.
    """
    codebook = tables["codebook.csv"][["factor", "phase", "stream", "origin"]]
    codes = tables["factor_codes.csv"][["municipality", "factor", "code"]]
    table = codes.merge(codebook, on="factor", how="inner", validate="many_to_one").merge(
        _stream_facts(tables),
        on=["municipality", "phase", "stream"],
        how="left",
        validate="many_to_one",
    )
    return _sorted(table[list(MODEL_COLUMNS)], factor_order=list(codebook["factor"]))


FACTOR_COLUMNS: tuple[str, ...] = ("factor", "order", "phase", "stream", "origin", "name_en", "name_nl")


def build_factor_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Factor metadata for everything downstream (labels, origin, and the one factor order:
    phase, then stream, then codebook order), so nothing after this step reads data/raw."""
    codebook = tables["codebook.csv"].reset_index(drop=True)
    table = codebook.assign(_codebook=range(len(codebook)))
    table = table.assign(_phase=_rank(table["phase"], PHASES), _stream=_rank(table["stream"], STREAMS))
    table = table.sort_values(["_phase", "_stream", "_codebook"], kind="stable").reset_index(drop=True)
    table["order"] = range(len(table))
    return table[list(FACTOR_COLUMNS)]


def build_stream_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per municipality x phase x stream with counts of helping/hindering factors.

    This is the level at which the thesis judges whether a stream moves, so the counts
    sit next to the coded movement for the stream-level model and for checking the coding.
    """
    model = build_model_table(tables)
    counts = (
        model.assign(present=model["code"].eq(1), lacking=model["code"].eq(-1))
        .groupby(["municipality", "phase", "stream"], as_index=False)
        .agg(
            n_factors=("factor", "size"),
            n_present=("present", "sum"),
            n_lacking=("lacking", "sum"),
        )
    )
    table = _stream_facts(tables).merge(
        counts, on=["municipality", "phase", "stream"], how="left", validate="one_to_one"
    )
    count_columns = ["n_factors", "n_present", "n_lacking"]
    table[count_columns] = table[count_columns].fillna(0).astype("int64")
    return _sorted(table[list(STREAM_COLUMNS)])
