"""mlp: make better training data — augment, synthesize, mine hard negatives, order into a curriculum."""

import os

__version__ = "0.1.0"

# Byte-identical output whatever the worker count: torch's MKL GEMM otherwise changes the last bits
# of a vector with the number of threads (an encoder in a 1-CPU Ray actor vs a multi-threaded
# driver). Strict conditional numerical reproducibility on the machine's best code path costs no
# speed here. MKL reads it at its first call, so it is set on import, before any torch work; a
# user's own MKL_CBWR wins. Ray workers import mlp_cli before they touch torch.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")
