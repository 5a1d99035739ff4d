"""Write a simulated national data/raw folder (M municipalities) and the truth behind it.

    python scripts/simulate_national.py --municipalities 355 --seed 20201 --out DIR

writes DIR/{codebook,municipalities,factor_codes,stream_movement,policy_windows}.csv in the
public format of data/raw/README.md (the codebook copied byte for byte from --from), plus a
README.md that says the folder is simulated, and DIR/../truth/true_parameters.csv (parameter,
element, value) with DIR/../truth/simulation.json (seed, M, pseudo-count, hashes of the raw
files). What is simulated and how: policy_windows.model.national.

Every file is written into a temporary folder beside its target and validated
(policy_windows.data.validation) before the folder is moved into place, so a failure leaves
no half-written output. An existing DIR (or truth folder) is replaced only with --force.
To run the workflow on the simulated data, copy the project and replace its data/raw:

    python scripts/simulate_national.py --municipalities 355 --seed 20201 --out data/raw --force
    snakemake --cores 1 validate
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from policy_windows.data.validation import RawDataError, read_raw_tables, validate_raw
from policy_windows.model.national import CONFIGURATION, simulate_national, simulated_note
from policy_windows.model.configuration import Priors

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = "codebook.csv"


def _readme(args: argparse.Namespace) -> str:
    return (
        "# Simulated raw data: not evidence from the thesis\n\n"
        f"{args.municipalities} simulated municipalities, written by\n\n"
        f"    python scripts/simulate_national.py --municipalities {args.municipalities} "
        f"--seed {args.seed} --pseudo-count {args.pseudo_count:g} --out {args.out}\n\n"
        "Codes are drawn at the code frequencies of the 8 coded municipalities, movement from one\n"
        "prior draw of the full model, and a window opens where all three streams of a phase move\n"
        "(policy_windows.model.national). The format is that of the shipped data/raw/README.md;\n"
        "the true parameters are in ../truth/true_parameters.csv.\n"
    )


def _stage(target: Path) -> Path:
    """An empty temporary folder beside ``target`` (same file system, so the move is a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    staged.mkdir()  # unlike tempfile.mkdtemp, keeps the usual permissions (umask)
    return staged


def _move_into_place(staged: Path, target: Path) -> None:
    """Rename ``staged`` to ``target``; an existing ``target`` is renamed away first, then removed."""
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.old"
        os.replace(target, old)
    os.replace(staged, target)
    if old is not None:
        shutil.rmtree(old)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_national(args: argparse.Namespace) -> list[str]:
    """Simulate, write and validate the folders; one summary line per file written."""
    out, truth_dir = args.out.resolve(), (args.truth or args.out.resolve().parent / "truth").resolve()
    for target in (out, truth_dir):
        if target.exists() and not args.force:
            raise FileExistsError(f"{target} exists; choose another folder or pass --force to replace it")
    shipped = validate_raw(read_raw_tables(args.source))
    national = simulate_national(shipped, args.municipalities, args.seed, args.pseudo_count)
    staged_raw, staged_truth = _stage(out), _stage(truth_dir)
    try:
        shutil.copyfile(args.source / CODEBOOK, staged_raw / CODEBOOK)
        for name, table in national.tables.items():
            table.to_csv(staged_raw / name, index=False, lineterminator="\n")
        (staged_raw / "README.md").write_text(_readme(args), encoding="utf-8")
        validate_raw(read_raw_tables(staged_raw))  # never move an invalid folder into place
        national.truth.to_csv(staged_truth / "true_parameters.csv", index=False, lineterminator="\n")
        manifest = {
            "note": simulated_note(args.seed),
            "municipalities": args.municipalities,
            "seed": args.seed,
            "pseudo_count": args.pseudo_count,
            "configuration": CONFIGURATION.as_dict(),
            "priors": Priors().as_dict(),
            "source": str(args.source),
            "raw_dir": str(out),
            "sha256": {p.name: _sha256(p) for p in sorted(staged_raw.glob("*.csv"))},
        }
        (staged_truth / "simulation.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _move_into_place(staged_truth, truth_dir)
        _move_into_place(staged_raw, out)
    finally:
        for staged in (staged_raw, staged_truth):
            shutil.rmtree(staged, ignore_errors=True)
    rows = {name: len(table) for name, table in national.tables.items()}
    return [f"{out / name}: {n:,} rows" for name, n in rows.items()] + [
        f"{out / CODEBOOK}: copied from {args.source / CODEBOOK}",
        f"{truth_dir / 'true_parameters.csv'}: {len(national.truth):,} rows",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, required=True, help="number of simulated municipalities M")
    parser.add_argument("--seed", type=int, required=True, help="seed of every random step")
    parser.add_argument("--out", type=Path, required=True, help="the raw data folder to write")
    parser.add_argument(
        "--pseudo-count", type=float, default=0.5,
        help="pseudo-observations added to every code's shipped count (default 0.5: every code is possible; "
        "0: exactly the shipped frequencies)",
    )
    parser.add_argument("--source", "--from", type=Path, default=ROOT / "data" / "raw",
                        help="the shipped raw data (codebook, code and municipality frequencies)")
    parser.add_argument("--truth", type=Path, default=None,
                        help="folder for the true parameters (default OUT/../truth)")
    parser.add_argument("--force", action="store_true", help="replace OUT and the truth folder if they exist")
    args = parser.parse_args(argv)
    try:
        summary = write_national(args)
    except (RawDataError, FileExistsError, ValueError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
