"""The output folder of the batch: atomic files, per-report records, the manifest and the index.

Layout (the year comes first, so a 2024 run never touches 2025)::

    index.html                      every report present, grouped by year, searchable
    manifest.json, manifest.csv     the same list: status, duration, files and their sha256
    _aset/                          ONE copy of plotly.js, the CSS and the figure script
    2025/33.07/33.07.01.html        the report without code cells (.ipynb, .xlsx, .pdf beside it)
    2025/33.07/kabupaten_33.07.html the kabupaten's kecamatan side by side
    2025/_gagal/33.07.99.ipynb      the executed notebook of a failed report
    2025/_catatan/33.07.01.json     the record of one report (its manifest entry)

Each report's record is written by the worker that made it, after its files;
the manifest and the index are rebuilt from the records on disk, so they list
every report of every run, kabupaten and year, also after an interrupted run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .plan import TEMPLATES_DIR, Task, sha256_bytes

ASET_DIR = "_aset"
GAGAL_DIR = "_gagal"
CATATAN_DIR = "_catatan"
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
INDEX_HTML = "index.html"

#: Status words of the manifest (user-visible, Indonesian).
BERHASIL, GAGAL, TERKINI, BELUM = "berhasil", "gagal", "terkini", "belum"

MANIFEST_FIELDS = [
    "tahun", "jenis", "kode", "nama", "kode_kabupaten", "nama_kabupaten", "nama_provinsi", "status",
    "durasi_detik", "sel_gagal", "galat", "html", "ipynb", "xlsx", "pdf", "notebook_gagal",
    "percobaan", "pekerja", "selesai", "kunci",
]


# --- atomic files ----------------------------------------------------------------------------------


def tmp_name(final: Path) -> Path:
    """A temporary name in the final folder, keeping the suffix (Chromium needs ``.html``)."""
    return final.with_name(f".{final.stem}.tmp{os.getpid()}-{threading.get_ident() % 100000}{final.suffix}")


def is_tmp(p: Path) -> bool:
    """Whether ``p`` is a temporary file of an unfinished write.

    >>> is_tmp(Path(".33.07.01.tmp12-3.html")), is_tmp(Path("33.07.01.html"))
    (True, False)
    """
    return p.name.startswith(".") and ".tmp" in p.name


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(path)
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def commit(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Rename every temporary file into place, SIGINT/SIGTERM held back meanwhile (POSIX)."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        for tmp, final in pairs:
            os.replace(tmp, final)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def sweep_temporary(output_dir: Path) -> int:
    """Remove temporary files an interrupted run left behind; return how many."""
    n = 0
    if output_dir.exists():
        for p in output_dir.rglob(".*.tmp*"):
            if p.is_file() and is_tmp(p):
                p.unlink(missing_ok=True)
                n += 1
    return n


def file_sha256(path: Path) -> str | None:
    """sha256 of a file's content, ``None`` when it does not exist."""
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


# --- shared files ------------------------------------------------------------------------------------


