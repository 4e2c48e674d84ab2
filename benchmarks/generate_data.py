"""`python -m benchmarks.generate_data --scale S --out DIR [--seed N] [--increment F] | --sample DIR`.

The generator lives in benchmarks/generator/ (one job per module); this name stays the
command line that the Makefile (`make data`) and the benchmark harness call.
"""

import sys

from benchmarks.generator.cli import main

if __name__ == "__main__":
    sys.exit(main())
