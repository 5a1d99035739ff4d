"""Tests for the crisp-set QCA module on hand-computed textbook cases."""

from __future__ import annotations

import itertools
import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from policy_windows.qca import csqca as qca
from policy_windows.qca.csqca import Implicant

ABC = ["A", "B", "C"]


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Cases as rows; the first field is the case id."""
    frame = pd.DataFrame(rows, columns=["case", *columns]).set_index("case")
    return frame


def _formulas(solutions: list[list[Implicant]]) -> list[str]:
    return [qca.solution_string(s) for s in solutions]


@pytest.fixture
def textbook() -> pd.DataFrame:
    """Three conditions, eight cases, one logical remainder (A=1, B=0, C=1).

    Configurations (A B C -> Y):  110 -> 1 (c1, c2), 111 -> 1 (c3), 001 -> 1 (c4),
    011 -> 1 (c5), 000 -> 0 (c6), 100 -> 0 (c7), 010 -> 0 (c8); 101 is unobserved.

    Conservative, by hand: positive minterms 110, 111, 001, 011. Pairs differing in one
    bit: 110/111 -> A*B, 111/011 -> B*C, 001/011 -> ~A*C; nothing merges further, so
    these three are the primes. 110 is only in A*B and 001 only in ~A*C (both
    essential) and together they cover all four rows: A*B + ~A*C (B*C redundant).

    Parsimonious, by hand: with 101 as don't-care, 001/011/101/111 form the cube C
    (it contains no negative row) and A*B stays prime; A*B is needed for 110 and C for
    001, so A*B + C. The remainder 101 turns ~A*C into C.
    """
    rows = [
        ("c1", 1, 1, 0, 1),
        ("c2", 1, 1, 0, 1),
        ("c3", 1, 1, 1, 1),
        ("c4", 0, 0, 1, 1),
        ("c5", 0, 1, 1, 1),
        ("c6", 0, 0, 0, 0),
        ("c7", 1, 0, 0, 0),
        ("c8", 0, 1, 0, 0),
    ]
    return _frame(rows, [*ABC, "Y"])


@pytest.fixture
def contradictory() -> pd.DataFrame:
    """Two conditions; row A=1,B=1 holds c1, c2 (Y=1) and c3 (Y=0): consistency 2/3.

    All four configurations are observed, so there are no remainders.
    Cut 1.0: only 10 is positive -> A*~B for both solution types.
    Cut 0.6: 11 (2/3 >= 0.6) and 10 are positive -> they merge to A.
    Fit of A: cases c1..c4, three with Y=1 -> consistency 3/4; Y=1 cases are c1, c2,
    c4, all in A -> coverage 3/3 = 1. Fit of A*~B: case c4 -> consistency 1,
    coverage 1/3.
    """
    rows = [
        ("c1", 1, 1, 1),
        ("c2", 1, 1, 1),
        ("c3", 1, 1, 0),
        ("c4", 1, 0, 1),
        ("c5", 0, 1, 0),
        ("c6", 0, 0, 0),
    ]
    return _frame(rows, ["A", "B", "Y"])


def _full_design(conditions: list[str], positive: set[int]) -> pd.DataFrame:
    """One case per configuration; minterm numbers read the conditions as MSB first."""
    k = len(conditions)
    rows = []
    for m in range(2**k):
        bits = [(m >> (k - 1 - i)) & 1 for i in range(k)]
        rows.append((f"r{m}", *bits, int(m in positive)))
    return _frame(rows, [*conditions, "Y"])


@pytest.fixture
def cyclic() -> pd.DataFrame:
    """f(A,B,C) = sum m(0,1,2,5,6,7); 3 (011) and 4 (100) negative, no remainders.

    Primes, by hand: ~A*~B (0,1), ~A*~C (0,2), ~B*C (1,5), B*~C (2,6), A*C (5,7),
    A*B (6,7): a cycle without essential primes. Every prime covers two of the six
    minterms, so a cover needs at least three, and exactly two 3-term covers exist:
    ~A*~B + B*~C + A*C and ~A*~C + ~B*C + A*B.
    """
    return _full_design(ABC, {0, 1, 2, 5, 6, 7})


@pytest.fixture
def greedy_trap() -> pd.DataFrame:
    """f(A,B,C,D) = sum m(0,2,3,4,5,7,13,15), all 16 configurations observed.

    Primes, by hand: B*D (5,7,13,15), ~A*~B*~D (0,2), ~A*~C*~D (0,4), ~A*~B*C (2,3),
    ~A*B*~C (4,5), ~A*C*D (3,7). B*D is essential (only prime with 13, 15); left are
    0, 2, 3, 4. No prime covers 3 and 4 together, so ~A*~B*~D (0, 2) would need two
    more terms; the unique minimum is B*D + ~A*~B*C + ~A*~C*~D (3 terms). A greedy
    cover that takes the first 2-row prime (~A*~B*~D) ends with 4 terms.
    """
    return _full_design(["A", "B", "C", "D"], {0, 2, 3, 4, 5, 7, 13, 15})


# ---------------------------------------------------------------------------
# Data preparation
# ---------------------------------------------------------------------------


def test_crisp_membership_only_plus_one_is_present() -> None:
    codes = pd.DataFrame({"f1": [-1, 0, 1], "f2": [1, 1, -1]}, index=["m1", "m2", "m3"])
    out = qca.crisp_membership(codes)
    assert out.to_dict("list") == {"f1": [0, 0, 1], "f2": [1, 1, 0]}
    assert list(out.index) == ["m1", "m2", "m3"]


@pytest.mark.parametrize("bad", [[2, 0, 1], [np.nan, 0, 1]])
def test_crisp_membership_rejects_invalid_codes(bad: list) -> None:
    with pytest.raises(ValueError):
        qca.crisp_membership(pd.DataFrame({"f1": bad}))


def test_drop_constant_conditions_keeps_order() -> None:
    data = pd.DataFrame({"a": [1, 1, 1], "b": [0, 1, 0], "c": [0, 0, 0], "d": [1, 0, 0]})
    assert qca.drop_constant_conditions(data, ["d", "a", "b", "c"]) == ["d", "b"]
    with pytest.raises(KeyError):
        qca.drop_constant_conditions(data, ["zzz"])


def test_implicant_string_and_mapping() -> None:
    term = Implicant.from_mapping(
        {"funding": 0, "insight_nature_scale": 1}, order=["insight_nature_scale", "funding"]
    )
    assert str(term) == "insight_nature_scale*~funding"
    assert term.mapping == {"insight_nature_scale": 1, "funding": 0}
    assert term.n_literals == 2
    assert str(Implicant(())) == "1"
    assert qca.solution_string([Implicant((("A", 1), ("B", 1))), Implicant((("C", 1),))]) == (
        "A*B + C"
    )
    with pytest.raises(ValueError):
        Implicant((("A", 2),))
    with pytest.raises(ValueError):
        Implicant((("A", 1), ("A", 0)))


# ---------------------------------------------------------------------------
# Truth table
# ---------------------------------------------------------------------------


def test_truth_table_textbook(textbook: pd.DataFrame) -> None:
    tt = qca.truth_table(textbook, ABC, "Y")
    assert list(tt.columns) == [*ABC, "n", "cases", "consistency", "outcome_code", "contradictory"]
    configs = ["".join(map(str, r)) for r in tt[ABC].to_numpy()]
    # Positives first (the n=2 row leads), then negatives; ties by configuration.
    assert configs == ["110", "111", "011", "001", "100", "010", "000"]
    assert tt["n"].tolist() == [2, 1, 1, 1, 1, 1, 1]
    assert tt["cases"].tolist() == ["c1,c2", "c3", "c5", "c4", "c7", "c8", "c6"]
    assert tt["outcome_code"].tolist() == [1, 1, 1, 1, 0, 0, 0]
    assert not tt["contradictory"].any()


def test_truth_table_contradictory_row(contradictory: pd.DataFrame) -> None:
    strict = qca.truth_table(contradictory, ["A", "B"], "Y", incl_cut=1.0)
    row = strict[(strict["A"] == 1) & (strict["B"] == 1)].iloc[0]
    assert row["cases"] == "c1,c2,c3"
    assert row["consistency"] == pytest.approx(2 / 3)
    assert bool(row["contradictory"]) and row["outcome_code"] == 0
    lenient = qca.truth_table(contradictory, ["A", "B"], "Y", incl_cut=0.6)
    row = lenient[(lenient["A"] == 1) & (lenient["B"] == 1)].iloc[0]
    assert bool(row["contradictory"]) and row["outcome_code"] == 1
    assert lenient["contradictory"].sum() == 1


def test_truth_table_rejects_uncoded_values(textbook: pd.DataFrame) -> None:
    bad = textbook.copy()
    bad.loc["c1", "A"] = -1
    with pytest.raises(ValueError, match="crisp"):
        qca.truth_table(bad, ABC, "Y")
    with pytest.raises(ValueError):
        qca.truth_table(textbook, ABC, "Y", incl_cut=0.0)


# ---------------------------------------------------------------------------
# Minimisation
# ---------------------------------------------------------------------------


def test_textbook_conservative_and_parsimonious(textbook: pd.DataFrame) -> None:
    tt = qca.truth_table(textbook, ABC, "Y")
    assert _formulas(qca.minimise(tt, ABC, include_remainders=False)) == ["A*B + ~A*C"]
    assert _formulas(qca.minimise(tt, ABC, include_remainders=True)) == ["A*B + C"]


def _configurations(term: Implicant, conditions: list[str]) -> set[tuple[int, ...]]:
    """Every configuration inside a term (free conditions take both values)."""
    fixed = term.mapping
    choices = [[fixed[c]] if c in fixed else [0, 1] for c in conditions]
    return set(itertools.product(*choices))


def test_conservative_uses_no_remainders(textbook: pd.DataFrame) -> None:
    tt = qca.truth_table(textbook, ABC, "Y")
    positive = {tuple(r) for r in tt.loc[tt["outcome_code"] == 1, ABC].to_numpy()}
    observed = {tuple(r) for r in tt[ABC].to_numpy()}
    for solution in qca.minimise(tt, ABC, include_remainders=False):
        for term in solution:
            assert _configurations(term, ABC) <= positive
    # The parsimonious C does reach into the remainder 101.
    (pars,) = qca.minimise(tt, ABC, include_remainders=True)
    used = set().union(*(_configurations(t, ABC) for t in pars))
    assert used - observed == {(1, 0, 1)}


def test_contradictory_case_solutions(contradictory: pd.DataFrame) -> None:
    cond = ["A", "B"]
    strict = qca.truth_table(contradictory, cond, "Y", incl_cut=1.0)
    lenient = qca.truth_table(contradictory, cond, "Y", incl_cut=0.6)
    for remainders in (False, True):
        assert _formulas(qca.minimise(strict, cond, remainders)) == ["A*~B"]
        assert _formulas(qca.minimise(lenient, cond, remainders)) == ["A"]


def test_cyclic_case_returns_both_alternatives(cyclic: pd.DataFrame) -> None:
    tt = qca.truth_table(cyclic, ABC, "Y")
    for remainders in (False, True):  # all 8 rows observed: both types coincide
        got = qca.minimise(tt, ABC, remainders)
        assert sorted(_formulas(got)) == sorted(["A*C + ~A*~B + B*~C", "A*B + ~A*~C + ~B*C"])


def test_many_alternatives_are_capped_and_counted(cyclic: pd.DataFrame) -> None:
    tt = qca.truth_table(cyclic, ABC, "Y")
    everything = qca.minimise(tt, ABC, False, max_solutions=None)
    first, total = qca.minimise_counted(tt, ABC, False, max_solutions=1)
    assert total == len(everything) == 2 and _formulas(first) == _formulas(everything[:1])
    res = qca.qca_phase(cyclic, ABC, "Y")
    assert set(res["solutions"]["n_solutions"]) == {2}


def test_hundreds_of_cases_with_millions_of_alternatives_stay_fast() -> None:
    """Random crisp data of 355 cases and 10 conditions: primes with equal coverage multiply
    into more equally minimal solutions than can be listed; the count is exact, the list capped,
    and the exact search over covers still finishes quickly."""
    rng = np.random.default_rng(355)
    conditions = [f"c{i}" for i in range(10)]
    data = pd.DataFrame(rng.integers(0, 2, (355, 10)), columns=conditions, index=[f"m{i}" for i in range(355)])
    data["Y"] = (rng.uniform(size=355) < 0.15).astype(int)
    start = time.perf_counter()
    res = qca.qca_phase(data, conditions, "Y")
    assert time.perf_counter() - start < 20
    pars = res["solutions"][res["solutions"]["solution_type"] == "parsimonious"]
    assert pars["solution_id"].nunique() == min(qca.MAX_SOLUTIONS, int(pars["n_solutions"].iloc[0]))
    assert int(pars["n_solutions"].iloc[0]) > qca.MAX_SOLUTIONS
    sizes = pars.groupby("solution_id").size()
    assert sizes.nunique() == 1  # every listed alternative is minimal: as many terms as the first
    tt = res["truth_table"]
    positives = set(tt.loc[tt["outcome_code"] == 1, "cases"].str.split(",").explode())
    for _, solution in pars.groupby("solution_id"):  # each listed solution covers every positive case
        covered = set(solution["cases_covered"].str.split(",").explode())
        assert positives <= covered


def test_greedy_trap_gets_minimal_cover(greedy_trap: pd.DataFrame) -> None:
    cond = ["A", "B", "C", "D"]
    tt = qca.truth_table(greedy_trap, cond, "Y")
    assert _formulas(qca.minimise(tt, cond, False)) == ["~A*~B*C + ~A*~C*~D + B*D"]


def test_no_positive_rows_gives_no_solution(textbook: pd.DataFrame) -> None:
    data = textbook.assign(Y=0)
    tt = qca.truth_table(data, ABC, "Y")
    assert qca.minimise(tt, ABC, False) == []
    assert qca.minimise(tt, ABC, True) == []
    res = qca.qca_phase(data, ABC, "Y")
    assert res["solutions"].empty
    assert list(res["solutions"].columns) == list(qca.SOLUTION_COLUMNS)


def test_all_positive_parsimonious_is_tautology(textbook: pd.DataFrame) -> None:
    # Observed 110, 111, 001, 011, 000, 100, 010 all positive, 101 unobserved.
    # Conservative: the cubes free of 101 are ~A (000, 001, 010, 011), B (010, 011, 110,
    # 111) and ~C (000, 010, 100, 110); any two miss 100, 001 or 111 respectively, so
    # ~A + B + ~C is the unique 3-term cover. Parsimonious: no negative row at all, so
    # the empty term "1" (tautology).
    data = textbook.assign(Y=1)
    tt = qca.truth_table(data, ABC, "Y")
    assert _formulas(qca.minimise(tt, ABC, True)) == ["1"]
    assert _formulas(qca.minimise(tt, ABC, False)) == ["~A + B + ~C"]


def test_implicit_remainders_match_explicit_quine_mccluskey() -> None:
    """The hitting-set primes equal QM primes with every remainder listed as don't-care."""
    rng = np.random.default_rng(20240611)
    for _ in range(150):
        k = int(rng.integers(1, 6))
        configs = rng.choice(2**k, size=int(rng.integers(1, 2**k + 1)), replace=False)
        outcome = rng.integers(0, 2, size=len(configs))
        positives = [int(c) for c, y in zip(configs, outcome, strict=True) if y]
        negatives = [int(c) for c, y in zip(configs, outcome, strict=True) if not y]
        remainders = sorted(set(range(2**k)) - {int(c) for c in configs})
        explicit = qca._quine_mccluskey(positives, k, remainders)
        assert qca._parsimonious_primes(positives, negatives) == explicit


