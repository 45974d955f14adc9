"""The printed kecamatan report's opening summary and its per-desa agenda.

:func:`kecamatan_summary` builds the two pages a camat reads first: the key figures and the
desa needing attention first (page 1), the fiscal-rule breaches of the report year and the
three agenda items that matter most (page 2). :func:`agenda_per_desa` gives the printed body
the top agenda items of each desa, numbered within the desa; the full agenda stays on screen
and in the workbook (:func:`screen_only_block` hides a block when printed).

>>> agenda = pd.DataFrame({"prioritas": [1, 2, 3], "kode_desa": ["A", "B", "A"], "nama_desa": ["Alas", "Batu", "Alas"],
...                        "nama_indikator": ["Stunting", "PAUD", "Air"]})
>>> top = agenda_top_per_desa(agenda, 1)
>>> top[["nama_desa", "nomor", "nama_indikator"]].values.tolist()
[['Alas', 1, 'Stunting'], ['Batu', 1, 'PAUD']]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import labels
from .core import Html, heading, key_figures, note, table
from .grids import agenda_table

#: How many desa the summary lists as needing attention first.
N_DESA_PERHATIAN = 6
#: How many fiscal-rule breaches the summary lists (the rest: section Belanja desa and the workbook).
N_PELANGGARAN = 10
#: How many agenda items the summary names.
N_AGENDA_UTAMA = 3
#: How many agenda items per desa the printed body shows.
N_AGENDA_PER_DESA = 3


def screen_only_block(*blocks: Any) -> Html:
    """Blocks shown on screen only (hidden when printed), e.g. a long interactive table.

    >>> str(screen_only_block(Html("<p>x</p>")))
    '<div class="layar-saja"><p>x</p></div>'
    """
    return Html('<div class="layar-saja">' + "".join(str(b) for b in blocks) + "</div>")


def _mask(s: pd.Series) -> Any:
    return s.fillna(False).to_numpy(dtype=bool)


def desa_attention(view: Any) -> pd.DataFrame:
    """One row per desa of the report year, the ones needing attention first.

    Order: desa in the quadrant "prioritas" (high gap, low basic-service spending) first,
    then the most red indicators, then the largest service gap. Columns: ``nama_desa,
    n_merah, kesenjangan, label_kuadran, n_langgar, n_tanpa_suara, n_tanpa_dana``.
    """
    desa = view.desa[["kode_desa", "nama_desa"]].drop_duplicates("kode_desa")
    cap = view.capaian
    # Counts per desa code from the code column alone (the view's tables are wide: filtering whole rows copied
    # every column); they are looked up by code below, so their order does not matter.
    merah = cap["kode_desa"][_mask(cap["kelas"] == "merah")].value_counts()
    kuadran = view.kuadran[["kode_desa", "kesenjangan", "kuadran", "label_kuadran"]]
    aturan = view.aturan_belanja
    langgar = _mask((aturan["tahun"] == view.tahun) & (aturan["patuh"] == False))  # noqa: E712 - nullable
    n_langgar = aturan["kode_desa"][langgar].value_counts()
    out = desa.merge(kuadran, on="kode_desa", how="left")
    # Counts per desa looked up by code (a map is a third of the cost of a merge and adds the same column).
    out["n_merah"] = out["kode_desa"].map(merah)
    out["n_langgar"] = out["kode_desa"].map(n_langgar)
    ku = view.kebutuhan_usulan
    for kelas, col in (("Kebutuhan belum tersuarakan", "n_tanpa_suara"), ("Usulan belum terdanai", "n_tanpa_dana")):
        if len(ku) and "kelas" in ku.columns:
            counts = ku["kode_desa"][_mask(ku["kelas"] == kelas)].value_counts()
            out[col] = out["kode_desa"].map(counts)
        else:
            out[col] = 0
    for col in ("n_merah", "n_langgar", "n_tanpa_suara", "n_tanpa_dana"):
        out[col] = out[col].fillna(0).astype(int)
    out = out.assign(_prioritas=_mask(out["kuadran"] == "prioritas"),
                     _gap=out["kesenjangan"].astype("Float64").fillna(-1.0))
    out = out.sort_values(["_prioritas", "n_merah", "_gap", "nama_desa"], ascending=[False, False, False, True],
                          kind="stable")
    return out.drop(columns=["_prioritas", "_gap"]).reset_index(drop=True)


def agenda_top_per_desa(agenda: pd.DataFrame, n: int = N_AGENDA_PER_DESA) -> pd.DataFrame:
    """The ``n`` first agenda items of each desa, numbered within the desa (``nomor`` 1, 2, …);
    desa ordered by their most urgent item."""
    if agenda.empty:
        return agenda.assign(nomor=pd.Series(dtype="int64"))
    ranked = agenda.sort_values("prioritas", kind="stable")
    top = ranked.groupby("kode_desa", sort=False).head(n)
    top = top.assign(nomor=top.groupby("kode_desa", sort=False).cumcount() + 1)
    first = top.groupby("kode_desa", sort=False)["prioritas"].transform("min")
    return top.assign(_first=first).sort_values(["_first", "nomor"], kind="stable").drop(columns="_first")


def _agenda_names(agenda: pd.DataFrame) -> pd.DataFrame:
    """Agenda rows of rule breaches named by the rule's readable name."""
    if "indikator" not in agenda.columns or "sektor" not in agenda.columns:
        return agenda
    return agenda.assign(nama_indikator=[
        labels.nama_aturan(i) if str(s) == "ATURAN" and (labels.is_missing(n) or str(n) == str(i)) else n
        for i, n, s in zip(agenda["indikator"].tolist(), agenda["nama_indikator"].tolist(), agenda["sektor"].tolist())])


