"""The command line: `python -m benchmarks.generate_data` (see benchmarks/README.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.generator.national import generate, generate_increment
from benchmarks.generator.registry_format import INCREMENT_FILE
from benchmarks.generator.sample import SAMPLE_SEED, generate_sample
from benchmarks.generator.sample_figures import generate_sample_figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.generate_data",
        description="Deterministic SYNTHETIC raw files with their ground truth (benchmarks/README.md).")
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 5M registry rows, 200k policies, 20k compute events")
    ap.add_argument("--seed", type=int, default=None, help="default 7 (national data) or the sample's own seed")
    ap.add_argument("--out", type=Path, help="output folder of the national data (never the repository's raw/)")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (the output does not depend on it)")
    ap.add_argument("--increment", type=float, metavar="FRACTION",
                    help=f"write only enterprises/{INCREMENT_FILE.name} (and truth/increment/) into --out: "
                         "FRACTION x the registry rows of --scale as new enterprises")
    ap.add_argument("--sample", type=Path, metavar="DIR",
                    help="write only the shipped registry sample (article-calibrated) into DIR, e.g. raw/enterprises")
    ap.add_argument("--sample-figures", type=Path, metavar="DIR",
                    help="write only the shipped synthetic population and GDP of the sample's cities into DIR, "
                         "e.g. raw/indicators")
    args = ap.parse_args(argv)
    if args.sample_figures:
        if args.out or args.increment is not None or args.sample:
            ap.error("--sample-figures writes one folder of its own: no --out, --increment or --sample with it")
        generate_sample_figures(args.sample_figures)
        return 0
    if args.sample:
        if args.out or args.increment is not None:
            ap.error("--sample writes one folder of its own: no --out or --increment with it")
        generate_sample(args.sample, seed=SAMPLE_SEED if args.seed is None else args.seed, threads=args.threads)
        return 0
    if not args.out:
        ap.error("--out is required (or --sample DIR)")
    seed = 7 if args.seed is None else args.seed
    if args.increment is not None:
        generate_increment(args.scale, seed, args.increment, args.out, threads=args.threads)
        return 0
    generate(args.scale, seed, args.out, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