# ---------------------------------------------------------------------------
# Fit measures and the phase wrapper
# ---------------------------------------------------------------------------


def test_solution_fit_textbook(textbook: pd.DataFrame) -> None:
    """Y=1 for c1..c5 (5 cases).

    A*B + ~A*C: A*B = {c1, c2, c3}, ~A*C = {c4, c5}, disjoint, all Y=1 ->
    raw 3/5 and 2/5, unique = raw, consistency 1; solution coverage 5/5.
    A*B + C: C = {c3, c4, c5} overlaps A*B in c3 -> raw 3/5 each, unique 2/5 each.
    """
    tt = qca.truth_table(textbook, ABC, "Y")
    (cons,) = qca.minimise(tt, ABC, False)
    fit = qca.solution_fit(textbook, cons, "Y")
    assert fit["consistency"] == 1.0 and fit["coverage"] == 1.0
    terms = fit["terms"].set_index("term")
    assert terms.loc["A*B", "raw_coverage"] == pytest.approx(3 / 5)
    assert terms.loc["~A*C", "unique_coverage"] == pytest.approx(2 / 5)
    assert terms.loc["A*B", "cases_covered"] == "c1,c2,c3"

    (pars,) = qca.minimise(tt, ABC, True)
    terms = qca.solution_fit(textbook, pars, "Y")["terms"].set_index("term")
    assert terms["raw_coverage"].tolist() == pytest.approx([3 / 5, 3 / 5])
    assert terms["unique_coverage"].tolist() == pytest.approx([2 / 5, 2 / 5])
    assert terms.loc["C", "cases_covered"] == "c3,c4,c5"


