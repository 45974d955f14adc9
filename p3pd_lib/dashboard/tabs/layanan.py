"""Tab Layanan Dasar: the traffic-light matrix desa × indicator (sector filter) and the Kartu Desa."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ...labels import nama_indikator
from ..html import (KOLOM_TAMPIL, SEKTOR_NAMA, TabContent, esc, fmt_angka, legend, light_cell, of_desa,
                    table_html, target_text, view_bands)
from .belanja import komposisi_kelompok

TITLE = "Layanan Dasar"


def matrix_html(capaian: pd.DataFrame, desa: pd.DataFrame, colours: Mapping[str, str],
                pita: tuple[float, float] | None = None) -> str:
    """Traffic-light matrix desa × indicator; every name escaped, colour classes as data attributes.

    The legend states the yellow bands ``pita`` when given; each header names its indicator and target.
    """
    if capaian.empty:
        return "<p class='p3pd-kosong'>Tidak ada data capaian untuk pilihan ini.</p>"
    ids = list(dict.fromkeys(capaian.sort_values(["sektor", "indikator"])["indikator"].astype(str)))
    names = dict(zip(capaian["indikator"].astype(str), capaian["nama_indikator"].astype(str)))
    first = capaian.drop_duplicates("indikator").set_index("indikator")
    targets = {str(i): target_text(first.at[i, "target"], first.at[i, "arah"] if "arah" in first.columns else None)
               for i in first.index} if "target" in first.columns else {}
    # Narrow columns: the short name with its code beneath; the full name and target on hover.
    head = "".join(f"<th title='{esc(names.get(i, i))} · target {esc(targets.get(i, '–'))}'>"
                   f"{esc(nama_indikator(i, singkat=True))}<br><small>{esc(i)}</small></th>" for i in ids)
    by = {(str(r.kode_desa), str(r.indikator)): r for r in capaian.itertuples()}
    rows = []
    for d in desa.itertuples():
        cells = []
        for i in ids:
            r = by.get((str(d.kode_desa), i))
            if r is None:
                cells.append(light_cell("abu", "–", "Tidak ada data", colours))
                continue
            target = target_text(getattr(r, "target", None), getattr(r, "arah", None))
            title = f"{names.get(i, i)}: {fmt_angka(r.nilai)} · target {target} · {getattr(r, 'label_kelas', '')}"
            cells.append(light_cell(r.kelas, fmt_angka(r.nilai), title, colours))
        rows.append(f"<tr data-kode-desa='{esc(d.kode_desa)}'><th>{esc(d.nama_desa)}</th>{''.join(cells)}</tr>")
    return (f"{legend(colours, pita)}<table class='p3pd-matriks' data-tabel='lampu'>"
            f"<thead><tr><th>Desa</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def render(view: Any, colours: Mapping[str, str], sektor: str = "", desa_kode: str = "") -> TabContent:
    """The matrix (only ``sektor`` when given) and the Kartu Desa of ``desa_kode``."""
    cap = view.capaian
    if sektor:
        cap = cap[cap["sektor"] == sektor]
    desa = view.desa
    if not view.capaian.empty:
        # Rows for every desa with values, also codes missing from the official list (a
        # data-quality finding, shown rather than silently dropped).
        desa = view.desa[view.desa["kode_desa"].isin(set(view.capaian["kode_desa"]))]
        unknown = sorted(set(view.capaian["kode_desa"].astype(str)) - set(view.desa["kode_desa"].astype(str)))
        if unknown:
            desa = pd.concat([desa, pd.DataFrame({
                "kode_desa": unknown, "nama_desa": [f"{k} (kode tidak ada di daftar resmi)" for k in unknown],
                "jenis": "desa"})], ignore_index=True)
    text = "<h3>Capaian layanan dasar per desa</h3>" + matrix_html(cap, desa, colours, view_bands(view))
    return TabContent.of(text, kartu=kartu_desa(view, desa_kode, colours) if desa_kode else "")


def kartu_desa(view: Any, kode: str, colours: Mapping[str, str]) -> str:
    """One-page card of one desa: identity, status, indicators, spending, agenda."""
    row = view.desa[view.desa["kode_desa"] == kode]
    if row.empty:
        return ""
    nama = row["nama_desa"].iloc[0]
    parts = [f"<div class='p3pd-kartu' data-kartu-desa='{esc(kode)}'><h3>Kartu Desa: {esc(nama)} ({esc(kode)})</h3>"]
    st = of_desa(view.status_desa, kode)
    if not st.empty:
        parts.append(table_html(st, KOLOM_TAMPIL["status_desa"][2:]))
    idx = of_desa(view.indeks, kode)
    if not idx.empty:
        parts.append(f"<p>Indeks Capaian Layanan Dasar: <b>{fmt_angka(idx['indeks_capaian'].iloc[0], 2)}</b></p>")
    cap = of_desa(view.capaian, kode)
    if not cap.empty:
        rows = []
        for r in cap.sort_values(["sektor", "indikator"]).itertuples():
            rows.append(
                f"<tr><td>{esc(SEKTOR_NAMA.get(str(r.sektor), r.sektor))}</td><td>{esc(r.indikator)} – {esc(r.nama_indikator)}</td>"
                + light_cell(r.kelas, fmt_angka(r.nilai), str(getattr(r, "label_kelas", "")), colours)
                + f"<td>{target_text(getattr(r, 'target', None), getattr(r, 'arah', None))}</td><td>{esc(getattr(r, 'sumber_target', None))}</td>"
                f"<td>{esc(getattr(r, 'label_kelas', None))}</td></tr>"
            )
        parts.append("<table class='p3pd-matriks'><thead><tr><th>Sektor</th><th>Indikator</th><th>Nilai</th>"
                     "<th>Target</th><th>Sumber target</th><th>Kelas</th></tr></thead><tbody>"
                     + "".join(rows) + "</tbody></table>")
    kom = of_desa(komposisi_kelompok(view.komposisi_belanja), kode)
    if not kom.empty:
        parts += ["<b>Komposisi belanja</b>", table_html(kom, KOLOM_TAMPIL["komposisi"])]
    ag = of_desa(view.agenda, kode)
    if not ag.empty:
        parts += ["<b>Agenda terpadu desa ini</b>", table_html(ag, [c for c in KOLOM_TAMPIL["agenda"] if c not in ("kode_desa", "nama_desa")])]
    parts.append("</div>")
    return "".join(parts)


def tables(view: Any, sektor: str = "", desa_kode: str = "") -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    cap = view.capaian if not sektor else view.capaian[view.capaian["sektor"] == sektor]
    return {"Capaian desa": cap, "Capaian wilayah": view.capaian_wilayah, "Skor sektor": view.skor_sektor,
            "Kamus indikator": view.kamus}
