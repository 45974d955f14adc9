"""What a batch is asked to make: the report tasks of a selection, and when a report is up to date.

Runs in the process that plans the batch; it reads the region list, the years and
the store's fingerprint only (:func:`store_index`), never the data tables.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .. import __version__
from ..errors import ParameterError
from ..paths import NOTEBOOKS_DIR, PARAMETERS_DIR

NOTEBOOK_KECAMATAN: Path = NOTEBOOKS_DIR / "laporan_kecamatan.ipynb"
NOTEBOOK_KABUPATEN: Path = NOTEBOOKS_DIR / "laporan_kabupaten.ipynb"
LIB_DIR: Path = Path(__file__).resolve().parent.parent
TEMPLATES_DIR: Path = LIB_DIR / "templates"

_KODE = {
    "provinsi": re.compile(r"^\d{2}$"),
    "kabupaten": re.compile(r"^\d{2}\.\d{2}$"),
    "kecamatan": re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
}


@dataclass(frozen=True)
class Task:
    """One report to make (picklable: sent to the Dask workers).

    ``output_dir`` is the root of the output folder and ``data_dir`` the store,
    both as the workers see them; neither is written into any output.
    """

    jenis: str  # "kecamatan" | "kabupaten"
    kode: str
    nama: str
    kode_kabupaten: str
    nama_kabupaten: str
    nama_provinsi: str
    tahun: int
    notebook: str
    output_dir: str
    data_dir: str
    parameters: Mapping[str, Any] = field(hash=False)
    pdf: bool = False
    mandiri: bool = False
    key: str = ""
    timeout: int = 600

    @property
    def folder(self) -> str:
        """Folder of the report's files relative to the year folder (``33.07``)."""
        return self.kode if self.jenis == "kabupaten" else self.kode_kabupaten

    @property
    def stem(self) -> str:
        """Path of the outputs relative to the output root, without suffix (the year comes first)."""
        name = f"kabupaten_{self.kode}" if self.jenis == "kabupaten" else self.kode
        return f"{self.tahun}/{self.folder}/{name}"

    def outputs(self) -> dict[str, str]:
        """Relative paths (to the output root) of the files a successful run leaves, by kind."""
        out = {"html": f"{self.stem}.html", "ipynb": f"{self.stem}.ipynb"}
        if self.jenis == "kecamatan":
            out["xlsx"] = f"{self.stem}.xlsx"
        if self.pdf:
            out["pdf"] = f"{self.stem}.pdf"
        return out

    def identity(self) -> dict[str, Any]:
        """The identifying fields of the task, as they open its manifest entry."""
        return {"jenis": self.jenis, "kode": self.kode, "nama": self.nama, "kode_kabupaten": self.kode_kabupaten,
                "nama_kabupaten": self.nama_kabupaten, "nama_provinsi": self.nama_provinsi, "tahun": self.tahun,
                "kunci": self.key}


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``.

    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of everything besides the data that shapes a report: kit code, templates, parameter files.

    Part of each report's up-to-date key, so a changed catalogue, rule table or
    library function re-makes the reports on the next run. Computed once per
    process: the code a process runs is the code it imported when it started.
    """
    files = sorted(LIB_DIR.rglob("*.py")) + sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file())
    files += sorted(p for p in PARAMETERS_DIR.glob("*") if p.is_file() and not p.name.startswith("laporan_"))
    h = hashlib.sha256()
    for p in files:
        if "__pycache__" in p.parts:
            continue
        h.update(str(p.relative_to(LIB_DIR.parent)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def task_key(notebook: str | Path, parameters: Mapping[str, Any], data_fingerprint: str, code_fp: str,
             pdf: bool, mandiri: bool = False) -> str:
    """The up-to-date key of one report: equal keys mean the report would come out the same.

    >>> a = task_key(NOTEBOOK_KECAMATAN, {"kode_kecamatan": "33.07.01"}, "abc", "def", False)
    >>> a == task_key(NOTEBOOK_KECAMATAN, {"kode_kecamatan": "33.07.01"}, "abd", "def", False)
    False
    """
    nb_path = Path(notebook)
    nb_hash = sha256_bytes(nb_path.read_bytes()) if nb_path.exists() else "tanpa-notebook"
    blob = json.dumps({"nb": nb_hash, "p": dict(parameters), "data": data_fingerprint, "kode": code_fp, "pdf": pdf,
                       "mandiri": mandiri, "v": __version__}, sort_keys=True, default=str)
    return sha256_bytes(blob.encode())[:20]


def check_codes(codes: Iterable[str], level: str) -> list[str]:
    """The codes, stripped; a code not in the level's format raises :class:`ParameterError` (Indonesian).

    >>> check_codes([" 33.07 "], "kabupaten")
    ['33.07']
    """
    out = []
    for c in codes:
        c = str(c).strip()
        if not _KODE[level].fullmatch(c):
            fmt = {"provinsi": "PP (mis. 33)", "kabupaten": "PP.KK (mis. 33.07)", "kecamatan": "PP.KK.CC (mis. 33.07.01)"}[level]
            raise ParameterError(f"'{c}' bukan kode {level} yang sah; formatnya {fmt}.")
        out.append(c)
    return out


def plan(wilayah: Any, kecamatan: Sequence[str], kabupaten: Sequence[str], provinsi: Sequence[str],
         semua: bool) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The kecamatan and kabupaten reports a selection asks for (sorted by code).

    Kecamatan named explicitly are kept even when the data do not hold them: the
    notebook then fails with its Indonesian message and the manifest says why.
    """
    w = wilayah.drop_duplicates("kode_kecamatan")
    rows = {str(r.kode_kecamatan): r for r in w.itertuples(index=False)}
    kab_rows = {str(r.kode_kabupaten): r for r in w.drop_duplicates("kode_kabupaten").itertuples(index=False)}

    def kec_entry(kode: str) -> dict[str, str]:
        r = rows.get(kode)
        if r is not None:
            return {"kode": kode, "nama": str(r.nama_kecamatan), "kode_kabupaten": str(r.kode_kabupaten),
                    "nama_kabupaten": str(r.nama_kabupaten), "nama_provinsi": str(r.nama_provinsi)}
        k = kab_rows.get(kode[:5])
        return {"kode": kode, "nama": "(tidak ada dalam data)", "kode_kabupaten": kode[:5],
                "nama_kabupaten": str(k.nama_kabupaten) if k is not None else "",
                "nama_provinsi": str(k.nama_provinsi) if k is not None else ""}

    prefixes = [p + "." for p in provinsi] + [k + "." for k in kabupaten]
    chosen = {kode: kec_entry(kode) for kode in sorted(rows) if semua or any(kode.startswith(p) for p in prefixes)}
    for kode in kecamatan:
        chosen.setdefault(kode, kec_entry(kode))
    kab_chosen = {kode: {"kode": kode, "nama": str(r.nama_kabupaten), "kode_kabupaten": kode,
                         "nama_kabupaten": str(r.nama_kabupaten), "nama_provinsi": str(r.nama_provinsi)}
                  for kode, r in sorted(kab_rows.items()) if semua or kode in kabupaten or kode[:2] in provinsi}
    for kode in kabupaten:
        if kode not in kab_chosen:
            raise ParameterError(f"Kabupaten/kota {kode} tidak ada dalam data.")
    for kode in provinsi:
        if not any(k.startswith(kode + ".") for k in rows):
            raise ParameterError(f"Provinsi {kode} tidak ada dalam data.")
    return [chosen[k] for k in sorted(chosen)], [kab_chosen[k] for k in sorted(kab_chosen)]


