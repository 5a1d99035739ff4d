"""Turn the processed model table into the arrays and coordinates the model needs.

Kept separate from the model so that simulation (SBC, recovery) and real data share
one array layout: factors ordered by phase then stream then codebook order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from policy_windows.constants import PHASES, STREAMS


@dataclass(frozen=True)
class ModelData:
    """Design of the multiple-streams model for one set of municipalities."""

    municipalities: tuple[str, ...]
    factors: tuple[str, ...]
    factor_phase: np.ndarray  # (factor,) index into PHASES
    factor_stream: np.ndarray  # (factor,) index into STREAMS
    factor_origin: tuple[str, ...]
    x: np.ndarray  # (municipality, factor) codes in {-1, 0, 1}
    movement: np.ndarray  # (municipality, phase, stream) in {0, 1}
    agenda_window: np.ndarray  # (municipality,) observed agenda-phase window
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def n_municipalities(self) -> int:
        return len(self.municipalities)

    @property
    def factor_group(self) -> np.ndarray:
        """Index of the phase x stream block each factor belongs to (0..5)."""
        return self.factor_phase * len(STREAMS) + self.factor_stream

    @property
    def window(self) -> np.ndarray:
        """Observed windows (municipality, phase): all three streams move."""
        return self.movement.all(axis=2).astype(int)

    @property
    def coords(self) -> dict[str, list]:
        return {
            "municipality": list(self.municipalities),
            "phase": list(PHASES),
            "stream": list(STREAMS),
            "factor": list(self.factors),
            "group": [f"{p}/{s}" for p in PHASES for s in STREAMS],
        }

    def factor_mask(self, phase: str, stream: str) -> np.ndarray:
        p, s = PHASES.index(phase), STREAMS.index(stream)
        return (self.factor_phase == p) & (self.factor_stream == s)

    def select_factors(self, keep: np.ndarray) -> "ModelData":
        """The same design restricted to a subset of factors (e.g. theory-only)."""
        keep = np.asarray(keep, dtype=bool)
        return replace(
            self,
            factors=tuple(f for f, k in zip(self.factors, keep) if k),
            factor_phase=self.factor_phase[keep],
            factor_stream=self.factor_stream[keep],
            factor_origin=tuple(o for o, k in zip(self.factor_origin, keep) if k),
            x=self.x[:, keep],
        )

    def with_outcomes(self, movement: np.ndarray) -> "ModelData":
        """Same design, new movement (simulation); agenda window follows from it."""
        movement = np.asarray(movement, dtype=int)
        return replace(self, movement=movement, agenda_window=movement[:, 0, :].all(axis=1).astype(int))


def model_data_from_table(table: pd.DataFrame) -> ModelData:
    """Build :class:`ModelData` from ``data/processed/model_table.csv`` (long format)."""
    table = table.copy()
    table["phase_idx"] = table["phase"].map(PHASES.index)
    table["stream_idx"] = table["stream"].map(STREAMS.index)
    factors = (
        table.drop_duplicates("factor")
        .assign(order=lambda d: np.arange(len(d)))
        .sort_values(["phase_idx", "stream_idx", "order"])
    )
    municipalities = tuple(str(m) for m in sorted(table["municipality"].unique()))
    codes = table.pivot(index="municipality", columns="factor", values="code")
    codes.index = codes.index.astype(str)
    x = codes.loc[list(municipalities), factors["factor"].tolist()].to_numpy(dtype=float)

    streams = table.drop_duplicates(["municipality", "phase", "stream"])
    movement = np.zeros((len(municipalities), len(PHASES), len(STREAMS)), dtype=int)
    m_index = {m: i for i, m in enumerate(municipalities)}
    for row in streams.itertuples():
        movement[m_index[str(row.municipality)], row.phase_idx, row.stream_idx] = row.movement
    agenda_window = movement[:, 0, :].all(axis=1).astype(int)
    return ModelData(
        municipalities=municipalities,
        factors=tuple(factors["factor"]),
        factor_phase=factors["phase_idx"].to_numpy(),
        factor_stream=factors["stream_idx"].to_numpy(),
        factor_origin=tuple(factors["origin"]),
        x=x,
        movement=movement,
        agenda_window=agenda_window,
    )
