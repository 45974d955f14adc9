"""Reports of findings: ``<name>.temuan.xlsx`` and ``.html`` next to an input (the input is never touched)."""

from __future__ import annotations

import html
import math
import os
from pathlib import Path

import pandas as pd

from .. import safe_excel
from ..paths import data_dir as _data_dir
from .results import FINDING_COLUMNS, rule_name, sort_findings

#: How each level (``tingkat``) of a finding is written in the reports.
LEVEL_LABELS = {"galat": "GALAT", "peringatan": "Peringatan", "info": "Informasi"}

#: Headers of the findings as people read them (:func:`findings_for_people`).
HEADERS = {"berkas": "Berkas", "lembar": "Lembar", "baris": "Baris", "kolom": "Kolom", "nilai": "Nilai",
           "aturan": "Aturan", "tingkat": "Tingkat", "pesan": "Pesan"}


def findings_for_people(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings as the person at the desk reads them (reports, CLI, dashboard upload): sorted by
    file, sheet and row, Indonesian headers, the level as a word and the rule by its
    plain-language name (``parameters/label.yaml``, ``aturan_temuan``) instead of its id.

    >>> f = pd.DataFrame({"berkas": ["a.xlsx"] * 2, "lembar": ["Layanan"] * 2, "baris": [7, 3], "kolom": ["x", "y"],
    ...                   "nilai": ["3,000", None], "aturan": ["format_angka_ambigu", "wajib_diisi"],
    ...                   "tingkat": ["peringatan", "galat"], "pesan": ["…", "…"]})
    >>> findings_for_people(f)[["Baris", "Aturan", "Tingkat"]].values.tolist()
    [[3, 'Wajib diisi', 'GALAT'], [7, 'Pemisah angka dapat dibaca dua cara', 'Peringatan']]
    """
    table = sort_findings(findings[list(FINDING_COLUMNS)])
    table = table.assign(aturan=[rule_name(a) for a in table["aturan"].tolist()],
                         tingkat=table["tingkat"].map(LEVEL_LABELS).fillna(table["tingkat"]))
    return table.rename(columns=HEADERS)


def write_findings_report(findings: pd.DataFrame, input_path: str | os.PathLike[str],
                          data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write findings of one input as ``<name>.temuan.xlsx`` and ``.html`` next to it.

    Falls back to ``<data>/laporan_impor/`` when the input's folder is not
    writable. The input itself is never touched. Returns the written paths.
    """
    src = Path(input_path)
    table = findings_for_people(findings)
    folders = [src.parent, _data_dir(data_dir) / "laporan_impor"]
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            xlsx = folder / f"{src.name}.temuan.xlsx"
            htm = folder / f"{src.name}.temuan.html"
            tmp = xlsx.with_name(xlsx.name + ".tmp")
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                table.to_excel(xw, sheet_name="Temuan", index=False)
                ws = xw.sheets["Temuan"]
                safe_excel.protect_text_cells([ws])  # a cell value quoted in a finding may start with "="
                for letter, width in zip("ABCDEFGH", (24, 16, 8, 24, 20, 26, 12, 90)):
                    ws.column_dimensions[letter].width = width
                ws.freeze_panes = "A2"
            os.replace(tmp, xlsx)
            htm.write_text(_html_report(table, src.name), encoding="utf-8")
            return [xlsx, htm]
        except OSError:
            continue
    return []


def _html_report(table: pd.DataFrame, name: str) -> str:
    n_g = int((table["Tingkat"] == "GALAT").sum())
    n_p = int((table["Tingkat"] == "Peringatan").sum())
    verdict = ("DITOLAK: perbaiki semua galat lalu kirim/impor ulang." if n_g else
               "Dapat diterima: peringatan tidak menghalangi impor, tetapi periksalah.")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for r in table.itertuples(index=False):
        cls = {"GALAT": "g", "Informasi": "i"}.get(r.Tingkat, "p")
        body.append(f'<tr class="{cls}">' + "".join(
            f"<td>{html.escape('' if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))}</td>"
            for v in r) + "</tr>")
    return (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>Temuan pemeriksaan: {html.escape(name)}</title><style>"
        "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}th{background:#1f4e79;color:#fff}"
        "tr.g td{background:#fde2e1}tr.p td{background:#fff4d6}tr.i td{background:#eef3f8}</style></head><body>"
        f"<h1>Temuan pemeriksaan berkas {html.escape(name)}</h1>"
        f"<p><b>{n_g} galat, {n_p} peringatan.</b> {html.escape(verdict)}</p>"
        "<p>Baris = nomor baris seperti terlihat di Excel (baris judul ikut dihitung).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>"
    )
