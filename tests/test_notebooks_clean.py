"""Every committed notebook is stored clean: no outputs, no execution counts."""

from __future__ import annotations

import json

import pytest

from p3pd_lib.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


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


def _parameters_cell(nb: dict) -> str | None:
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return "".join(cell["source"])
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_documents_every_parameter(path):
    """``papermill --help-notebook`` must list every name of the parameters cell, typed and commented."""
    import ast

    import papermill

    source = _parameters_cell(json.loads(path.read_text(encoding="utf-8")))
    if source is None:
        return
    declared = [node.target.id for node in ast.parse(source).body if isinstance(node, ast.AnnAssign)]
    plain = [t.id for node in ast.parse(source).body if isinstance(node, ast.Assign) for t in node.targets]
    assert not plain, f"{path.name}: parameter tanpa anotasi tipe: {plain}"
    inferred = papermill.inspect_notebook(str(path))
    assert list(inferred) == declared, f"{path.name}: papermill tidak mengenali semua parameter"
    for name, info in inferred.items():
        assert info["help"], f"{path.name}: parameter {name} tanpa komentar penjelasan"
