"""Getting real data in: read, validate, archive and store submitted files.

One entry point for the CLI (``p3pd impor``/``p3pd periksa``), the dashboard
upload and the reports: :func:`import_files` (and :func:`check_files`, which
only validates). Accepted inputs, recognised by their content (not their name):

- filled templates (:mod:`p3pd_lib.template`) and CSV/Excel files whose header
  row holds the canonical column names or their Indonesian labels
  (:mod:`p3pd_lib.schemas`);
- a Siskeudes database export as delivered: a folder, a .zip or all its files
  (CSV or Excel tables, ``.columns`` files); the tables given in one call form one
  submission, tables the kit does not need are skipped with an info finding
  (see :mod:`p3pd_lib.siskeudes_export`, :mod:`p3pd_lib.siskeudes`,
  :mod:`p3pd_lib.siskeudes_desa`);
- the Siskeudes "Penjabaran APBDes" report saved as Excel, CSV or PDF
  (:mod:`p3pd_lib.penjabaran`);
- Kemendesa's IDM files (:mod:`p3pd_lib.idm`): the yearly list ("IDM tahun …
  hasil pemutakhiran", Excel or CSV) into ``status_desa``, and the per-desa
  rumusan JSON (a folder of them is expanded) into ``idm_rumusan``.

**Validation.** Every finding names the file, sheet, row (as Excel shows it,
1-based, header included), column (the header as written in the file), the
value, the rule (``aturan``), the level (``tingkat``: ``galat`` blocks,
``peringatan`` does not) and an Indonesian message. A file (or a Siskeudes
set) with at least one galat is rejected as a whole. At most
:data:`MAX_SAMA` findings of one rule per sheet and column are listed, followed
by one line counting the rest.

**Nothing is lost.** Accepted files are copied byte for byte into ``raw/``
(content-addressed, with a manifest) *before* the store changes; the store is
then written with :func:`p3pd_lib.store.save_dataset` (validated first,
written aside, then renamed). A rejected file, a dry run and a repeated import
change nothing in the data folder. An import holds the store's lock from
reading the store to its commit, and archive, tables, mapping and history are
one commit (:mod:`p3pd_lib.transaction`): a second import waits or is told
the store is busy, a crash is finished or undone on the next start, a
read-only store is refused with a message. Workbooks are inspected before
they are opened (:mod:`p3pd_lib.safe_excel`): oversized expansions are
refused, hidden sheets reported and not read.

**Newer submissions.** ``layanan`` and ``status_desa`` are merged per desa and
year, column by column: a value for an empty cell is added (``dilengkapi``);
a value that differs from the stored one is a conflict (``konflik``), applied
only with ``replace=True`` (``--ganti``, ``diganti``); an empty cell never erases
a stored value. ``apbdes`` and ``usulan`` are replaced per desa and year as a
whole set of lines: the same set is ``tidak_berubah``, another set a conflict
unless ``replace=True``. A conflict leaves that desa-year as stored and is
reported as a peringatan; the rest of the file is imported. Every change is
recorded in the import history (:func:`p3pd_lib.history.read_history`).

Reports of findings (Excel + HTML) are written next to the input as
``<name>.temuan.xlsx``/``.html`` (or under ``<data>/laporan_impor/`` when that
folder is not writable); the input itself is never modified.

**Modules.** :mod:`.results` (findings collector, results), :mod:`.reading`
(workbooks and CSV into grids), :mod:`.validation` (canonical tables),
:mod:`.units` (one submission per kind of input), :mod:`.idm_files`
(Kemendesa's IDM files), :mod:`.merging` (merge rules, writing one import),
:mod:`.reports` (findings reports), :mod:`.entry` (the entry points).
"""

from __future__ import annotations

from ..errors import ParameterError
from .entry import check_files, import_files, merge_tables, read_files
from .merging import plan_changes
from .reading import MAX_BYTES, MAX_ROWS
from .reports import findings_for_people, write_findings_report
from .results import (CHANGE_COLUMNS, FILE_COLUMNS, FINDING_COLUMNS, MAX_SAMA, TINDAKAN, ImportRefused, ImportResult,
                      ParsedImport, rule_name)
from .validation import PLAUSIBLE

__all__ = [
    "check_files", "import_files", "read_files", "merge_tables", "plan_changes", "write_findings_report",
    "findings_for_people", "rule_name",
    "ImportResult", "ParsedImport", "ImportRefused", "ParameterError", "FINDING_COLUMNS", "FILE_COLUMNS",
    "CHANGE_COLUMNS", "TINDAKAN", "MAX_BYTES", "MAX_ROWS", "MAX_SAMA", "PLAUSIBLE",
]
