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


def _cell_timeout(cell):
    return None if "query_string(" in cell.get("source", "") else CELL_TIMEOUT_S


c = get_config()  # noqa: F821  (provided by traitlets when voila loads this file)
c.VoilaExecutor.timeout_func = _cell_timeout