def test_solution_fit_inconsistent_term(contradictory: pd.DataFrame) -> None:
    a = [Implicant((("A", 1),))]
    fit = qca.solution_fit(contradictory, a, "Y")
    assert fit["consistency"] == pytest.approx(3 / 4)
    assert fit["coverage"] == pytest.approx(1.0)
    assert fit["cases_covered"] == ["c1", "c2", "c3", "c4"]
    fit = qca.solution_fit(contradictory, [Implicant((("A", 1), ("B", 0)))], "Y")
    assert (fit["consistency"], fit["coverage"]) == pytest.approx((1.0, 1 / 3))
    # No term: nothing covered, consistency undefined.
    empty = qca.solution_fit(contradictory, [], "Y")
    assert math.isnan(empty["consistency"]) and empty["coverage"] == 0.0


def test_necessity_textbook(textbook: pd.DataFrame) -> None:
    """Y = {c1..c5}. Consistency |X∩Y|/|Y|, coverage |X∩Y|/|X|.

    A = {c1,c2,c3,c7}: 3/5, 3/4.     ~A = {c4,c5,c6,c8}: 2/5, 2/4.
    B = {c1,c2,c3,c5,c8}: 4/5, 4/5.  ~B = {c4,c6,c7}: 1/5, 1/3.
    C = {c3,c4,c5}: 3/5, 3/3.        ~C = {c1,c2,c6,c7,c8}: 2/5, 2/5.
    """
    table = qca.necessity(textbook, ABC, "Y").set_index("literal")
    expected = {
        "A": (3 / 5, 3 / 4),
        "~A": (2 / 5, 2 / 4),
        "B": (4 / 5, 4 / 5),
        "~B": (1 / 5, 1 / 3),
        "C": (3 / 5, 1.0),
        "~C": (2 / 5, 2 / 5),
    }
    assert list(table.index) == list(expected)
    for literal, (cons, cov) in expected.items():
        assert table.loc[literal, "consistency"] == pytest.approx(cons)
        assert table.loc[literal, "coverage"] == pytest.approx(cov)
    assert table.loc["~B", "condition"] == "B" and bool(table.loc["~B", "negated"])


