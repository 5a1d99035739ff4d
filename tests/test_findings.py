"""The findings written from the run's tables (policy_windows.summaries.findings), and the README block that shows them.

Unit tests run on small hand-made tables (no sampling). The pipeline test checks that README.md holds exactly
what a fresh full run writes to results/findings.md.
"""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy_windows.summaries.findings import SOURCES, findings_markdown, separation

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("update_readme", ROOT / "scripts" / "update_readme.py")
update_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_readme)

# Three factors: alpha (identified, singled out from its stream), beta (not identified, yet P(beta > 0) high),
# gamma (weakly identified: a level seen in one municipality only).
FACTORS = [("alpha", "agenda", "problem", "identified", "it stays separable", "factor-specific", 0.97, 0.95),
           ("beta", "agenda", "problem", "not identified", "coded present (+1) in all 2 municipalities",
            "not identified", 0.97, 0.50),
           ("gamma", "institutionalisation", "policy", "weakly identified",
            "its separate effect rests on one municipality: level -1 is seen only in municipality 1",
            "stream-level only", 0.60, 0.55)]
SIGN = {"alpha": "positive", "beta": "not identified", "gamma": "uncertain"}


def _effects() -> pd.DataFrame:
    rows = [{"factor": f, "phase": p, "stream": s, "identification": i, "identification_note": note, "evidence": e,
             "p_beta_positive": pb, "p_beta_above_mu": pa, "p_mu_positive": 0.93, "sign_call": SIGN[f],
             "beta_minus_mu_mean": -0.123, "beta_minus_mu_eti95_lb": -0.61, "beta_minus_mu_eti95_ub": 0.5,
             "ame_contrast_observed": "" if i == "not identified" else "+1 vs -1",
             "ame_pp_observed_mean": float("nan") if i == "not identified" else -0.04,
             "ame_pp_observed_eti95_lb": float("nan") if i == "not identified" else -3.21,
             "ame_pp_observed_eti95_ub": float("nan") if i == "not identified" else 12.0,
             "ame_note": "not identified: no contrast reported" if i == "not identified" else ""}
            for f, p, s, i, note, e, pb, pa in FACTORS]
    return pd.DataFrame(rows)


def _model_table() -> pd.DataFrame:
    """Four phase x stream cells with code sums +2 (moved), -1 (did not), 0 (moved), -2 (moved)."""
    cells = [(1, "problem", [1, 1], 1), (1, "policy", [-1, 0], 0), (2, "problem", [1, -1], 1), (2, "policy", [-1, -1], 1)]
    return pd.DataFrame([{"municipality": m, "phase": "agenda", "stream": s, "factor": f"f{i}", "code": c,
                          "movement": moved} for m, s, codes, moved in cells for i, c in enumerate(codes)])


