"""Every committed notebook is stored clean: no outputs, no execution counts."""

from __future__ import annotations

import json

import pytest

from p3pd_lib.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"laporan_kecamatan.ipynb", "laporan_kabupaten.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs", []) == [], f"{path.name}: sel {i} masih memuat keluaran"
        assert cell.get("execution_count") is None, f"{path.name}: sel {i} masih memuat nomor eksekusi"
    assert "papermill" not in nb.get("metadata", {}), f"{path.name}: metadata papermill dari hasil jalankan ikut tersimpan"