def test_qca_phase_tables(textbook: pd.DataFrame) -> None:
    data = textbook.assign(const=1)  # constant column is dropped by default
    res = qca.qca_phase(data, None, "Y")
    assert res["conditions"] == ABC
    assert len(res["truth_table"]) == 7
    sol = res["solutions"]
    assert list(sol.columns) == list(qca.SOLUTION_COLUMNS)
    assert sol["solution_type"].tolist() == ["conservative"] * 2 + ["parsimonious"] * 2
    assert sol["solution_id"].tolist() == [1, 1, 1, 1]
    assert sol["term"].tolist() == ["A*B", "~A*C", "A*B", "C"]
    assert sol["solution"].tolist() == ["A*B + ~A*C"] * 2 + ["A*B + C"] * 2
    assert sol["unique_coverage"].tolist() == pytest.approx([3 / 5, 2 / 5, 2 / 5, 2 / 5])
    assert sol["solution_coverage"].tolist() == pytest.approx([1.0] * 4)
    assert sol["solution_consistency"].tolist() == pytest.approx([1.0] * 4)
    assert len(res["necessity"]) == 6
    assert _formulas(res["models"]["parsimonious"]) == ["A*B + C"]


def test_qca_phase_alternatives_numbered(cyclic: pd.DataFrame) -> None:
    sol = qca.qca_phase(cyclic, ABC, "Y")["solutions"]
    cons = sol[sol["solution_type"] == "conservative"]
    assert sorted(cons["solution_id"].unique().tolist()) == [1, 2]
    assert cons.groupby("solution_id")["term"].count().tolist() == [3, 3]


