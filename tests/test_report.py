"""Report notebooks and the batch (``p3pd laporan``: papermill + nbconvert on Dask).

One batch over three kecamatan of the demo kabupaten (two real ones and a code
that is not in the data) is run once per module and inspected by several
tests; the slow tests then re-run it (a damaged output is made again), add
another year and another kecamatan to the same folder (the index keeps them
all), open a report in headless Chromium (shared and single-file), print a
PDF, run on an explicitly started Dask cluster and through plain papermill.
Stopping a batch is tested in ``test_report_pool.py``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from offline_page import count_charts, offline_page
from p3pd_lib import params, render, report
from p3pd_lib.batch import export, outputs, plan
from p3pd_lib.errors import ParameterError
from p3pd_lib.paths import NOTEBOOKS_DIR, PARAMETERS_DIR, PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
KEC_OK = ["33.07.01", "33.07.02"]
KEC_BAD = "33.07.99"  # well-formed, not in the data: the notebook must refuse it in Indonesian
MAX_HTML = 150 * 1024


# --- parameters --------------------------------------------------------------------------------


def _parameters_cell_names(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: harus tepat satu sel bertanda 'parameters'"
    tree = ast.parse(cells[0].source)
    names = []
    for node in tree.body:
        # literals only, each with a type hint: papermill --help-notebook documents them
        assert isinstance(node, ast.AnnAssign), f"{path.name}: setiap parameter ditulis 'nama: tipe = nilai'"
        assert isinstance(node.value, ast.Constant), f"{path.name}: parameter {ast.unparse(node.target)} bukan literal"
        names.append(node.target.id)
    lines = [ln for ln in cells[0].source.splitlines() if ln.strip()]
    assert all("#" in ln for ln in lines), f"{path.name}: setiap parameter diberi komentar"
    return names


@pytest.mark.parametrize(
    "notebook,model",
    [("laporan_kecamatan.ipynb", params.KecamatanReportParams), ("laporan_kabupaten.ipynb", params.KabupatenReportParams)],
)
def test_parameters_cell_and_model_name_the_same_fields(notebook, model):
    names = _parameters_cell_names(NOTEBOOKS_DIR / notebook)
    assert len(names) == len(set(names))
    assert set(names) == set(model.model_fields)


def test_example_parameter_files_match_the_models():
    import yaml

    kec = yaml.safe_load((PARAMETERS_DIR / "laporan_contoh.yaml").read_text(encoding="utf-8"))
    kab = yaml.safe_load((PARAMETERS_DIR / "laporan_kabupaten_contoh.yaml").read_text(encoding="utf-8"))
    assert params.validate_parameters(params.KecamatanReportParams, kec).kode_kecamatan == "33.07.01"
    assert params.validate_parameters(params.KabupatenReportParams, kab).kode_kabupaten == "33.07"


@pytest.mark.parametrize(
    "values,fragment",
    [
        ({"kode_kecamatan": "33.07.01", "warna": "merah"}, "Parameter tidak dikenal: warna"),
        ({"kode_kecamatan": "33.07"}, "bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01; ini kode kabupaten)"),
        ({"kode_kecamatan": "33.07.01", "tahun": "dua ribu"}, "tahun: harus bilangan bulat"),
        ({"kode_kecamatan": "33.07.01", "tahun": 1890}, "di luar rentang"),
        ({"tahun": 2024}, "kode_kecamatan: wajib diisi"),
        ({"kode_kecamatan": "33.07.01", "pembagi_belanja": 140}, "0–100"),
    ],
)
def test_parameter_errors_are_indonesian(values, fragment):
    with pytest.raises(ParameterError) as err:
        params.validate_parameters(params.KecamatanReportParams, values)
    assert fragment in str(err.value)


def test_namespace_validation_catches_injected_names():
    before = {"In", "Out", "get_ipython"}
    ns = {"In": [], "Out": {}, "get_ipython": print, "kode_kecamatan": "33.07.01", "tahun": None,
          "kode_kecamtan": "33.07.02", "_i4": "x", "pd": pd}
    with pytest.raises(ParameterError, match="Parameter tidak dikenal: kode_kecamtan"):
        params.from_namespace(params.KecamatanReportParams, ns, before)


def test_kecamatan_not_in_data_is_refused_with_the_list():
    with pytest.raises(ParameterError, match=r"Kecamatan 33\.07\.99 tidak ada dalam data\. .*33\.07\.01, 33\.07\.02"):
        params.check_kecamatan_in("33.07.99", ["33.07.02", "33.07.01"])


# --- small pieces --------------------------------------------------------------------------------


def test_render_escapes_data_text():
    df = pd.DataFrame({"nama_desa": ["<script>alert(1)</script>"], "nilai": [1.0], "kelas": ["merah"]})
    out = str(render.table(df, {"nama_desa": "Desa", "nilai": "Nilai"}, {"nilai": "persen"}, "kelas", ["nilai"]))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert 'class="num kl-merah">1,0%<' in out


def test_index_escapes_groups_by_year_and_lists_status():
    entries = [
        {"tahun": 2025, "jenis": "kecamatan", "kode": "33.07.01", "nama": "<b>A</b>", "status": "berhasil",
         "html": "2025/33.07/33.07.01.html"},
        {"tahun": 2025, "jenis": "kecamatan", "kode": "33.07.99", "nama": "X", "status": "gagal", "galat": "ParameterError: <x>"},
        {"tahun": 2024, "jenis": "kabupaten", "kode": "33.07", "nama": "Wonosobo", "status": "berhasil",
         "html": "2024/33.07/kabupaten_33.07.html"},
    ]
    page = report.index_html(entries, {"simulasi": True})
    assert "&lt;b&gt;A&lt;/b&gt;" in page and "<b>A</b>" not in page
    assert 'href="2025/33.07/33.07.01.html"' in page and "ParameterError: &lt;x&gt;" in page
    assert "DATA SIMULASI" in page and 'id="cari"' in page
    assert page.index("Tahun 2025") < page.index("33.07.01") < page.index("Tahun 2024") < page.index("kabupaten_33.07")


def test_write_atomic_and_sweep(tmp_path):
    target = tmp_path / "a" / "x.html"
    report.write_atomic(target, "<html></html>")
    assert target.read_text() == "<html></html>"
    stray = target.with_name(".x.tmp123-4.html")
    stray.write_text("separuh")
    assert report.sweep_temporary(tmp_path) == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.html"]


def test_task_key_changes_with_each_input():
    base = dict(notebook=report.NOTEBOOK_KECAMATAN, parameters={"kode_kecamatan": "33.07.01"},
                data_fingerprint="a", code_fp="b", pdf=False)
    k = report.task_key(**base)
    assert k == report.task_key(**base)
    for change in ({"parameters": {"kode_kecamatan": "33.07.02"}}, {"data_fingerprint": "c"}, {"code_fp": "d"},
                   {"pdf": True}, {"mandiri": True}):
        assert report.task_key(**{**base, **change}) != k


def _task(tmp_path, kode="33.07.01", tahun=2025):
    return plan.Task("kecamatan", kode, "A", kode[:5], "K", "P", tahun, str(report.NOTEBOOK_KECAMATAN), str(tmp_path),
                     "/data", {}, key="k1")


def test_up_to_date_needs_the_same_key_and_every_file_with_its_hash(tmp_path):
    task = _task(tmp_path)
    files = {rel: f"isi {kind}".encode() for kind, rel in task.outputs().items()}
    for rel, data in files.items():
        report.write_atomic(tmp_path / rel, data)
    record = {"status": "berhasil", "kunci": "k1", "sha256": {rel: plan.sha256_bytes(d) for rel, d in files.items()}}
    assert report.up_to_date(record, task, tmp_path)
    assert not report.up_to_date({**record, "kunci": "k2"}, task, tmp_path)  # inputs changed
    assert not report.up_to_date({**record, "status": "gagal"}, task, tmp_path)
    html = tmp_path / task.outputs()["html"]
    html.write_bytes(files[task.outputs()["html"]][:-2])  # truncated
    assert not report.up_to_date(record, task, tmp_path)
    html.unlink()
    assert not report.up_to_date(record, task, tmp_path)


def test_every_output_path_starts_with_the_year(tmp_path):
    a, b = _task(tmp_path, tahun=2024), _task(tmp_path, tahun=2025)
    assert a.outputs()["html"] == "2024/33.07/33.07.01.html" and b.outputs()["xlsx"] == "2025/33.07/33.07.01.xlsx"
    assert not set(a.outputs().values()) & set(b.outputs().values())
    assert outputs.record_path(tmp_path, a) != outputs.record_path(tmp_path, b)


def test_groups_keep_a_kabupaten_together_and_its_report_last():
    def t(jenis, kode):
        return plan.Task(jenis, kode, kode, kode[:5], "", "", 2025, "", "", "", {})

    tasks = [t("kabupaten", "33.08"), t("kecamatan", "33.08.01"), *[t("kecamatan", f"33.07.{i:02d}") for i in range(1, 9)],
             t("kabupaten", "33.07"), *[t("kecamatan", f"35.01.{i:02d}") for i in range(1, 4)]]
    one = plan.groups(tasks, 1)  # 14 reports, 1 worker: pieces of at most 4
    assert sorted((x.jenis, x.kode) for g in one for x in g) == sorted((x.jenis, x.kode) for x in tasks)
    assert all(len({x.kode_kabupaten for x in g}) == 1 for g in one)
    assert [len(g) for g in one] == sorted((len(g) for g in one), reverse=True)  # largest first
    kab_07 = [x.kode for g in one for x in g if x.kode_kabupaten == "33.07"]
    assert kab_07 == [f"33.07.{i:02d}" for i in range(1, 9)] + ["33.07"]
    assert [[x.kode for x in g] for g in plan.groups(tasks[:2], 1)] == [["33.08.01"], ["33.08"]]
    big = [t("kecamatan", f"11.{k:02d}.{i:02d}") for k in range(1, 30) for i in range(1, 20)]
    assert len(plan.groups(big, 2)) == 29  # many reports per worker: every kabupaten stays whole


def test_the_provinces_of_a_run_scope_the_kernels_data(demo_store):
    idx = report.store_index(demo_store)
    tasks = report.make_tasks(idx, ["33.07.01"], ["33.07"], [], False, 2025, Path("/tmp/x"), demo_store)
    assert plan.provinces_needed(tasks, idx.wilayah) == []  # the store's only province: read it whole
    bigger = pd.concat([idx.wilayah, idx.wilayah.assign(kode_kecamatan="11.01.01")])
    assert plan.provinces_needed(tasks, bigger) == ["33"]
    missing = report.make_tasks(idx, ["33.07.99"], [], [], False, 2025, Path("/tmp/x"), demo_store)
    assert plan.provinces_needed(missing, idx.wilayah) == []  # the whole store: its error lists what exists


def test_parameters_carry_no_server_path(demo_store, tmp_path):
    idx = report.store_index(demo_store)
    for t in report.make_tasks(idx, ["33.07.01"], ["33.07"], [], False, 2025, tmp_path, demo_store):
        text = json.dumps(dict(t.parameters))
        assert str(tmp_path) not in text and str(demo_store) not in text and "/" not in text.replace("33.07/", "")


def test_the_warm_kernel_engine_is_registered_with_papermill():
    import tomllib

    from papermill.engines import papermill_engines

    from p3pd_lib.batch import kernel

    assert papermill_engines.get_engine(kernel.ENGINE_NAME) is kernel.WarmKernelEngine
    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["papermill.engine"][kernel.ENGINE_NAME] == "p3pd_lib.batch.kernel:WarmKernelEngine"


def test_selection_errors_are_indonesian(demo_store, tmp_path):
    with pytest.raises(ParameterError, match="Pilih wilayah"):
        report.run_batch(output_dir=tmp_path, data_dir=demo_store)
    with pytest.raises(ParameterError, match="bukan kode kecamatan yang sah"):
        report.run_batch(kecamatan=["33-07-01"], output_dir=tmp_path, data_dir=demo_store)
    with pytest.raises(ParameterError, match="Kabupaten/kota 33.99 tidak ada dalam data"):
        report.run_batch(kabupaten=["33.99"], output_dir=tmp_path, data_dir=demo_store)
    with pytest.raises(ParameterError, match="Tidak ada data untuk tahun 1999"):
        report.run_batch(kecamatan=KEC_OK, tahun=1999, output_dir=tmp_path, data_dir=demo_store)


# --- the batch ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("laporan")
    return report.run_batch(kecamatan=[*KEC_OK, KEC_BAD], output_dir=out, data_dir=demo_store, workers=2, progress=False)


def _entry(result_or_dir, kode, tahun=None):
    if isinstance(result_or_dir, Path):
        entries = json.loads((result_or_dir / "manifest.json").read_text(encoding="utf-8"))["laporan"]
    else:
        entries = result_or_dir.entries
    return next(e for e in entries if e["kode"] == kode and (tahun is None or e["tahun"] == tahun))


def _kec_dir(result) -> Path:
    return result.output_dir / str(result.tahun) / "33.07"


@pytest.mark.slow
def test_batch_writes_every_output(batch):
    out, kec = batch.output_dir, _kec_dir(batch)
    assert batch.count("berhasil") == 2 and batch.count("gagal") == 1
    for kode in KEC_OK:
        html = (kec / f"{kode}.html").read_text(encoding="utf-8")
        assert html.rstrip().endswith("</html>")
        assert len(html.encode()) < MAX_HTML, f"{kode}: {len(html.encode())} bita"
        assert 'src="../../_aset/plotly.min.js"' in html and 'href="../../_aset/laporan.css"' in html
        assert "cdn.plot.ly" not in html and "https://" not in html.split("<body>")[1][:2000]
        assert "DATA SIMULASI" in html and "¶" not in html
        assert "render.show(" not in html and "kecamatan_view(" not in html, "kode sel tidak boleh tampil"
        assert html.count('class="plotly-graph-div"') >= 8
        for section in ("Angka kunci", "Capaian layanan dasar", "Tren dari tahun ke tahun", "Belanja desa",
                        "Kuadran kebutuhan vs belanja", "Usulan masyarakat: kebutuhan, usulan dan anggaran",
                        "Agenda terpadu", "Kualitas data", "Lampiran: kamus indikator"):
            assert section in html
        assert "sidik data" in html
        assert "Kebutuhan belum tersuarakan" in html and "kl-biru" in html  # the class legend of the demand side
        nb = nbformat.read(kec / f"{kode}.ipynb", as_version=4)
        assert nb.metadata.papermill["parameters"]["kode_kecamatan"] == kode
        assert nb.metadata.papermill["input_path"] == "notebooks/laporan_kecamatan.ipynb"
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
        assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
        wb = openpyxl.load_workbook(kec / f"{kode}.xlsx", read_only=True)
        assert {"Ringkasan", "Capaian desa", "Agenda terpadu", "Kamus indikator"} <= set(wb.sheetnames)
        assert sum(1 for s in wb.sheetnames if s.startswith("Evaluasi ")) >= 10
    assert (out / "_aset" / "plotly.min.js").stat().st_size > 1_000_000
    assert not list(out.rglob("plotly.min.js"))[1:], "plotly.js hanya satu salinan"
    assert not [p for p in out.rglob("*") if report.is_tmp(p)], "tidak boleh ada berkas sementara"


@pytest.mark.slow
def test_printed_report_opens_with_its_summary_and_has_no_hover_text(batch):
    from p3pd_lib.surface_check import ringkas, scan_html

    html = (_kec_dir(batch) / f"{KEC_OK[0]}.html").read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]
    hover = [t for t in scan_html(html, "laporan", cetak=True) if t.jenis == "petunjuk_layar"]
    assert not hover, ringkas(hover)
    assert "Arahkan tetikus" in body, "petunjuk layar tetap tampil di layar"
    start = body.index('class="ringkasan-laporan"')
    sections = [body.index(s) for s in ("Capaian layanan dasar", "Belanja desa", "Agenda terpadu", "Kualitas data")]
    assert start < min(sections), "ringkasan dua halaman harus paling depan"
    assert body.count('class="ringkasan-halaman') == 2
    agenda_part = body[body.index("Agenda terpadu"):body.index("Kualitas data")]
    assert '<div class="layar-saja"><h3>Daftar agenda terpadu' in agenda_part  # the full list: screen only
    printed_codes = [t for t in scan_html(html, "laporan", cetak=True) if t.jenis in ("kode_tanpa_nama", "nilai_logika")]
    assert not printed_codes, ringkas(printed_codes)


@pytest.mark.slow
def test_manifest_and_index_report_status_hashes_and_failure(batch):
    out = batch.output_dir
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["jalankan"]["tahun"] == batch.tahun and data["jalankan"]["simulasi"] is True
    bad = _entry(out, KEC_BAD)
    assert bad["status"] == "gagal"
    assert bad["galat"].startswith("ParameterError: Kecamatan 33.07.99 tidak ada dalam data.")
    nb = nbformat.read(out / bad["notebook_gagal"], as_version=4)
    assert "check_kecamatan_in" in nb.cells[bad["sel_gagal"]].source
    assert not (_kec_dir(batch) / f"{KEC_BAD}.html").exists()
    ok = _entry(out, KEC_OK[0])
    assert ok["status"] == "berhasil" and ok["durasi_detik"] > 0 and ok["html"] == f"{batch.tahun}/33.07/{KEC_OK[0]}.html"
    for rel, digest in ok["sha256"].items():  # the recorded content hash of every file
        assert plan.sha256_bytes((out / rel).read_bytes()) == digest
    assert set(ok["sha256"]) == {ok["html"], ok["ipynb"], ok["xlsx"]}
    csv = pd.read_csv(out / "manifest.csv", dtype=str)
    assert set(csv["kode"]) == {*KEC_OK, KEC_BAD} and set(csv["status"]) == {"berhasil", "gagal"}
    index = (out / "index.html").read_text(encoding="utf-8")
    for kode in (*KEC_OK, KEC_BAD):
        assert kode in index
    assert f'href="{batch.tahun}/33.07/33.07.01.html"' in index and "status-gagal" in index and 'type="search"' in index
    assert "GAGAL 33.07.99" in batch.summary()


def _server_paths(demo_store, out):
    return [str(demo_store), str(out), str(PROJECT_ROOT), sys.prefix, str(Path.home()), "/tmp/"]


@pytest.mark.slow
def test_no_output_holds_a_server_path(batch, demo_store):
    out = batch.output_dir
    found = []
    for p in out.rglob("*"):
        if not p.is_file() or p.parent.name == "_aset":
            continue
        if p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            text = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
            wb.close()
        else:
            text = p.read_text(encoding="utf-8")
        found += [(p.relative_to(out), s) for s in _server_paths(demo_store, out) if s in text]
    assert found == []
    page = (_kec_dir(batch) / f"{KEC_OK[0]}.html").read_text(encoding="utf-8")
    assert "Parameter: " in page and "kode_kecamatan=&#x27;33.07.01&#x27;" in page


@pytest.mark.slow
def test_rerun_skips_up_to_date_and_remakes_damaged_outputs(batch, demo_store):
    out, kec = batch.output_dir, _kec_dir(batch)
    before = {k: _entry(out, k) for k in (*KEC_OK, KEC_BAD)}
    again = report.run_batch(kecamatan=[*KEC_OK, KEC_BAD], output_dir=out, data_dir=demo_store, workers=1, progress=False)
    assert again.count("terkini") == 2 and again.count("gagal") == 1
    after = {k: _entry(out, k) for k in (*KEC_OK, KEC_BAD)}
    assert after[KEC_OK[0]]["selesai"] == before[KEC_OK[0]]["selesai"]  # skipped: not run again
    assert after[KEC_BAD]["selesai"] >= before[KEC_BAD]["selesai"] and after[KEC_BAD]["galat"]  # retried
    # A truncated HTML and a corrupted workbook (same size, other bytes) are made again.
    html = kec / f"{KEC_OK[0]}.html"
    html.write_bytes(html.read_bytes()[:5000])
    xlsx = kec / f"{KEC_OK[1]}.xlsx"
    xlsx.write_bytes(b"\0" * xlsx.stat().st_size)
    third = report.run_batch(kecamatan=KEC_OK, output_dir=out, data_dir=demo_store, workers=2, progress=False)
    assert third.count("berhasil") == 2 and third.count("terkini") == 0
    assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    openpyxl.load_workbook(xlsx, read_only=True).close()


@pytest.mark.slow
def test_two_years_side_by_side_and_a_cumulative_index(batch, demo_store):
    out = batch.output_dir
    earlier = batch.tahun - 1
    kept = {p: p.read_bytes() for p in (out / str(batch.tahun)).rglob("*") if p.is_file()}
    prev = report.run_batch(kecamatan=[KEC_OK[0]], tahun=earlier, output_dir=out, data_dir=demo_store, workers=1,
                            progress=False)
    more = report.run_batch(kecamatan=["33.07.03"], output_dir=out, data_dir=demo_store, workers=1, progress=False)
    assert prev.count("berhasil") == 1 and more.count("berhasil") == 1
    assert (out / str(earlier) / "33.07" / f"{KEC_OK[0]}.html").exists()
    for p, data in kept.items():  # the other year's run touched none of this year's files
        if "_catatan" not in p.parts:
            assert p.read_bytes() == data, p
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["laporan"]
    listed = {(e["tahun"], e["kode"]) for e in entries}
    assert {(batch.tahun, k) for k in (*KEC_OK, KEC_BAD, "33.07.03")} | {(earlier, KEC_OK[0])} <= listed
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index(f"Tahun {batch.tahun}") < index.index(f"Tahun {earlier}")
    for rel in (f"{batch.tahun}/33.07/33.07.02.html", f"{batch.tahun}/33.07/33.07.03.html", f"{earlier}/33.07/33.07.01.html"):
        assert f'href="{rel}"' in index
    # A report deleted by hand leaves the index on the next run.
    (out / str(earlier) / "33.07" / f"{KEC_OK[0]}.html").unlink()
    report.run_batch(kecamatan=["33.07.03"], output_dir=out, data_dir=demo_store, workers=1, progress=False)
    assert f'href="{earlier}/33.07/33.07.01.html"' not in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_corrupted_input_fails_cleanly_then_recovers(demo_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    out = tmp_path / "out"
    first = report.run_batch(kecamatan=[KEC_OK[0]], output_dir=out, data_dir=store, workers=1, progress=False)
    assert first.count("berhasil") == 1
    layanan = store / "processed" / "layanan.parquet"
    good = layanan.read_bytes()
    layanan.write_bytes(b"bukan parquet")
    meta = json.loads((store / "processed" / "meta.json").read_text())
    (store / "processed" / "meta.json").write_text(json.dumps({**meta, "fingerprint": "rusak"}))
    with pytest.raises(Exception, match="tidak dapat dibaca"):
        report.run_batch(kecamatan=[KEC_OK[0]], output_dir=out, data_dir=store, workers=1, progress=False)
    layanan.write_bytes(good)
    (store / "processed" / "meta.json").write_text(json.dumps(meta))
    again = report.run_batch(kecamatan=[KEC_OK[0]], output_dir=out, data_dir=store, workers=1, progress=False)
    assert again.count("terkini") == 1


@pytest.mark.slow
def test_kabupaten_report_on_a_warm_kernel_outside_dask(batch, demo_store):
    """The engine and the report task work in any process: here the test's own, with one kernel."""
    from p3pd_lib.batch import kernel, worker

    out = batch.output_dir
    idx = report.store_index(demo_store)
    task = report.make_tasks(idx, [], ["33.07"], [], False, batch.tahun, out, demo_store, kecamatan_reports=False)[0]
    k = kernel.WarmKernel({"P3PD_DATA_DIR": str(demo_store), "P3PD_LAPORAN_BATCH": "1"})
    try:
        entry = worker.run_report(k, export.html_exporter(), task)
        pid = k.pid
    finally:
        k.close()
    assert entry["status"] == "berhasil", entry["galat"]
    html = (out / entry["html"]).read_text(encoding="utf-8")
    assert 'href="33.07.01.html"' in html and "Peringkat kecamatan" in html
    assert len(html.encode()) < MAX_HTML
    assert pid and _gone(pid), "kernel harus berhenti"


