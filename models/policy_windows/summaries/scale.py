"""When an output stops listing municipalities one by one.

With the thesis's eight municipalities every figure, table and sentence can name each
municipality; at national scale (hundreds or thousands) a row, tick label or bullet per
municipality is unreadable and slow. Every output that would list municipalities asks
:func:`lists_municipalities` and, above :data:`MAX_LISTED_MUNICIPALITIES`, switches to an
aggregated form (sorted or binned views, distributions over municipalities, counts), with
the full per-municipality numbers left in the CSV tables. The figures, the findings text,
the walkthrough notebook and the report captions all read this one constant.
"""

from __future__ import annotations

#: Up to this many municipalities, outputs show and name every municipality; above it they
#: aggregate over municipalities.
MAX_LISTED_MUNICIPALITIES = 30


def lists_municipalities(n_municipalities: int) -> bool:
    """True when ``n_municipalities`` are few enough to be shown one by one."""
    return int(n_municipalities) <= MAX_LISTED_MUNICIPALITIES
