"""Tab Belanja Desa: fiscal-rule compliance, spending quality, the spending mix and BEL01 per desa."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ...labels import nama_aturan
from ..html import KOLOM_TAMPIL, TabContent, esc, fmt_angka, light_cell, table_html

TITLE = "Belanja Desa"
FIGURES = True


def komposisi_kelompok(komposisi: pd.DataFrame) -> pd.DataFrame:
    """Spending mix per desa by group (``kelompok``), the five basic-service sectors summed as ``layanan_dasar``.

    ``belanja.spending_composition`` reports ``komponen`` rows (five sectors and the
    other groups); the figure of the mix wants the groups of docs/architecture.md.

    >>> k = pd.DataFrame({"kode_desa": ["a"] * 3, "nama_desa": ["A"] * 3, "komponen": ["KES", "AIR", "personel"],
    ...     "jenis_komponen": ["sektor", "sektor", "kelompok"], "anggaran": [1.0, 2.0, 7.0], "porsi": [10.0, 20.0, 70.0]})
    >>> komposisi_kelompok(k)[["kelompok", "porsi"]].values.tolist()
    [['layanan_dasar', 30.0], ['personel', 70.0]]
    """
    if "kelompok" in komposisi.columns or "komponen" not in komposisi.columns or komposisi.empty:
        return komposisi
    kelompok = komposisi["komponen"].astype("string").where(komposisi["jenis_komponen"] != "sektor", "layanan_dasar")
    keys = [c for c in ("kode_desa", "nama_desa", "tahun") if c in komposisi.columns]
    out = (
        komposisi.assign(kelompok=kelompok)
        .groupby([*keys, "kelompok"], sort=False, dropna=False)[["anggaran", "porsi"]]
        .sum(min_count=1)
        .reset_index()
    )
    return out



def rules_html(aturan: pd.DataFrame, colours: Mapping[str, str]) -> str:
    """Compliance matrix: desa × (year, rule), each cell coloured by ``patuh`` and titled with its message."""
    if aturan.empty:
        return "<p class='p3pd-kosong'>Tidak ada data aturan belanja.</p>"
    nama_col = "nama_aturan" if "nama_aturan" in aturan.columns else "aturan"
    keys = aturan[["tahun", "aturan", nama_col]].drop_duplicates(["tahun", "aturan"]).sort_values(["tahun", "aturan"])
    cols = [(int(t), str(a), str(n)) for t, a, n in keys.itertuples(index=False, name=None)]
    by = {(str(r.kode_desa), int(r.tahun), str(r.aturan)): r for r in aturan.itertuples()}
    desa = aturan[["kode_desa", "nama_desa"]].drop_duplicates("kode_desa").sort_values("kode_desa")
    years = sorted({t for t, _, _ in cols})
    top = "".join(f"<th colspan='{sum(1 for t, _, _ in cols if t == y)}'>{y}</th>" for y in years)
    sub = "".join(f"<th title='{esc(n)}'>{esc(nama_aturan(a))}</th>" for _, a, n in cols)
    rows = []
    for d in desa.itertuples():
        cells = []
        for t, a, n in cols:
            r = by.get((str(d.kode_desa), t, a))
            patuh = None if r is None else r.patuh
            k = "abu" if patuh is None or pd.isna(patuh) else ("hijau" if bool(patuh) else "merah")
            text = "–" if r is None or pd.isna(r.nilai) else fmt_angka(r.nilai) + "%"
            title = "" if r is None else str(r.pesan if isinstance(r.pesan, str) else n)
            cells.append(light_cell(k, text, title, colours))
        rows.append(f"<tr data-kode-desa='{esc(d.kode_desa)}'><th>{esc(d.nama_desa)}</th>{''.join(cells)}</tr>")
    legend = ("<div class='p3pd-legenda'>Hijau = patuh, merah = tidak patuh, abu-abu = aturan tidak berlaku atau "
              "data kurang.<span class='p3pd-layar-saja'> Arahkan kursor ke sel untuk keterangan.</span></div>")
    return (f"{legend}<table class='p3pd-matriks' data-tabel='aturan'><thead><tr><th rowspan='2'>Desa</th>{top}</tr>"
            f"<tr>{sub}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _with_names(df: pd.DataFrame, desa: pd.DataFrame) -> pd.DataFrame:
    if "nama_desa" in df.columns or df.empty:
        return df
    return df.merge(desa[["kode_desa", "nama_desa"]], on="kode_desa", how="left")


def render(view: Any, colours: Mapping[str, str]) -> TabContent:
    """Compliance matrix, spending quality, then the spending mix and the BEL01 ranking (plotly)."""
    from ... import figures

    parts = []
    aturan = view.aturan_belanja
    if not aturan.empty:
        parts += ["<h3>Kepatuhan aturan belanja per tahun</h3>", rules_html(aturan, colours)]
    if not view.kualitas_belanja.empty:
        parts += ["<h3>Kualitas belanja desa</h3>", table_html(view.kualitas_belanja, KOLOM_TAMPIL["kualitas_belanja"])]
    bel = _with_names(view.belanja, view.desa)
    bel01 = bel[bel["indikator"] == "BEL01"] if not bel.empty else bel
    med = float(bel01["nilai"].astype("Float64").median()) if not bel01.empty and bel01["nilai"].notna().any() else None
    figs = [
        figures.spending_composition(komposisi_kelompok(view.komposisi_belanja)),
        figures.share_against_line(bel01, "nilai", "Porsi belanja layanan dasar (BEL01) per desa", med,
                                   "median kecamatan", arah="higher"),
    ]
    return TabContent.of("".join(parts), figs)


def tables(view: Any) -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    return {"Komposisi belanja": view.komposisi_belanja, "Indikator belanja": view.belanja,
            "Aturan belanja": view.aturan_belanja, "Kualitas belanja": view.kualitas_belanja}