def _tables() -> dict[str, pd.DataFrame]:
    effects = _effects()
    highlighted = effects.assign(**{f"{call}_survives_{kind}": ok for call in ("sign_call", "evidence")
                                    for kind, ok in (("prior_scale", False), ("prior_family", True), ("coding", True))})
    calls = pd.DataFrame([{"fit": fit, "kind": kind, "factor": f, "sign_call": "uncertain" if fit == "narrow" else SIGN[f],
                           "evidence": e, "sign_call_as_default": fit != "narrow", "evidence_as_default": True}
                          for fit, kind in (("full", "default"), ("narrow", "prior_scale"), ("unscaled", "prior_family"),
                                            ("reported", "coding")) for f, *_, e, _, _ in FACTORS])
    windows = pd.DataFrame([{"municipality": m, "phase": p, "observed_window": w, "window_probability_mean": mean,
                             "window_probability_eti95_lb": mean - 0.2, "window_probability_eti95_ub": mean + 0.3}
                            for m, p, w, mean in ((1, "agenda", 1, 0.7), (2, "agenda", 0, 0.1),
                                                  (1, "institutionalisation", 1, 0.6), (2, "institutionalisation", 0, 0.2))])
    checks = pd.DataFrame([
        {"check": "windows", "phase": "agenda", "observed": 1, "replicated_mean": 0.9, "replicated_eti89_lb": 0,
         "replicated_eti89_ub": 2, "verdict": "consistent: fine"},
        {"check": "necessity_violations", "phase": "institutionalisation", "observed": 0, "replicated_mean": 0.2,
         "replicated_eti89_lb": 0, "replicated_eti89_ub": 1,
         "verdict": "consistent: x; the model does not encode necessity: 20% of replicated data sets have at least one"},
        *({"check": c, "phase": "all", "observed": 0.05, "replicated_mean": 0.15, "replicated_eti89_lb": 0.1,
           "replicated_eti89_ub": 0.2, "verdict": f"{v}: y"}
          for c, v in (("brier_score", "underconfident"), ("brier_score_loo", "underconfident"),
                       ("brier_score_per_draw", "calibrated")))])
    schemes = {"lomo_exact": ("leave-one-municipality-out", "2 municipalities, at most 20"),
               "psis_loo": ("leave-one-observation-out (PSIS)", "no refits")}
    comparison = pd.DataFrame([{"method": method, "variant": v, "elpd": elpd, "se": 1.5, "rank": r, "pareto_k_max": 0.5,
                                "n_pareto_k_gt_0_7": 0, "n_points": 2 if method == "lomo_exact" else 12,
                                "scheme": schemes[method][0], "scheme_reason": schemes[method][1]}
                               for method in ("lomo_exact", "psis_loo") for r, (v, elpd) in enumerate(
                                   (("full", -10.0), ("sum_score", -11.0), ("reported_indicator", -12.5),
                                    ("intercept_only", -30.0)))])
    sensitivity = pd.DataFrame([{"prior": prior, "target_kind": kind, "target": f"t{i}", "diagnosis": d}
                                for prior in ("mu", "tau", "alpha")
                                for kind in ("factor coefficient", "factor minus stream mean", "window probability")
                                for i, d in enumerate(("potential prior-data conflict", "no issue", "no issue"))])
    ranks = pd.DataFrame({"alternative": ["narrow", "unscaled"], "kind": ["prior_scale", "prior_family"],
                          "spearman_beta_mean": [0.95, 0.5], "spearman_window_probability_mean": [0.99, 0.97]})
    what_if = pd.DataFrame([
        {"municipality": 1, "phase": "agenda", "factor": "beta", "identification": "not identified", "unseen_level": True,
         "flag": "factor not identified", "gain_pp_mean": 30.0, "gain_pp_eti89_lb": 1.0, "gain_pp_eti89_ub": 50.0,
         "knock_on_institutionalisation_pp_mean": 2.0},
        {"municipality": 1, "phase": "agenda", "factor": "alpha", "identification": "identified", "unseen_level": False,
         "flag": None, "gain_pp_mean": 5.04, "gain_pp_eti89_lb": -0.04, "gain_pp_eti89_ub": 9.0,
         "knock_on_institutionalisation_pp_mean": 0.3},
        {"municipality": 2, "phase": "institutionalisation", "factor": "gamma", "identification": "weakly identified",
         "unseen_level": False, "flag": None, "gain_pp_mean": 1.0, "gain_pp_eti89_lb": -2.0, "gain_pp_eti89_ub": 4.0,
         "knock_on_institutionalisation_pp_mean": None}])
    diagnostics = pd.DataFrame({"model": ["full", "full", "sum_score"], "parameter": ["a", "b", "a"],
                                "ess_bulk": [1500.0, 900.0, 2000.0], "ess_tail": [800.0, 1200.0, 700.0],
                                "r_hat": [1.004, float("nan"), 1.002], "passes": [True, False, True]})
    sbc_uniformity = pd.DataFrame({"family": ["beta", "mu"], "p_chisq_holm": [0.5, 1.0], "p_ks_holm": [0.3, 0.08],
                                   "p_elements_holm": [1.0, 0.9], "uniform": [True, True]})
    sbc_ranks = pd.DataFrame({"sim": [0, 0, 1, 2], "passes_gates": [True, True, True, False],
                              "max_rhat": [1.002, 1.002, 1.005, 1.02], "divergences": [0, 0, 0, 3]})
    factors = pd.DataFrame({"factor": ["alpha", "beta", "gamma"], "name_en": ["Alpha factor", "Beta factor", "Gamma"]})
    return {"model_table": _model_table(), "factors": factors, "factor_effects": effects, "window_probability": windows,
            "what_if": what_if, "highlighted_factors": highlighted, "conclusion_sensitivity": calls,
            "rank_agreement": ranks, "model_comparison": comparison, "generative_checks": checks,
            "prior_sensitivity": sensitivity, "sbc_uniformity": sbc_uniformity, "sbc_ranks": sbc_ranks,
            "diagnostics": diagnostics}


