"""Public facade of the report batch, kept for existing callers (dashboard, lokakarya, ``make demo``).

The batch lives in :mod:`p3pd_lib.batch`; this module only re-exports its public names.
Outputs now sit under a year folder: ``<output>/<tahun>/<kabupaten>/<kecamatan>.html``
(the entry's ``html`` field gives the path relative to the output folder);
``run_batch(..., mandiri=True)`` writes a report as one self-contained file.
"""

from .batch import *  # noqa: F401,F403 - the facade re-exports the package's public names
from .batch import __all__  # noqa: F401
from .batch.export import export_html, html_exporter, print_pdf  # noqa: F401
from .batch.outputs import write_assets  # noqa: F401
from .batch.run import render_default

if __name__ == "__main__":  # pragma: no cover - `python -m p3pd_lib.report` = make demo's step
    render_default()