def make_tasks(ds: Any, kecamatan: Sequence[str], kabupaten: Sequence[str], provinsi: Sequence[str], semua: bool,
               tahun: int, out: Path, data_root: Path, pdf: bool = False, timeout: int = 600,
               kecamatan_reports: bool = True, kabupaten_reports: bool = True, mandiri: bool = False) -> list[Task]:
    """The report tasks of a selection over ``ds`` (a :class:`StoreIndex` or a dataset).

    The parameters hold no server path: the store reaches the report kernels
    through ``P3PD_DATA_DIR`` (``data_dir`` stays empty) and the workbook path is
    relative to the year folder, the notebook's working directory.
    """
    kec_plan, kab_plan = plan(ds.wilayah, kecamatan, kabupaten, provinsi, semua)
    fp, code_fp = ds.fingerprint, code_fingerprint()
    common = {"tahun": int(tahun), "output_dir": str(out), "data_dir": str(data_root), "pdf": pdf, "mandiri": mandiri,
              "timeout": timeout}
    tasks: list[Task] = []
    for p in kec_plan if kecamatan_reports else []:
        params = {"kode_kecamatan": p["kode"], "tahun": int(tahun), "file_excel": f"{p['kode_kabupaten']}/{p['kode']}.xlsx"}
        tasks.append(Task("kecamatan", notebook=str(NOTEBOOK_KECAMATAN), parameters=params,
                          key=task_key(NOTEBOOK_KECAMATAN, params, fp, code_fp, pdf, mandiri), **common, **p))
    for p in kab_plan if kabupaten_reports else []:
        params = {"kode_kabupaten": p["kode"], "tahun": int(tahun), "pola_tautan": "{kode}.html"}
        tasks.append(Task("kabupaten", notebook=str(NOTEBOOK_KABUPATEN), parameters=params,
                          key=task_key(NOTEBOOK_KABUPATEN, params, fp, code_fp, pdf, mandiri), **common, **p))
    return tasks


