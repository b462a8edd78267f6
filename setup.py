"""Build the optional C kernel with the hash of its source compiled in.

Everything else about the package is in pyproject.toml. ``pgcore/_kernels.py``
compares the hash the library reports with the hash of the ``_ckernels.c``
next to it and refuses (falling back to numpy, with a warning) a library built
from another version of the file: a stale ``.so`` is never used.
"""

import hashlib
from pathlib import Path

from setuptools import Extension, setup

_SRC = Path(__file__).resolve().parent / "pgcore" / "_ckernels.c"
_SHA = hashlib.sha256(_SRC.read_bytes()).hexdigest() if _SRC.is_file() else "unknown"

setup(
    ext_modules=[
        # optional: without a C compiler the install still succeeds and
        # reinforce runs its numpy version (bit-for-bit the same results)
        Extension("pgcore._ckernels", sources=["pgcore/_ckernels.c"], optional=True,
                  define_macros=[("PG_SOURCE_SHA256", f'"{_SHA}"')]),
    ],
)
