"""The report batch (``p3pd laporan``): papermill and nbconvert on a Dask cluster, warm kernels per worker.

- :mod:`.plan`: the report tasks of a selection, their up-to-date keys (planning process);
- :mod:`.kernel`: a kernel kept alive between reports, and the papermill engine using it;
- :mod:`.export`: nbconvert HTML (shared or inlined assets), notebook text, PDF;
- :mod:`.worker`: the Dask worker plugin holding the kernel, and the report task;
- :mod:`.outputs`: atomic files, per-report records, manifest and index;
- :mod:`.run`: :func:`run_batch`, the one entry point.
"""

# papermill is imported before any module of this package: papermill registers its engines
# from entry points when it is first imported, and ours (``p3pd-hangat``) lives in .kernel,
# which imports papermill.engines. Imported the other way round (.kernel first, as pytest's
# doctest collection does), papermill would load a half-initialised .kernel (papermill 2.6/2.7).
import papermill  # noqa: F401, E402 - see above

from .outputs import (ASET_DIR, BELUM, BERHASIL, GAGAL, GAGAL_DIR, INDEX_HTML, MANIFEST_CSV, MANIFEST_JSON, TERKINI,
                      index_html, is_tmp, read_records, sweep_temporary, up_to_date, write_atomic)
from .plan import (NOTEBOOK_KABUPATEN, NOTEBOOK_KECAMATAN, TEMPLATES_DIR, StoreIndex, Task, code_fingerprint,
                   make_tasks, store_index, task_key)
from .run import DEFAULT_KABUPATEN, BatchInterrupted, BatchResult, render_default, run_batch

__all__ = [
    "ASET_DIR", "BELUM", "BERHASIL", "GAGAL", "GAGAL_DIR", "INDEX_HTML", "MANIFEST_CSV", "MANIFEST_JSON", "TERKINI",
    "NOTEBOOK_KABUPATEN", "NOTEBOOK_KECAMATAN", "TEMPLATES_DIR", "DEFAULT_KABUPATEN", "BatchInterrupted", "BatchResult",
    "StoreIndex", "Task", "code_fingerprint", "index_html", "is_tmp", "make_tasks", "read_records", "render_default",
    "run_batch", "store_index", "sweep_temporary", "task_key", "up_to_date", "write_atomic",
]
