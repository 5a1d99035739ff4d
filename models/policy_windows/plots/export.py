"""Writing a finished Figure: the raster PNG and its vector twin (used by the figure scripts).

The plotting functions never write files; the scripts pass their declared outputs here.
PDFs embed TrueType fonts (text stays selectable and editable) and carry no creation date,
so the same figure gives the same bytes on every run.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

FORMATS = {".png", ".pdf", ".svg"}
_NO_DATE = {".pdf": {"CreationDate": None, "ModDate": None}, ".svg": {"Date": None}, ".png": {}}


def save_figure(fig: Figure, *paths: str | Path, dpi: int = 300) -> None:
    """Write ``fig`` to every path (format from the suffix: .png, .pdf or .svg) at its
    drawn size (no tight bounding box, so a 7-inch figure stays 7 inches) and close it."""
    if not paths:
        raise ValueError("no output path given")
    with mpl.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "policy-windows"}):
        for path in paths:
            suffix = Path(path).suffix.lower()
            if suffix not in FORMATS:
                raise ValueError(f"{path}: unknown figure format {suffix!r}; expected one of {sorted(FORMATS)}")
            fig.savefig(path, dpi=dpi, facecolor="white", metadata=_NO_DATE[suffix])
    plt.close(fig)


def vector_twin(png: str | Path, suffix: str = ".pdf") -> Path:
    """The vector file written beside a PNG: ``results/figures/x.png`` -> ``results/figures/x.pdf``."""
    return Path(png).with_suffix(suffix)
