"""National scale (hundreds of municipalities): the what-if summary, identification, the
findings text and the report's table pages stay readable, complete and fast.

No sampling: fake posteriors on simulated designs (tests/test_summaries.py) and hand-made
tables (tests/test_findings.py). The figures at scale are tested in tests/test_plots.py.
"""

import base64
import gzip
import importlib.util
import io as bytes_io
import logging
import re
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_findings import _tables as findings_tables  # noqa: E402
from test_summaries import fake_draws, fake_fit, hand_design  # noqa: E402

from policy_windows import io, plots  # noqa: E402
from policy_windows.summaries.counterfactuals import what_if, what_if_by_factor  # noqa: E402
from policy_windows.summaries.findings import findings_markdown  # noqa: E402
from policy_windows.summaries.identification import factor_identification  # noqa: E402
from policy_windows.summaries.scale import MAX_LISTED_MUNICIPALITIES, lists_municipalities  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def tiled_design(n_municipalities: int, seed: int = 3):
    """The hand-made design of tests/test_summaries.py grown to ``n_municipalities``: each new
    municipality copies the codes and movement of one of the eight, drawn at random."""
    base = hand_design()
    pick = np.random.default_rng(seed).integers(0, base.n_municipalities, n_municipalities)
    movement = base.movement[pick]
    return replace(base, municipalities=tuple(f"m{i + 1:03d}" for i in range(n_municipalities)), x=base.x[pick],
                   movement=movement, agenda_window=movement[:, 0, :].all(axis=1).astype(int))


@pytest.fixture(scope="module")
def national_what_if(tmp_path_factory):
    """what_if.csv of 300 municipalities as the summaries rule writes it and reads it back."""
    data = tiled_design(300)
    path = tmp_path_factory.mktemp("what_if") / "what_if.csv"
    io.write_table(what_if(fake_fit(data, fake_draws(data, n=200)), data), path)
    return data, pd.read_csv(path)


def test_what_if_at_300_municipalities_keeps_every_change_in_the_table(national_what_if):
    data, table = national_what_if
    assert not lists_municipalities(data.n_municipalities)
    assert len(table) == int((data.x != 1).sum())  # one row per municipality and factor not yet present
    assert table["municipality"].nunique() == 300
    counts = table.groupby("factor").size()
    for f, factor in enumerate(data.factors):
        assert counts.get(factor, 0) == int((data.x[:, f] != 1).sum())


def test_what_if_at_300_municipalities_is_summarised_per_factor(national_what_if):
    data, table = national_what_if
    per = what_if_by_factor(table)
    assert set(per["factor"]) == set(table["factor"]) and per["factor"].is_unique
    by = per.set_index("factor")
    for factor, part in table.groupby("factor"):
        assert by.loc[factor, "n_municipalities"] == part["municipality"].nunique()
        assert by.loc[factor, "n_credible_gain"] == int((part["gain_pp_eti89_lb"] > 0).sum())
        assert by.loc[factor, "mean_gain_pp_median"] == pytest.approx(part["gain_pp_mean"].median())
    with_clean = table.loc[table["flag"].fillna("") == "", "municipality"].nunique()
    assert per["n_best"].sum() == with_clean  # one best unflagged change per municipality that has one
    # a flagged factor never comes before an unflagged one of its phase
    for _, part in per.groupby("phase", sort=False):
        assert part["flagged"].is_monotonic_increasing
    fig = plots.what_if(table)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert not [label for label in labels if label.startswith("Gm")], "municipalities named in the per-factor view"
    assert fig.get_size_inches()[0] <= 7.0 and fig.get_size_inches()[1] <= 9.5


