"""Copy results/findings.md (written by rule ``findings``) into README.md between the findings markers.

Run it after a full run of the pipeline (``snakemake --cores 4``):

    python scripts/update_readme.py
    python scripts/update_readme.py --scale   # the "At national scale" block, from the scale records

With ``--scale`` it writes the block between ``<!-- scale:start -->`` and ``<!-- scale:end -->``
from results/scale/ (``snakemake recovery sbc_scale``) and results/benchmarks/benchmarks.csv
(``benchmarks/run_benchmarks.py --scale-only --national``) with
:func:`policy_windows.summaries.scale_record.scale_markdown`; ``tests/test_scale.py`` checks it.

It replaces everything between ``<!-- findings:start -->`` and ``<!-- findings:end -->`` and exits
non-zero with a message if the markers are missing or results/findings.md does not exist.
``tests/test_findings.py`` checks that the README block equals a fresh run's results/findings.md.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- findings:start -->", "<!-- findings:end -->"
SCALE_START, SCALE_END = "<!-- scale:start -->", "<!-- scale:end -->"
SCALE_PREAMBLE = "Written from those records by `scripts/update_readme.py --scale` (a 2-core machine; a simulated country from\n`scripts/simulate_national.py`, codes at the thesis's code frequencies):\n\n"


def _split(readme: str, start: str = START, end: str = END) -> tuple[str, str, str]:
    """(text up to and including start, the block, text from end on); ValueError unless each marker is there
    exactly once, start first."""
    if readme.count(start) != 1 or readme.count(end) != 1 or readme.index(start) > readme.index(end):
        raise ValueError(
            f"README.md needs exactly one {start!r} followed by exactly one {end!r} (found {readme.count(start)} "
            f"and {readme.count(end)}); add them around the block they hold"
        )
    head, rest = readme.split(start)
    block, tail = rest.split(end)
    return head + start, block, end + tail


def readme_block(readme: str, start: str = START, end: str = END) -> str:
    """A block of README text: what lies between the markers, without the newline after start."""
    return _split(readme, start, end)[1].removeprefix("\n")


def replace_block(readme: str, findings: str, start: str = START, end: str = END) -> str:
    """README text with the block replaced by ``findings`` (given a final newline if it lacks one)."""
    head, _, tail = _split(readme, start, end)
    return f"{head}\n{findings.rstrip(chr(10))}\n{tail}"


def scale_text(root: Path = ROOT) -> str:
    """The "At national scale" block from the committed scale records."""
    import pandas as pd
    import yaml

    from policy_windows.summaries.scale_record import scale_markdown

    config = yaml.safe_load((root / "config" / "config.yaml").read_text(encoding="utf-8"))
    sbc = {
        form: pd.read_csv(root / "results" / "scale" / f"sbc_scale_uniformity_{form}.csv")
        for form in config["sbc"]["scale"]["forms"]
    }
    recovery = pd.read_csv(root / "results" / "scale" / "recovery.csv")
    benchmarks = pd.read_csv(root / "results" / "benchmarks" / "benchmarks.csv")
    return SCALE_PREAMBLE + scale_markdown(recovery, sbc, benchmarks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--findings", type=Path, default=ROOT / "results" / "findings.md")
    parser.add_argument("--scale", action="store_true", help="update the scale block from the scale records instead")
    args = parser.parse_args(argv)
    if args.scale:
        readme = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(replace_block(readme, scale_text(), SCALE_START, SCALE_END), encoding="utf-8")
        print(f"updated the scale block in {args.readme}")
        return 0
    if not args.findings.is_file():
        print(f"error: {args.findings} does not exist; run the pipeline first (snakemake --cores 4), "
              "which writes it with rule findings", file=sys.stderr)
        return 1
    if not args.readme.is_file():
        print(f"error: {args.readme} does not exist", file=sys.stderr)
        return 1
    readme = args.readme.read_text(encoding="utf-8")
    try:
        updated = replace_block(readme, args.findings.read_text(encoding="utf-8"))
    except ValueError as error:
        print(f"error: {args.readme}: {error}", file=sys.stderr)
        return 1
    if updated == readme:
        print(f"{args.readme} already holds {args.findings}")
        return 0
    args.readme.write_text(updated, encoding="utf-8")
    print(f"updated the findings in {args.readme} from {args.findings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