def agenda_per_desa(agenda: pd.DataFrame, n: int = N_AGENDA_PER_DESA) -> Html:
    """The printed body's agenda: the ``n`` first items of each desa, numbered within the desa."""
    top = _agenda_names(agenda_top_per_desa(agenda, n))
    cols = {"nama_desa": "Desa", "nomor": "No.", "nama_indikator": "Agenda", "nilai": "Nilai", "target": "Target",
            "penanggung_jawab": "Penanggung jawab", "sub_bidang_apbdes": "Sub-bidang APBDes",
            "jenis_agenda": "Jenis agenda"}
    num = {c: "angka1" for c in ("nilai", "target") if c in top.columns}
    return table(top, cols, {**num, "nomor": "teks"}, css_class="tabel kecil",
                 kosong="Tidak ada agenda: tidak ada indikator berstatus merah.")


def kecamatan_summary(view: Any, n_desa: int = N_DESA_PERHATIAN, n_agenda: int = N_AGENDA_UTAMA) -> Html:
    """The two-page summary that opens the printed kecamatan report.

    Page 1: key figures and the ``n_desa`` desa needing attention first (:func:`desa_attention`);
    page 2 (starts a new printed page): the fiscal-rule breaches of the report year and the
    ``n_agenda`` agenda items that matter most (highest priority of the agenda terpadu).
    """
    tahun = view.tahun
    perhatian = desa_attention(view)
    first = [
        heading("Angka kunci"),
        key_figures(view.ringkasan),
        heading("Desa yang perlu perhatian lebih dulu"),
        note("Urutan: desa di kuadran prioritas (kesenjangan layanan tinggi, belanja layanan dasar rendah) "
             "lebih dulu, lalu desa dengan indikator merah terbanyak, lalu kesenjangan layanan terbesar. "
             f"Daftar semua desa ada di bagian-bagian berikut ({len(perhatian)} desa/kelurahan)."),
        table(perhatian.head(n_desa),
              {"nama_desa": "Desa", "label_kuadran": "Kuadran", "n_merah": "Indikator merah",
               "kesenjangan": "Kesenjangan layanan (0–1)", "n_langgar": "Aturan belanja dilanggar",
               "n_tanpa_suara": "Kebutuhan belum tersuarakan (sektor)",
               "n_tanpa_dana": "Usulan belum terdanai (sektor)"},
              {"kesenjangan": "angka2", "n_merah": "angka", "n_langgar": "angka", "n_tanpa_suara": "angka",
               "n_tanpa_dana": "angka"}, css_class="tabel kecil"),
    ]
    aturan = view.aturan_belanja
    langgar = aturan[_mask((aturan["tahun"] == tahun) & (aturan["patuh"] == False))]  # noqa: E712 - nullable
    second = [
        heading(f"Pelanggaran aturan belanja tahun {tahun}"),
        table(langgar, {"nama_desa": "Desa", "pesan": "Pelanggaran"}, css_class="tabel kecil", max_rows=N_PELANGGARAN,
              kosong=f"Tidak ada desa yang melanggar aturan belanja pada tahun {tahun}."),
        heading(f"{n_agenda} agenda terpenting"),
        note("Baris teratas agenda terpadu (kesenjangan terbesar di desa prioritas lebih dulu); "
             "agenda tiap desa ada di bagian Agenda terpadu, daftar lengkap di buku kerja Excel."),
        agenda_table(view.agenda.sort_values("prioritas", kind="stable").head(n_agenda)),
    ]
    return Html('<section class="ringkasan-laporan"><div class="ringkasan-halaman">'
                + "".join(str(b) for b in first)
                + '</div><div class="ringkasan-halaman halaman-baru">'
                + "".join(str(b) for b in second) + "</div></section>")


__all__ = ["N_AGENDA_PER_DESA", "N_AGENDA_UTAMA", "N_DESA_PERHATIAN", "N_PELANGGARAN", "agenda_per_desa", "agenda_top_per_desa",
           "desa_attention", "kecamatan_summary", "screen_only_block"]