def test_identification_is_linear_in_municipalities_and_still_finds_the_fragile_one():
    """At 400 municipalities (a full null space per municipality used to take minutes) a level
    seen in one municipality only still makes that factor weakly identified, naming it."""
    data = tiled_design(400)
    x = data.x.copy()
    f = data.factors.index("good")
    x[:, f] = np.where(np.arange(400) % 2 == 0, 0.0, -1.0)
    x[123, f] = 1.0  # +1 seen only in municipality m124
    data = replace(data, x=x)
    start = time.perf_counter()
    table = factor_identification(data).set_index("factor")
    assert time.perf_counter() - start < 10
    assert table.loc["good", "identification"] == "identified"  # -1 vs 0 still identifies it
    assert "level +1 is seen only in municipality m124" in table.loc["good", "identification_note"]
    x[:, f] = np.where(np.arange(400) == 123, 1.0, 0.0)  # now only 0 vs +1, the +1 in one place
    table = factor_identification(replace(data, x=x)).set_index("factor")
    assert table.loc["good", "identification"] == "weakly identified"
    assert table.loc["good", "fragile_without"] == "m124"
    assert table.loc["twin_a", "identification"] == "not identified"  # identical to twin_b everywhere


def _scaled_findings_tables(n_municipalities: int) -> dict:
    tables = findings_tables()
    municipalities = range(1, n_municipalities + 1)
    tables["window_probability"] = pd.DataFrame([
        {"municipality": m, "phase": p, "observed_window": int(m % 3 == 0), "window_probability_mean": mean,
         "window_probability_eti95_lb": mean - 0.05, "window_probability_eti95_ub": mean + 0.05}
        for m in municipalities for p in ("agenda", "institutionalisation")
        for mean in [0.6 if m % 3 == 0 else 0.2]])
    tables["what_if"] = pd.DataFrame([
        {"municipality": m, "phase": "agenda", "stream": "problem", "factor": f, "identification": "identified",
         "unseen_level": False, "flag": None, "gain_pp_mean": gain + 0.01 * (m % 7), "gain_pp_eti89_lb": gain - 1,
         "gain_pp_eti89_ub": gain + 3, "knock_on_institutionalisation_pp_mean": 0.5}
        for m in municipalities for f, gain in (("alpha", 4.0), ("gamma", 2.0))])
    return tables


@pytest.mark.parametrize("n_municipalities", [MAX_LISTED_MUNICIPALITIES, MAX_LISTED_MUNICIPALITIES + 1, 355])
def test_findings_name_municipalities_only_up_to_the_threshold(n_municipalities):
    text = findings_markdown(_scaled_findings_tables(n_municipalities))
    windows = re.search(r"^- \*\*Windows\*\*.*$", text, flags=re.M).group(0)
    what_if_bullet = re.search(r"^- \*\*What-if\*\*.*?(?=^- \*\*)", text, flags=re.M | re.S).group(0)
    listed = lists_municipalities(n_municipalities)
    assert ("3, 6, 9" in windows) == listed
    assert (f"{n_municipalities // 3:,} municipalities" in windows) != listed
    assert what_if_bullet.count("\n  - municipality ") == (n_municipalities if listed else 0)
    if not listed:
        assert "*Alpha factor* (agenda; identified): the best change in " f"{n_municipalities:,}" in what_if_bullet
    assert len(text) < 20_000


# --- the report's table pages --------------------------------------------------------------