def _gone(pid: int) -> bool:
    """The process ended (or is a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


# --- browser, PDF, Dask, papermill --------------------------------------------------------------------------


def _draw_offline(page_file: Path) -> tuple[int, int, list[str]]:
    """Open ``page_file`` in headless Chromium with every request but its own shared files refused; count drawn charts."""
    def allow(url: str) -> bool:
        return url == page_file.as_uri() or (url.startswith("file://") and "_aset" in url)

    with offline_page(page_file, allow) as (page, blocked):
        n_plots, n_divs = count_charts(page, 8)
    return n_plots, n_divs, blocked


@pytest.mark.slow
def test_report_draws_its_plots_offline_in_chromium(batch):
    n_plots, n_divs, blocked = _draw_offline(_kec_dir(batch) / f"{KEC_OK[0]}.html")
    assert n_plots == n_divs >= 8, "setiap grafik harus tergambar"
    assert blocked == [], f"laporan meminta jaringan: {blocked}"


@pytest.mark.slow
def test_single_file_report_opened_alone_draws_its_charts(demo_store, tmp_path):
    out = tmp_path / "out"
    result = report.run_batch(kecamatan=[KEC_OK[1]], output_dir=out, data_dir=demo_store, workers=1, progress=False,
                              mandiri=True)
    assert result.count("berhasil") == 1
    alone = tmp_path / "dikirim" / "laporan.html"  # nothing else in its folder, no _aset anywhere near
    alone.parent.mkdir()
    shutil.copyfile(out / _entry(result, KEC_OK[1])["html"], alone)
    text = alone.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="[^"]*_aset/', text) and "<style>" in text
    assert len(text) > 3_000_000  # plotly.js inlined
    n_plots, n_divs, blocked = _draw_offline(alone)
    assert n_plots == n_divs >= 8, "setiap grafik harus tergambar"
    assert blocked == [], f"laporan meminta berkas lain: {blocked}"


@pytest.mark.slow
def test_pdf_is_printed_on_a4(batch, tmp_path):
    pdf = tmp_path / "laporan.pdf"
    report.print_pdf(_kec_dir(batch) / f"{KEC_OK[0]}.html", pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data  # A4 width in points
    from pypdf import PdfReader

    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages]
    # The two-page summary: page 1 key figures and desa needing attention, page 2 breaches and top agenda.
    assert "Angka kunci" in pages[0] and "Desa yang perlu perhatian lebih dulu" in pages[0]
    assert "Pelanggaran aturan belanja" not in pages[0]
    assert "Pelanggaran aturan belanja" in pages[1] and "agenda terpenting" in pages[1]
    assert "Capaian layanan dasar" not in pages[1] and "Capaian layanan dasar" in pages[2]  # next section: new page
    assert all(len(p) > 40 for p in pages), "tidak boleh ada halaman kosong (termasuk halaman terakhir)"
    assert not any("Arahkan tetikus" in p for p in pages)


@pytest.mark.slow
def test_scheduler_address_of_an_explicitly_started_cluster(demo_store, tmp_path):
    from distributed import Client, LocalCluster

    from p3pd_lib.batch.worker import PLUGIN_NAME

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = report.run_batch(kecamatan=["33.07.03"], output_dir=tmp_path, data_dir=demo_store,
                                  scheduler=cluster.scheduler_address, progress=False)
        with Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
            plugged = set(client.run(lambda dask_worker: PLUGIN_NAME in dask_worker.plugins).values())
    e = _entry(result, "33.07.03")
    assert e["status"] == "berhasil", e.get("galat")
    assert int(e["pekerja"].split(":")[1]) in worker_pids and result.n_workers == 1
    assert plugged == {False}, "kernel pekerja harus dimatikan setelah batch"
    kec = tmp_path / str(result.tahun) / "33.07"
    assert (kec / "33.07.03.html").exists() and (kec / "33.07.03.xlsx").exists()


@pytest.mark.slow
def test_plain_papermill_runs_the_example(demo_store, tmp_path):
    out = tmp_path / "out.ipynb"
    cmd = [str(VENV_BIN / "papermill"), str(NOTEBOOKS_DIR / "laporan_kecamatan.ipynb"), str(out),
           "-f", str(PARAMETERS_DIR / "laporan_contoh.yaml"), "-p", "data_dir", str(demo_store), "--no-progress-bar"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill["parameters"]["kode_kecamatan"] == "33.07.01"
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Laporan Kecamatan Wadaslintang" in shown


@pytest.mark.slow
def test_plain_papermill_refuses_an_unknown_parameter(demo_store, tmp_path):
    cmd = [str(VENV_BIN / "papermill"), str(NOTEBOOKS_DIR / "laporan_kecamatan.ipynb"), str(tmp_path / "o.ipynb"),
           "-p", "data_dir", str(demo_store), "-p", "kode_kecamtan", "33.07.02", "--no-progress-bar"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "Parameter tidak dikenal: kode_kecamtan" in proc.stderr + proc.stdout


def test_batch_plans_from_the_region_list_without_loading_the_store(demo_store, tmp_path, monkeypatch):
    from p3pd_lib import session, store

    full = store.load_dataset(demo_store)
    idx = report.store_index(demo_store)
    pd.testing.assert_frame_equal(idx.wilayah, full.wilayah)
    assert (idx.years(), idx.fingerprint, idx.simulasi) == (full.years(), full.fingerprint, full.simulasi)

    def no_full_load(*_a, **_k):
        raise AssertionError("run_batch must not load the whole store in the main process")

    monkeypatch.setattr(store, "load_dataset", no_full_load)
    monkeypatch.setattr(session, "dataset", no_full_load)
    with pytest.raises(ParameterError, match="Tidak ada data untuk tahun 1999"):
        report.run_batch(kecamatan=KEC_OK, tahun=1999, output_dir=tmp_path, data_dir=demo_store)
    with pytest.raises(ParameterError, match="Kabupaten/kota 33.99 tidak ada dalam data"):
        report.run_batch(kabupaten=["33.99"], output_dir=tmp_path, data_dir=demo_store)