@pytest.fixture(scope="module")
def text() -> str:
    return findings_markdown(_tables())


def _bullet(text: str, title: str) -> str:
    """The top-level bullet titled ``title`` with its sub-bullets."""
    return re.search(rf"^- \*\*{re.escape(title)}\*\*.*?(?=^- \*\*|\Z)", text, flags=re.M | re.S).group(0)


def test_every_table_key_is_cited_and_the_text_is_markdown_bullets(text):
    assert set(_tables()) == set(SOURCES)
    assert text.endswith("\n") and all(line.startswith(("<!--", "- ", "  - ")) for line in text.splitlines() if line)


def test_separation_counts_cells_by_the_sign_of_their_summed_codes(text):
    assert separation(_model_table()) == {1: (1, 1), 0: (1, 1), -1: (2, 1)}
    data = _bullet(text, "The data")
    assert "2 municipalities, 4 stream observations, 3 coded factors" in data
    assert "of the 1 cells above zero, 1 moved; of the 2 below zero, 1 did not; of the 1 at zero, 1 moved and 0" in data


def test_identification_counts_and_reasons(text):
    ident = _bullet(text, "Identification")
    assert "Of the 3 factors: 1 identified, 1 weakly identified, 1 not identified." in ident
    assert "*Beta factor* is not identified: coded present (+1) in all 2 municipalities." in ident
    assert "a level seen in one municipality only (1)" in ident


def test_a_factor_specific_factor_is_named_as_such(text):
    streams = _bullet(text, "Stream level, not factor level")
    assert "1 of the 2 identified or weakly identified factors reach P(β > 0) ≥ 0.90" in streams
    assert "1 of the 2 have factor-specific evidence" in streams
    assert "these data single out *alpha factor* (identified, P(β > μ) = 0.95) from its stream" in streams


def test_a_not_identified_factor_is_never_called_positive(text):
    beta_lines = [line for line in text.splitlines() if "eta factor*" in line]
    assert beta_lines and not any("positive" in line.split("eta factor*", 1)[1] for line in beta_lines)
    highlighted = _bullet(text, "The three factors the thesis calls decisive")
    assert "*Beta factor* (agenda problem stream), not identified" in highlighted
    assert "no sign is called" in highlighted
    # its P(beta > 0) = 0.97 does not count, and its larger (flagged) what-if gain is not a best change
    assert "1 of the 2 identified or weakly identified factors reach P(β > 0)" in text
    assert "municipality 1: *alpha factor* (agenda; identified) +5.0 pp (89% interval 0.0 to +9.0)" in text


def test_numbers_use_the_agreed_formats(text):
    highlighted = _bullet(text, "The three factors the thesis calls decisive")
    assert "β − μ −0.12 (95% interval −0.61 to +0.50)" in highlighted  # differences: 2 decimals, true minus
    assert "0.0 pp on the agenda window (95% interval −3.2 to +12.0)" in highlighted  # pp: 1 decimal, no "−0.0"
    assert "the sign call survives the unscaled prior family and the reported-indicator coding but changes " \
           "under halved or doubled prior scales (narrow: uncertain)" in highlighted.replace("The sign", "the sign")
    comparison = _bullet(text, "Model comparison")
    assert "`sum_score` +1.0, `reported_indicator` +2.5 and `intercept_only` +20.0" in comparison
    assert "best model is `full` (elpd −10.0, SE 1.5)" in comparison
    assert "2 of the 3 other models are that close" in comparison


