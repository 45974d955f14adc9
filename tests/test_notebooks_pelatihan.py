"""The workshop notebooks (notebooks/pelatihan): committed clean, parameters as the kit declares, and
every notebook runs headless in answer mode with every exercise answering "Benar"."""

from __future__ import annotations

import ast
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from offline_page import count_charts, offline_page
from p3pd_lib import lokakarya
from p3pd_lib.paths import NOTEBOOKS_DIR

FOLDER = NOTEBOOKS_DIR / "pelatihan"
NAMES = [
    "01_rumah_bersama_layanan_dasar.ipynb",
    "02_membaca_indikator.ipynb",
    "03_klasifikasi_dan_ambang_batas.ipynb",
    "04_belanja_desa_berkualitas.ipynb",
    "05_kuadran_dan_agenda_terpadu.ipynb",
    "06_kualitas_data.ipynb",
    "07_dari_notebook_ke_laporan_dan_dashboard.ipynb",
]
_EXERCISE_CALL = re.compile(r'ws\.check\("(\d\d\.\d+)"')


def _read(name: str):
    return nbformat.read(str(FOLDER / name), as_version=4)


def _tagged(nb, tag: str):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def test_the_seven_notebooks_and_nothing_else():
    assert sorted(p.name for p in FOLDER.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = _read(name)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: sel berisi keluaran"
            assert cell.execution_count is None, f"{name}: sel berisi nomor eksekusi"
    assert "papermill" not in nb.metadata, f"{name}: metadata papermill dari hasil jalankan ikut tersimpan"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_cell_matches_the_kit_model(name):
    cells = _tagged(_read(name), "parameters")
    assert len(cells) == 1, f"{name}: harus ada tepat satu sel bertanda parameters"
    tree = ast.parse(cells[0].source)
    names, annotated = [], []
    for node in tree.body:
        # Literals only, each with a type hint: papermill injects after this cell, derived values come later.
        assert isinstance(node, ast.AnnAssign), f"{name}: sel parameter hanya berisi `nama: tipe = literal`"
        assert isinstance(node.value, ast.Constant), f"{name}: {ast.unparse(node)} bukan literal"
        names.append(node.target.id)
        annotated.append(ast.unparse(node.annotation))
    assert names == list(lokakarya.WorkshopParams.model_fields)
    # Optional[...] rather than `X | None`: papermill --help-notebook cannot parse the latter
    assert annotated == ["str", "int", "Optional[str]", "bool"]
    for line in cells[0].source.splitlines():
        assert "  # " in line, f"{name}: parameter tanpa komentar: {line}"
    defaults = {n: ast.literal_eval(node.value) for n, node in zip(names, tree.body)}
    assert defaults == lokakarya.WorkshopParams().model_dump()


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_hold_no_analysis_logic(name):
    """Prose plus library calls: no functions, classes, loops or direct data-library imports."""
    for cell in _read(name).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda)), \
                f"{name}: logika di notebook: {cell.source[:80]}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert all(m.split(".")[0] in ("p3pd_lib", "IPython", "typing") for m in mods), f"{name}: impor {mods}"


def test_every_exercise_is_asked_once_in_its_notebook():
    seen: dict[str, str] = {}
    for name in NAMES:
        for cell in _tagged(_read(name), "latihan"):
            ids = _EXERCISE_CALL.findall(cell.source)
            assert len(ids) == 1, f"{name}: sel latihan harus memeriksa tepat satu latihan"
            assert ids[0] not in seen, f"latihan {ids[0]} muncul dua kali"
            assert ids[0].startswith(name[:2] + "."), f"latihan {ids[0]} ada di notebook yang salah ({name})"
            assert f'ws.question("{ids[0]}")' in cell.source
            seen[ids[0]] = name
    assert sorted(seen) == sorted(lokakarya.EXERCISES)


# --------------------------------------------------------------------------- headless execution