def _pages_module():
    spec = importlib.util.spec_from_file_location("render_report_pages",
                                                  ROOT / "workflow" / "scripts" / "render_report_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(tmp_path, table: pd.DataFrame, name: str) -> str:
    csv = tmp_path / f"{name}.csv"
    io.write_table(table, csv)
    spec = {"csv": str(csv), "rule": "summaries", "caption": None, "wildcards": {}}
    codebook = pd.DataFrame({"factor": ["f1"], "name_en": ["Factor one"]})
    return _pages_module().table_page(name, spec, {}, codebook, logging.getLogger("test"))


def _download(page: str) -> bytes:
    (data,) = re.findall(r"<a class='download' download='[^']+' href='data:[^;]+;base64,([A-Za-z0-9+/=]+)'", page)
    return base64.b64decode(data)


def test_a_table_of_11200_rows_makes_a_page_the_report_can_show(tmp_path):
    """The SBC ranks table (11,200 rows) once made a 6.4 MB page that Chromium showed blank."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"sim": np.repeat(np.arange(200), 56), "parameter": [f"beta[{i % 56}]" for i in range(11_200)],
                          "factor": "f1", "rank": rng.integers(0, 200, 11_200), "fractional_rank": rng.uniform(size=11_200)})
    page = _page(tmp_path, table, "ranks")
    size = len(page.encode("utf-8"))
    assert 4 * size / 3 < 2 * 1024 * 1024 * 0.75, f"{size:,} bytes: too large for the report's frame"
    shown = page.count("<tr><td")
    assert 0 < shown < 11_200
    assert f"First {shown:,} of 11,200 rows" in page
    full = pd.read_csv(bytes_io.BytesIO(_download(page) if _download(page)[:2] != b"\x1f\x8b"
                                        else gzip.decompress(_download(page))))
    pd.testing.assert_frame_equal(full, pd.read_csv(tmp_path / "ranks.csv"))  # the download is the whole table


def test_a_small_table_is_shown_whole_with_its_csv(tmp_path):
    table = pd.DataFrame({"factor": ["f1"] * 40, "value": np.linspace(0, 1, 40)})
    page = _page(tmp_path, table, "small")
    assert page.count("<tr><td") == 40 and "First " not in page
    assert _download(page) == (tmp_path / "small.csv").read_bytes()
    assert "Factor one" in page  # factor names added beside the ids, as before


# The scale records and the README block written from them (issue 12).
_update_spec = importlib.util.spec_from_file_location("update_readme", Path(__file__).resolve().parents[1] / "scripts" / "update_readme.py")
update_readme = importlib.util.module_from_spec(_update_spec)
_update_spec.loader.exec_module(update_readme)


def test_readme_scale_block_is_written_from_the_scale_records():
    """README's "At national scale" block equals what the committed records produce."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = update_readme.readme_block(readme, update_readme.SCALE_START, update_readme.SCALE_END)
    assert block == update_readme.scale_text(), "run: python scripts/update_readme.py --scale"


def _benchmark_rows(ess_per_s: float, divergences: int, wall_s: float, passed: bool, large_ess: float) -> pd.DataFrame:
    fit = {"measure": "whole_process_fit", "path": "kernel", "form": "chosen", "seed": 20201, "sampling_s": 10.0,
           "min_ess_bulk": 10.0 * ess_per_s, "ess_per_s": ess_per_s, "divergences": divergences, "max_rhat": 1.004,
           "us_per_gradient_isolated": 80.0, "us_per_gradient_reference": 90.0, "us_per_gradient_in_sampler": 100.0,
           "leapfrog_per_draw": 15.0, "peak_rss_mb": 500.0}
    large = dict(fit, M=3550, sampling_s=300.0, min_ess_bulk=large_ess, ess_per_s=large_ess / 300.0)
    national = {"measure": "national_pipeline", "path": "kernel", "M": 355, "wall_s": wall_s, "jobs": 90, "passed": passed}
    return pd.DataFrame([dict(fit, M=355), large, national])


def test_scale_floors_say_which_are_met():
    from policy_windows.summaries.scale_record import scale_floors

    met = scale_floors(_benchmark_rows(200.0, 0, 900.0, True, large_ess=6000.0))
    assert not any("NOT met" in line for line in met), met
    missed = scale_floors(_benchmark_rows(150.0, 1, 900.0, False, large_ess=900.0))
    assert "min bulk ESS/s 150.0 (floor >= 170): NOT met; divergences 1 (floor 0): NOT met" in missed[0]
    assert "FAILED" in missed[-1] and missed[-1].endswith("NOT met")
    # Cost per effective draw: 300 s / 900 vs 10 s / 1,500 -> 50x, more than linear.
    assert any("grows 50.0x" in line and "NOT met" in line for line in missed)
