"""Batch process settings: applied once, in a fresh process, where the platform allows it."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, numpy as np, pyarrow as pa
from p3pd_lib import runtime
first = runtime.tune_for_batch()
again = runtime.tune_for_batch()
a = np.arange(10_000_000, dtype=np.float64)  # 80 MB: larger than glibc's mmap threshold
del a
b = np.ones(10_000_000)
s = pa.array(["desa"] * 1000).take(pa.array([0, 999]))
print(json.dumps({"first": first, "again": again, "sum": float(b.sum()), "pool": pa.default_memory_pool().backend_name,
                  "taken": s.to_pylist()}))
"""


def test_tune_for_batch_applies_on_linux_and_is_idempotent():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["first"] == got["again"]
    assert got["first"]["numpy_hugepage_off"] is True
    assert got["first"]["glibc"] is sys.platform.startswith("linux")
    assert got["sum"] == 10_000_000.0
    # Arrow follows glibc's tuning only where glibc could be tuned; values are unchanged either way.
    assert got["first"]["arrow_system_pool"] is got["first"]["glibc"]
    assert (got["pool"] == "system") is got["first"]["glibc"]
    assert got["taken"] == ["desa", "desa"]