def test_the_comparison_and_the_limits_follow_the_cross_validation_scheme(text):
    comparison = _bullet(text, "Model comparison")
    assert "By exact leave-one-municipality-out the best model is `full`" in comparison
    assert "Differences below 4 elpd with 2 units cannot be trusted" in comparison
    assert "- **What two cases cannot tell**" in text
    tables = _tables()
    mc = tables["model_comparison"]
    exact = mc["method"] == "lomo_exact"
    reason = "355 municipalities, more than max_lomo_municipalities = 20: one refit per fold"
    tables["model_comparison"] = mc.assign(
        method=mc["method"].where(~exact, "kfold_exact"), n_points=mc["n_points"].where(~exact, 355),
        scheme=mc["scheme"].where(~exact, "grouped 10-fold"), scheme_reason=mc["scheme_reason"].where(~exact, reason))
    tables["model_table"] = pd.DataFrame({"municipality": np.arange(355).repeat(2), "phase": "agenda",
                                          "stream": "problem", "factor": "f0", "code": 1, "movement": 1})
    kfold = findings_markdown(tables)
    comparison = _bullet(kfold, "Model comparison")
    assert f"By exact grouped 10-fold cross-validation over municipalities ({reason}) the best model is `full`" \
        in comparison
    assert "leave-one-municipality-out" not in comparison
    assert "Differences below 4 elpd with 355 units cannot be trusted" in comparison
    assert "- **What 355 cases cannot tell**" in kfold


def test_checks_sensitivity_and_inference_follow_the_tables(text):
    checks = _bullet(text, "Generative checks and calibration")
    assert "20% of replicated data sets have at least one" in checks
    assert "averaging over the uncertain effect sizes pulls the predictions towards 0.5" in checks
    sensitivity = _bullet(text, "Prior sensitivity")
    assert "the μ prior flags 1 of 3 β (1 prior-data conflict)" in sensitivity
    assert "is prior-driven: under `unscaled` the β ranking correlates 0.50" in sensitivity
    assert "window probabilities is robust (lowest Spearman 0.97)" in sensitivity
    assert "`full`: max R-hat 1.004, min bulk ESS 1,500, min tail ESS 800" in text  # the constant parameter is skipped
    sbc = _bullet(text, "Simulation-based calibration")
    assert "3 data sets" in sbc and "2 of 3 SBC fits (66.7%)" in sbc and "largest R-hat is 1.020" in sbc
    assert "smallest adjusted p 0.08: mu, KS test" in sbc and "3 divergent transitions" in sbc


def test_update_readme_replaces_only_the_block(tmp_path):
    readme, findings = tmp_path / "README.md", tmp_path / "findings.md"
    readme.write_text(f"# T\n\n{update_readme.START}\nold\n{update_readme.END}\n\nrest\n", encoding="utf-8")
    findings.write_text("- new\n", encoding="utf-8")
    assert update_readme.main(["--readme", str(readme), "--findings", str(findings)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text == f"# T\n\n{update_readme.START}\n- new\n{update_readme.END}\n\nrest\n"
    assert update_readme.readme_block(text) == "- new\n"


def test_update_readme_fails_clearly_without_markers_or_findings(tmp_path, capsys):
    readme, findings = tmp_path / "README.md", tmp_path / "findings.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    assert update_readme.main(["--readme", str(readme), "--findings", str(findings)]) == 1
    assert "does not exist" in capsys.readouterr().err
    findings.write_text("- new\n", encoding="utf-8")
    assert update_readme.main(["--readme", str(readme), "--findings", str(findings)]) == 1
    assert "findings:start" in capsys.readouterr().err and readme.read_text(encoding="utf-8") == "# no markers\n"


@pytest.mark.pipeline
def test_readme_findings_are_those_of_a_fresh_run(pipeline_run):
    """README.md's findings block is byte for byte the results/findings.md a full rebuild writes."""
    written = (pipeline_run / "results" / "findings.md").read_text(encoding="utf-8")
    block = update_readme.readme_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block == written, (
        "README.md's findings (between the findings markers) differ from results/findings.md of a fresh full run: "
        "after a full run (snakemake --cores 4) run `python scripts/update_readme.py` and commit README.md")


def test_a_probability_just_below_the_threshold_is_not_printed_as_the_threshold():
    from policy_windows.summaries import findings

    assert findings._span(0.897, 0.962, findings._beside([0.897, 0.962], 0.9)) == "0.897 to 0.962"
    assert findings._span(0.91, 0.962, findings._beside([0.91, 0.962], 0.9)) == "0.91 to 0.96"
