"""Copy results/findings.md (written by rule ``findings``) into README.md between the findings markers.

Run it after a full run of the pipeline (``snakemake --cores 4``):

    python scripts/update_readme.py

It replaces everything between ``<!-- findings:start -->`` and ``<!-- findings:end -->`` and exits
non-zero with a message if the markers are missing or results/findings.md does not exist.
``tests/test_findings.py`` checks that the README block equals a fresh run's results/findings.md.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def _split(readme: str) -> tuple[str, str, str]:
    """(text up to and including START, the block, text from END on); ValueError unless each marker is there
    exactly once, START first."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(
            f"README.md needs exactly one {START!r} followed by exactly one {END!r} (found {readme.count(START)} "
            f"and {readme.count(END)}); add them around the \"What it finds\" bullets"
        )
    head, rest = readme.split(START)
    block, tail = rest.split(END)
    return head + START, block, END + tail


def readme_block(readme: str) -> str:
    """The findings block of README text: what lies between the markers, without the newline after START."""
    return _split(readme)[1].removeprefix("\n")


def replace_block(readme: str, findings: str) -> str:
    """README text with the findings block replaced by ``findings`` (given a final newline if it lacks one)."""
    head, _, tail = _split(readme)
    return f"{head}\n{findings.rstrip(chr(10))}\n{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--findings", type=Path, default=ROOT / "results" / "findings.md")
    args = parser.parse_args(argv)
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
