"""Benchmark of importing Kemendesa's IDM files for one kabupaten: the rumusan folder and the yearly list.

Writes one rumusan JSON per desa of the kabupaten (50 indicators each, the
service's shape) and the yearly Excel list into a temporary folder, then times
``import_files`` of the folder and of the list into an empty store (one commit
each: lock, staged files, journal). Run:
``.venv/bin/python benchmarks/bench_idm.py [kode_kabupaten]`` (default 33.07, Wonosobo).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from p3pd_lib import wilayah
from p3pd_lib.importer import import_files

KAB = sys.argv[1] if len(sys.argv) > 1 else "33.07"
DIMS = [("IKS", 35), ("IKE", 12), ("IKL", 3)]


def rumusan(kode: str, tahun: int, seed: int) -> dict:
    rows, sums, no = [], {}, 0
    for dim, n in DIMS:
        scores = [1 + (seed * 7 + i * 3) % 5 for i in range(n)]
        for s in scores:
            no += 1
            rows.append({"NO": no, "INDIKATOR": f"Skor indikator {no}", "SKOR": s, "KETERANGAN": "-",
                         "KEGIATAN": "Kegiatan" if s < 5 else None, "NILAI": "0.0020", "PUSAT": None, "PROV": None,
                         "KAB": None, "DESA": "Pemdes", "CSR": None, "LAINNYA": None})
        sums[dim] = sum(scores) / (5 * n)
        rows.append({"NO": None, "INDIKATOR": f"{dim} {tahun}", "SKOR": f"{sums[dim]:.4f}"})
    idm = sum(sums.values()) / 3
    rows.append({"NO": None, "INDIKATOR": f"IDM {tahun}", "SKOR": f"{idm:.4f}"})
    return {"mapData": {"SUMMARIES": {"SKOR_SAAT_INI": round(idm, 4), "TAHUN": tahun}, "ROW": rows,
                        "IDENTITAS": [{"id_desa": kode.replace(".", "")}]}}


def main() -> None:
    desa = [c for c in wilayah.children(KAB) for c in wilayah.children(c) if wilayah.jenis(c) == "desa"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "rumusan"
        folder.mkdir()
        for i, kode in enumerate(desa):
            (folder / f"{kode.replace('.', '')}.json").write_text(json.dumps(rumusan(kode, 2024, i)), encoding="utf-8")
        wb = Workbook()
        ws = wb.active
        ws.append(["STATUS IDM TAHUN 2024"])
        ws.append(["NO", "KODE DESA", "DESA", "IKS", "IKE", "IKL", "NILAI IDM", "STATUS IDM"])
        for i, kode in enumerate(desa):
            ws.append([i + 1, kode.replace(".", ""), wilayah.name(kode), 0.7, 0.6, 0.5, 0.6, "BERKEMBANG"])
        wb.save(root / "idm.xlsx")
        t = time.perf_counter()
        res = import_files([folder], root / "data", write_reports=False)
        t_json = time.perf_counter() - t
        t = time.perf_counter()
        res2 = import_files([root / "idm.xlsx"], root / "data", write_reports=False)
        t_list = time.perf_counter() - t
        assert res.accepted and res2.accepted
        print(f"{len(desa)} desa: rumusan folder {t_json:.2f} s ({len(desa) * 50} indicator rows), "
              f"yearly list {t_list:.2f} s")


if __name__ == "__main__":
    main()