# ---------------------------------------------------------------------------
# Cross-check against pyqca (evaluation only; not a runtime dependency)
# ---------------------------------------------------------------------------


def _pyqca(data: pd.DataFrame, conditions: list[str], minimizer: str = "standard"):
    """Conservative and parsimonious formula sets from pyqca, in our notation."""
    pyqca = pytest.importorskip("qca")
    frame = data.reset_index()
    model = pyqca.CSQCA(data=frame, outcome="Y", conditions=conditions, case_id="case")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns about missing directional expectations
        result = model.fit(consistency_cutoff=1.0, minimizer=minimizer)
    m = result.minimization

    def norm(solution) -> frozenset[str]:
        return frozenset(i.label(m.condition_names).replace(" * ", "*") for i in solution)

    return norm(m.complex_solution), norm(m.parsimonious_solution)


def _as_sets(solutions: list[list[Implicant]]) -> set[frozenset[str]]:
    return {frozenset(str(t) for t in s) for s in solutions}


def test_pyqca_agrees_on_textbook(textbook: pd.DataFrame) -> None:
    cons, pars = _pyqca(textbook, ABC)
    tt = qca.truth_table(textbook, ABC, "Y")
    assert _as_sets(qca.minimise(tt, ABC, False)) == {cons}
    assert _as_sets(qca.minimise(tt, ABC, True)) == {pars}


def test_pyqca_reports_one_of_the_cyclic_alternatives(cyclic: pd.DataFrame) -> None:
    cons, pars = _pyqca(cyclic, ABC)
    ours = _as_sets(qca.minimise(qca.truth_table(cyclic, ABC, "Y"), ABC, False))
    assert len(ours) == 2
    assert cons in ours and pars in ours  # pyqca 0.2.0 silently drops the other one


def test_pyqca_standard_cover_not_shorter_than_ours(greedy_trap: pd.DataFrame) -> None:
    cond = ["A", "B", "C", "D"]
    ours = qca.minimise(qca.truth_table(greedy_trap, cond, "Y"), cond, False)
    standard, _ = _pyqca(greedy_trap, cond, "standard")
    exact, _ = _pyqca(greedy_trap, cond, "exact_set_cover")
    # pyqca 0.2.0 "standard" (essential primes + greedy) returns 4 terms here.
    assert len(standard) >= len(ours[0]) == 3
    assert exact in _as_sets(ours)