def plotly_js_path() -> Path:
    """The plotly.js bundled with the installed plotly package (offline)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def asset_texts() -> dict[str, str]:
    """The shared files of the reports by name: stylesheet and figure script."""
    from ..render import FIGURE_SCRIPT, figure_script

    return {"laporan.css": (TEMPLATES_DIR / "laporan.css").read_text(encoding="utf-8"), FIGURE_SCRIPT: figure_script()}


def write_assets(output_dir: Path) -> None:
    """Write the shared plotly.js, CSS and figure script once into ``<output>/_aset``."""
    aset = output_dir / ASET_DIR
    aset.mkdir(parents=True, exist_ok=True)
    src_js, js = plotly_js_path(), aset / "plotly.min.js"
    if not js.exists() or js.stat().st_size != src_js.stat().st_size:
        tmp = tmp_name(js)
        shutil.copyfile(src_js, tmp)
        os.replace(tmp, js)
    for name, text in asset_texts().items():
        target = aset / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_atomic(target, text)


# --- records: one per report --------------------------------------------------------------------------


def record_path(output_dir: Path, task: Task) -> Path:
    """Where the record of ``task`` lives."""
    return output_dir / str(task.tahun) / CATATAN_DIR / f"{task.kode}.json"


def write_record(output_dir: Path, task: Task, entry: Mapping[str, Any]) -> None:
    """Write the record (manifest entry with the files' sha256) of one report."""
    write_atomic(record_path(output_dir, task), json.dumps(dict(entry), ensure_ascii=False, indent=1, default=str))


def read_records(output_dir: Path) -> dict[tuple[int, str, str], dict[str, Any]]:
    """Every report record under ``output_dir``, by (tahun, jenis, kode); unreadable records are skipped."""
    found = {}
    for p in sorted(output_dir.glob(f"*/{CATATAN_DIR}/*.json")):
        try:
            e = json.loads(p.read_text(encoding="utf-8"))
            found[(int(e["tahun"]), str(e["jenis"]), str(e["kode"]))] = e
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def up_to_date(record: Mapping[str, Any] | None, task: Task, output_dir: Path) -> bool:
    """A report is up to date when its inputs are unchanged (same key) and every file still has its recorded sha256.

    So a truncated HTML or a damaged workbook is made again on the next run.
    """
    if not record or record.get("status") not in (BERHASIL, TERKINI) or record.get("kunci") != task.key:
        return False
    hashes = record.get("sha256") or {}
    return all(rel in hashes and file_sha256(output_dir / rel) == hashes[rel] for rel in task.outputs().values())


def present(records: Iterable[Mapping[str, Any]], output_dir: Path) -> list[dict[str, Any]]:
    """The records whose report is on disk (every file present) or that failed; ordered by year, kind and code."""
    keep = []
    for e in records:
        files = [e.get(k) for k in ("html", "ipynb", "xlsx", "pdf") if e.get(k)]
        if e.get("status") == GAGAL or (files and all((output_dir / f).exists() for f in files)):
            keep.append(dict(e))
    return sorted(keep, key=lambda e: (-int(e.get("tahun", 0)), e.get("jenis") != "kabupaten", str(e.get("kode", ""))))


# --- manifest and index -------------------------------------------------------------------------------


def write_manifest(output_dir: Path, entries: Sequence[Mapping[str, Any]], info: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` (entries with their files' sha256) and ``manifest.csv`` atomically."""
    data = {"jalankan": dict(info), "laporan": [dict(e) for e in entries]}
    write_atomic(output_dir / MANIFEST_JSON, json.dumps(data, ensure_ascii=False, indent=1, default=str))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=MANIFEST_FIELDS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for e in entries:
        w.writerow({k: ("" if e.get(k) is None else e.get(k)) for k in MANIFEST_FIELDS})
    write_atomic(output_dir / MANIFEST_CSV, buf.getvalue())


def index_html(entries: Sequence[Mapping[str, Any]], info: Mapping[str, Any]) -> str:
    """The index page: every report by year, name and code with its status, searchable offline."""
    from ..render import badge_simulasi, esc, page

    status_label = {BERHASIL: "berhasil", TERKINI: "terkini", GAGAL: "gagal", BELUM: "belum dibuat"}
    head = "<tr><th>Kode</th><th>Nama</th><th>Kabupaten/Kota</th><th>Provinsi</th><th>Status</th><th>Berkas</th></tr>"

    def links(e: Mapping[str, Any]) -> str:
        parts = []
        for kind, label in (("html", "Laporan"), ("xlsx", "Excel"), ("pdf", "PDF"), ("ipynb", "Notebook")):
            if e.get(kind) and e.get("status") in (BERHASIL, TERKINI):
                parts.append(f'<a href="{esc(e[kind])}">{label}</a>')
        if e.get("notebook_gagal") and e.get("status") == GAGAL:
            parts.append(f'<a href="{esc(e["notebook_gagal"])}">Notebook gagal</a>')
        return " · ".join(parts)

    def row(e: Mapping[str, Any]) -> str:
        st = str(e.get("status", BELUM))
        galat = f'<div class="catatan">{esc(e.get("galat"))}</div>' if st == GAGAL and e.get("galat") else ""
        search = " ".join(str(e.get(k, "")) for k in ("kode", "nama", "nama_kabupaten", "nama_provinsi", "tahun")).lower()
        return (f'<tr data-cari="{esc(search)}"><td>{esc(e.get("kode"))}</td><td>{esc(e.get("nama"))}</td>'
                f'<td>{esc(e.get("nama_kabupaten"))}</td><td>{esc(e.get("nama_provinsi"))}</td>'
                f'<td class="status-{esc(st)}">{esc(status_label.get(st, st))}{galat}</td><td>{links(e)}</td></tr>')

    years = sorted({int(e.get("tahun", 0)) for e in entries}, reverse=True)
    n_ok = sum(1 for e in entries if e.get("status") in (BERHASIL, TERKINI))
    n_fail = sum(1 for e in entries if e.get("status") == GAGAL)
    body = [
        (str(badge_simulasi()) if info.get("simulasi") else ""),
        "<h1>Laporan Kecamatan</h1>",
        f'<p class="catatan">{n_ok} laporan tersedia, {n_fail} gagal, tahun {esc(", ".join(map(str, years)) or "-")}. '
        f'Diperbarui {esc(info.get("dibuat"))} · versi kit {esc(info.get("versi_kit"))}. '
        f'Rincian: <a href="{MANIFEST_CSV}">manifest.csv</a> · <a href="{MANIFEST_JSON}">manifest.json</a></p>',
        '<input class="cari" id="cari" type="search" placeholder="Cari nama atau kode kecamatan/kabupaten…" '
        'aria-label="Cari laporan" autofocus>',
    ]
    for tahun in years:
        of_year = [e for e in entries if int(e.get("tahun", 0)) == tahun]
        kab = [e for e in of_year if e.get("jenis") == "kabupaten"]
        kec = [e for e in of_year if e.get("jenis") == "kecamatan"]
        body.append(f'<section class="tahun" id="tahun-{tahun}"><h2>Tahun {tahun}</h2>')
        if kab:
            body.append(f'<h3>Laporan kabupaten/kota ({len(kab)})</h3><table class="tabel daftar">{head}'
                        f'{"".join(row(e) for e in kab)}</table>')
        if kec:
            body.append(f'<h3>Laporan kecamatan ({len(kec)})</h3><table class="tabel daftar">{head}'
                        f'{"".join(row(e) for e in kec)}</table>')
        body.append("</section>")
    body.append(
        '<p id="kosong" class="catatan" hidden>Tidak ada laporan yang cocok.</p>'
        "<script>(function(){var q=document.getElementById('cari'),rows=document.querySelectorAll('tr[data-cari]'),"
        "none=document.getElementById('kosong');q.addEventListener('input',function(){var t=q.value.trim().toLowerCase(),n=0;"
        "rows.forEach(function(r){var ok=!t||r.getAttribute('data-cari').indexOf(t)>=0;r.hidden=!ok;if(ok)n++;});"
        "none.hidden=n>0;});})();</script>"
    )
    return page("Laporan Kecamatan", "".join(body), aset=ASET_DIR)
