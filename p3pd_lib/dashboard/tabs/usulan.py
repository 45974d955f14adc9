"""Tab Usulan Masyarakat: need–demand–supply per desa × sector, counts per class, proposal metrics."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from ..html import KOLOM_TAMPIL, SEKTOR_NAMA, TabContent, esc, fmt_angka, table_html

TITLE = "Usulan Masyarakat"


def usulan_per_sektor(usulan_desa: pd.DataFrame) -> pd.DataFrame:
    """Proposal metrics of a kecamatan per sector, Σ/Σ over its desa (``view.usulan`` in, one row per sector out).

    Columns: ``sektor, nama_sektor, n_desa_dengan_usulan, n_usulan, n_didanai_apbdes, porsi_didanai,
    nilai_usulan, nilai_disetujui, porsi_didanai_rp`` (see :func:`p3pd_lib.usulan.aggregate_proposals`).

    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "n_usulan": [3, 1], "n_didanai_apbdes": [1, 1], "n_didanai_pihak_lain": [0, 0],
    ...     "n_belum_didanai": [2, 0], "n_ditolak": [0, 0], "nilai_usulan": [30.0, 10.0], "nilai_disetujui": [5.0, 10.0],
    ...     "pembilang_rp": [5.0, 10.0], "penyebut_rp": [30.0, 10.0], "n_biaya_kosong": [0, 0], "n_disetujui_kosong": [0, 0]})
    >>> r = usulan_per_sektor(u).iloc[0]
    >>> r["nama_sektor"], int(r["n_usulan"]), float(r["porsi_didanai"]), round(float(r["porsi_didanai_rp"]), 1)
    ('Kesehatan', 4, 50.0, 37.5)
    """
    from ... import usulan

    cols = ["sektor", "nama_sektor", *[c for c in KOLOM_TAMPIL["usulan_sektor"] if c != "nama_sektor"]]
    if usulan_desa is None or usulan_desa.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    agg = usulan.aggregate_proposals(usulan_desa, None, tingkat="kecamatan")
    order = {k: i for i, k in enumerate(usulan.LABEL_SEKTOR)}
    agg = agg.assign(nama_sektor=agg["sektor"].map(lambda k: usulan.LABEL_SEKTOR.get(k, k)).astype("string"),
                     _urut=agg["sektor"].map(lambda k: order.get(k, len(order))))
    return agg.sort_values("_urut", kind="stable")[cols].reset_index(drop=True)


def need_demand_legend_html(penjelasan: Mapping[str, str]) -> str:
    """Legend of the five classes: the report's own (:func:`p3pd_lib.render.need_demand_legend`)."""
    from ...render import need_demand_legend

    return str(need_demand_legend(penjelasan))


def need_demand_counts_html(usulan_wilayah: pd.DataFrame, sektor: Mapping[str, str], kelas: Sequence[str]) -> str:
    """Desa per class and sector, kecamatan and kabupaten: the report's table (:func:`p3pd_lib.render.need_demand_counts`)."""
    from ...render import need_demand_counts

    if usulan_wilayah is None or usulan_wilayah.empty:
        return "<p class='p3pd-kosong'>Belum ada data usulan masyarakat untuk tahun ini.</p>"
    return f"<div data-tabel='usulan-jumlah'>{need_demand_counts(usulan_wilayah, sektor, kelas)}</div>"


