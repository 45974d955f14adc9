"""Voila settings that JSON cannot express (the declarative ones are in ``voila.json`` at the project root).

This file cannot live at the project root: a ``voila.py`` there shadows the
``voila`` package for any Python started in that folder (``python -m voila``).
``p3pd dashboard`` passes both folders in ``--Voila.config_file_paths``.

With a preheated kernel the notebook cell calling ``query_string()`` (Voila's
``voila.utils.wait_for_request()``)
blocks until a visitor arrives, which may be hours; the 60 s execution timeout of
voila.json would kill that cell and leave the next visitor an empty page. So that
one cell has no timeout; every other cell keeps the limit.
"""

CELL_TIMEOUT_S = 60
#: The first cell builds the app; in a preheated kernel it may also wait for another kernel computing the
#: view it shows (shared views, one computation for all): on a loaded machine that exceeds 60 s, and a
#: timed-out first cell would leave the next visitor an error page.
FIRST_CELL_TIMEOUT_S = 300


def _cell_timeout(cell):
    source = cell.get("source", "")
    if "query_string(" in source:
        return None
    return FIRST_CELL_TIMEOUT_S if "App.from_store(" in source else CELL_TIMEOUT_S


c = get_config()  # noqa: F821  (provided by traitlets when voila loads this file)
c.VoilaExecutor.timeout_func = _cell_timeout