def provinces_needed(todo: Sequence[Task], wilayah: Any) -> list[str]:
    """The provinces whose data the reports of ``todo`` read; ``[]`` (the whole store) when a kecamatan is not in the data.

    A kecamatan or kabupaten report reads its kabupaten and its province (the
    comparison), nothing else. A kecamatan missing from the data keeps the whole
    store, so its error message lists what the data do hold.
    """
    known = set(wilayah["kode_kecamatan"].astype(str).unique())
    if any(t.jenis == "kecamatan" and t.kode not in known for t in todo):
        return []
    needed = {t.kode[:2] for t in todo}
    if needed >= {k[:2] for k in known}:
        return []  # every province (``--semua``): one plain read of the whole store is faster than a filtered one
    return sorted(needed)


def groups(tasks: Sequence[Task], n_workers: int) -> list[list[Task]]:
    """The tasks as Dask work units: a kabupaten's reports together, largest first.

    A worker's kernel keeps the analysis of the kabupaten it works on, so a
    kabupaten's kecamatan run one after the other in one task, the kabupaten
    report last (on the warm cache). Kabupaten are split into pieces when there
    are too few of them to keep every worker busy (at least four pieces per worker).

    >>> t = lambda kode: Task("kecamatan", kode, kode, kode[:5], "", "", 2025, "", "", "", {})
    >>> [[x.kode for x in g] for g in groups([t("33.07.01"), t("33.07.02"), t("33.08.01")], 1)]
    [['33.07.01'], ['33.07.02'], ['33.08.01']]
    """
    by_kab: dict[str, list[Task]] = {}
    for t in sorted(tasks, key=lambda t: (t.kode_kabupaten, t.jenis == "kabupaten", t.kode)):
        by_kab.setdefault(t.kode_kabupaten, []).append(t)
    size = max(1, -(-len(tasks) // (4 * max(1, n_workers))))
    out = [g[i:i + size] for g in by_kab.values() for i in range(0, len(g), size)]
    return sorted(out, key=lambda g: -len(g))


@dataclass(frozen=True)
class StoreIndex:
    """What the batch needs to plan a run, without the data tables: regions, years, fingerprint, flag."""

    wilayah: Any
    tahun: tuple[int, ...]
    fingerprint: str
    simulasi: bool

    def years(self) -> list[int]:
        """Fiscal years present in the data tables, ascending (as ``Dataset.years``)."""
        return list(self.tahun)


def store_index(data_dir: str | os.PathLike[str] | None = None) -> StoreIndex:
    """The :class:`StoreIndex` of a store: reads ``wilayah``, the distinct years and ``meta.json`` only.

    The whole store (millions of APBDes lines) stays out of the process that
    plans a batch (e.g. a dashboard kernel asking for one report).
    """
    from ..store import distinct_values, load_dataset, load_table, read_meta

    wilayah = load_table("wilayah", data_dir)  # a missing store raises the usual StoreError
    meta = read_meta(data_dir)
    years = sorted({int(y) for t in ("layanan", "apbdes", "status_desa", "usulan")
                    for y in distinct_values(t, "tahun", data_dir)})
    # Stores written by the kit always carry their fingerprint; compute it only for a hand-made one.
    fp = str(meta.get("fingerprint") or load_dataset(data_dir).fingerprint)
    return StoreIndex(wilayah=wilayah, tahun=tuple(years), fingerprint=fp, simulasi=bool(meta.get("simulasi", False)))
