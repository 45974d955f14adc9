"""The Voila dashboard for kecamatan staff (``p3pd dashboard``).

Layers, each importing only the ones below it:

- :mod:`.app`: the :class:`App` owning its widgets (``App(dataset)`` / ``App.from_dataset`` for tests,
  ``App.from_store()`` in the Voila notebook); every control calls :meth:`App.update`;
- :mod:`.tabs`: one module per tab, pure (a view in, HTML and figures out);
- :mod:`.views`: the store one kabupaten at a time and the kernel's cached kecamatan views;
- :mod:`.html`, :mod:`.query`, :mod:`.upload`: formatting, the query string, uploaded files;
- :mod:`.server` and :mod:`.kernels`: the Voila server, configured through Voila's and
  Jupyter server's own options (preheating, culling, the kernel limit, token auth).

The notebook ``notebooks/dashboard_kecamatan.ipynb`` only builds the app, applies the
page's query string and displays ``app.container``.
"""

from __future__ import annotations

from .app import PESAN_GALAT_UMUM, READY_LOG, App
from .html import esc, fmt_angka, table_html
from .query import Query, TrainerSettings, parse_query, query_string
from .server import DEFAULT_HOST, DEFAULT_PORT, free_port, serve, start_server, stop_server, voila_command
from .tabs import FIGURE_TABS, TABS
from .tabs.usulan import usulan_per_sektor
from .upload import check_sizes, dataset_with_upload, read_upload
from .views import StoreSource, Views

__all__ = [
    "App", "DEFAULT_HOST", "DEFAULT_PORT", "FIGURE_TABS", "PESAN_GALAT_UMUM", "Query", "READY_LOG", "StoreSource", "TABS", "TrainerSettings", "Views",
    "check_sizes", "dataset_with_upload", "esc", "fmt_angka", "free_port", "parse_query", "query_string",
    "read_upload", "serve", "start_server", "stop_server", "table_html", "usulan_per_sektor", "voila_command",
]