def need_demand_grid_html(kebutuhan: pd.DataFrame, desa: pd.DataFrame, sektor: Mapping[str, str]) -> str:
    """Desa × sector grid of the need–demand–supply classes, coloured as in the report (``render.WARNA_KELAS_USULAN``).

    One row per desa of ``kebutuhan`` (``data-kode-desa``), in the order of the
    kecamatan's desa list; each cell carries its class (``data-kelas-usulan``)
    and the counts behind it as tooltip. Everything from data is escaped.

    >>> k = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "nama_desa": ["<A>"], "sektor": ["KES"], "kelas": ["Selaras"],
    ...                   "n_merah": [1], "n_kuning": [0], "n_usulan": [2], "n_didanai": [1]})
    >>> h = need_demand_grid_html(k, k[["kode_desa", "nama_desa"]], {"KES": "Kesehatan"})
    >>> "kl-hijau" in h and "&lt;A&gt;" in h and "data-kelas-usulan='Selaras'" in h
    True
    """
    from ...render import WARNA_KELAS_USULAN

    if kebutuhan is None or kebutuhan.empty:
        return "<p class='p3pd-kosong'>Belum ada data usulan masyarakat untuk tahun ini.</p>"
    present = set(kebutuhan["sektor"].astype(str))
    sectors = [k for k in sektor if k in present]
    head = "".join(f"<th>{esc(sektor[k])}</th>" for k in sectors)
    by = {(str(r["kode_desa"]), str(r["sektor"])): r for r in kebutuhan.to_dict("records")}
    order = [str(k) for k in desa["kode_desa"]] if desa is not None and "kode_desa" in desa.columns else []
    codes = [k for k in order if any((k, s) in by for s in sectors)]
    codes += sorted({str(k) for k in kebutuhan["kode_desa"]} - set(codes))
    names = dict(zip(kebutuhan["kode_desa"].astype(str), kebutuhan["nama_desa"]))
    rows = []
    for kode in codes:
        cells = []
        for s in sectors:
            r = by.get((kode, s))
            if r is None:
                cells.append("<td class='kl-abu p3pd-usulan' data-kelas-usulan=''>–</td>")
                continue
            kelas = str(r["kelas"])
            tip = "; ".join(f"{lab} {fmt_angka(r[c], 0)}" for c, lab in
                            (("n_merah", "indikator merah"), ("n_kuning", "indikator kuning"),
                             ("n_usulan", "usulan"), ("n_didanai", "didanai APBDes")) if c in r)
            cells.append(f"<td class='kl-{WARNA_KELAS_USULAN.get(kelas, 'abu')} p3pd-usulan' "
                         f"data-kelas-usulan='{esc(kelas)}' title='{esc(tip)}'>{esc(kelas)}</td>")
        rows.append(f"<tr data-kode-desa='{esc(kode)}'><th>{esc(names.get(kode))}</th>{''.join(cells)}</tr>")
    return (f"<table class='p3pd-matriks' data-tabel='usulan'><thead><tr><th>Desa</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def render(view: Any, colours: Mapping[str, str]) -> TabContent:
    """The grid, the counts of the kecamatan and kabupaten, and the proposal metrics per sector."""
    from ...usulan import KELAS, LABEL_SEKTOR, PENJELASAN_KELAS

    sektor = {k: v for k, v in LABEL_SEKTOR.items() if k in SEKTOR_NAMA}
    parts = [
        "<h3>Kebutuhan, usulan masyarakat, dan belanja per desa dan sektor</h3>",
        "<p class='p3pd-catatan'>Kebutuhan = sektor punya indikator merah/kuning; usulan = minimal satu usulan "
        "masyarakat di sektor itu untuk tahun ini; didanai = minimal satu usulan didanai APBDes. "
        "<span class='p3pd-layar-saja'>Arahkan kursor ke sel untuk rinciannya.</span></p>",
        need_demand_legend_html(PENJELASAN_KELAS),
        need_demand_grid_html(view.kebutuhan_usulan, view.desa, sektor),
        "<h3>Jumlah desa per kelas: kecamatan dan kabupaten</h3>",
        need_demand_counts_html(view.usulan_wilayah, sektor, KELAS),
        "<h3>Usulan masyarakat per sektor (kecamatan)</h3>",
        table_html(usulan_per_sektor(view.usulan), KOLOM_TAMPIL["usulan_sektor"],
                   kosong="Belum ada data usulan masyarakat untuk tahun ini."),
        "<p class='p3pd-catatan'>Porsi didanai = Σ usulan didanai APBDes / Σ usulan (dan Σ anggaran disetujui / "
        "Σ perkiraan biaya usulan yang didanai dan berbiaya), bukan rata-rata porsi desa.</p>",
    ]
    return TabContent.of("".join(parts))


def tables(view: Any) -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    return {"Kebutuhan-usulan-belanja": view.kebutuhan_usulan, "Usulan per sektor": usulan_per_sektor(view.usulan),
            "Usulan per desa": view.usulan, "Jumlah desa per kelas": view.usulan_wilayah}