def _execute(name: str, data_dir: str, out_dir: str) -> dict:
    """Run one notebook with papermill in answer mode (in a worker process); never raises."""
    import papermill as pm

    os.environ[lokakarya.OUTPUT_ENV] = os.path.join(out_dir, "laporan")
    t0 = time.perf_counter()
    error = ""
    for attempt in range(2):
        try:
            nb = pm.execute_notebook(
                str(FOLDER / name), os.path.join(out_dir, name),
                parameters={"data_dir": data_dir, "mode_jawaban": True},
                progress_bar=False, kernel_name="python3", cwd=str(FOLDER), execution_timeout=300,
            )
            break
        except pm.PapermillExecutionError as exc:
            return {"name": name, "error": f"sel {exc.exec_count}: {exc.ename}: {exc.evalue}", "exercises": {}}
        except Exception as exc:  # kernel start collisions on a loaded machine: retry once
            error = f"{type(exc).__name__}: {exc}"
    else:
        return {"name": name, "error": error, "exercises": {}}
    exercises = {}
    for cell in nb.cells:
        if "latihan" in cell.metadata.get("tags", []):
            text = "".join(
                o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs
            )
            exercises[_EXERCISE_CALL.findall(cell.source)[0]] = text
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    stderr = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    return {"name": name, "error": str(errors[0]) if errors else "", "exercises": exercises, "stderr": stderr,
            "detik": time.perf_counter() - t0}


@pytest.fixture(scope="module")
def executed(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("pelatihan")
    # Two kernels at a time (the machine's cores): processes, because papermill changes directory.
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_execute, NAMES, [str(demo_store)] * len(NAMES), [str(out)] * len(NAMES)))
    return {r["name"]: r for r in results}, out


@pytest.mark.slow
def test_every_notebook_runs_headless_in_answer_mode(executed):
    results, out = executed
    failed = {n: r["error"] for n, r in results.items() if r["error"]}
    assert not failed, f"notebook gagal: {failed}"
    noisy = {n: r["stderr"] for n, r in results.items() if r["stderr"]}
    assert not noisy, f"peringatan tampil kepada peserta: {noisy}"
    for name, r in results.items():
        for id_, text in r["exercises"].items():
            assert "Benar" in text, f"{name} latihan {id_}: {text!r}"
    assert sorted(i for r in results.values() for i in r["exercises"]) == sorted(lokakarya.EXERCISES)
    # Notebook 07 ran the kecamatan report with papermill into the folder the test chose.
    laporan = out / "laporan"
    assert (laporan / "33.07.01.ipynb").exists() and (laporan / "_aset" / "plotly.min.js").exists()
    assert "plotly-graph-div" in (laporan / "33.07.01.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_bad_kecamatan_code_stops_with_an_indonesian_message(demo_store, tmp_path):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(FOLDER / NAMES[0]), str(tmp_path / "x.ipynb"),
                            parameters={"kode_kecamatan": "33.07", "data_dir": str(demo_store)},
                            progress_bar=False, kernel_name="python3", cwd=str(FOLDER))
    assert info.value.ename == "ParameterError"
    assert "bukan kode kecamatan" in info.value.evalue


def _draw_offline(page_file: Path) -> tuple[int, int, list[str]]:
    """Open ``page_file`` in headless Chromium with every other request refused; count drawn charts."""
    with offline_page(page_file) as (page, blocked):
        n_plots, n_divs = count_charts(page, 1, settle_ms=500)
    return n_plots, n_divs, blocked


@pytest.mark.slow
def test_exported_workshop_html_draws_its_figures_offline(executed):
    """A trainer exports an executed notebook to HTML (``jupyter nbconvert --to html``, the lab template):
    plotly.js is inside the file once, every figure is drawn with the network refused, and the
    teaching tables have no pandas index column."""
    from nbconvert import HTMLExporter

    from p3pd_lib.surface_check import ringkas, scan_html

    _, out = executed
    name = "05_kuadran_dan_agenda_terpadu.ipynb"
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(out / name), as_version=4))
    page = out / "05.html"
    page.write_text(body, encoding="utf-8")
    assert body.count("* plotly.js v") == 1, "plotly.js harus tersisip tepat sekali"
    assert not re.search(r'<script[^>]*src="https?://cdn\.plot\.ly', body)
    assert "<th></th>" not in body, "tabel pelatihan tanpa kolom indeks pandas"
    n_plots, n_divs, _ = _draw_offline(page)
    assert n_plots == n_divs >= 1, "setiap grafik harus tergambar tanpa jaringan"
    outputs = "".join(o.get("data", {}).get("text/html", "") for c in nbformat.read(str(out / name), as_version=4).cells
                      for o in c.get("outputs", []) if "latihan" not in c.metadata.get("tags", []))
    found = [t for t in scan_html(outputs, name) if t.jenis in ("nilai_logika", "nilai_kosong")]
    assert not found, ringkas(found)
