"""HTML blocks of the report sections: traffic-light grids, dictionary, trends, demand side,
rules, findings, agenda (built on :mod:`p3pd_lib.render.core`)."""

from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from .. import labels
from ..labels import is_missing as _missing
from .core import LABEL_KELAS, Html, esc, fmt_angka, fmt_persen, kelas_legend, table

_SEKTOR_ORDER = {"KES": 0, "PEND": 1, "AIR": 2, "SOS": 3, "ADM": 4}
#: One-letter cell classes of the large desa grids (``table.lampu td.h`` … in laporan.css). A
#: kecamatan of 80 desa has ≈ 1,500 grid cells: the long class names and a tooltip per cell
#: came to half of its report, which must stay under 150 KB.
_SEL = {"hijau": "h", "kuning": "k", "merah": "m", "abu": "a", "biru": "b"}


# --- capaian --------------------------------------------------------------------------------


def _indicator_order(df: pd.DataFrame) -> list[str]:
    ind = df.drop_duplicates("indikator")
    sekt = ind["sektor"] if "sektor" in ind.columns else pd.Series([""] * len(ind), index=ind.index)
    keyed = sorted(zip(sekt.astype("string").fillna(""), ind["indikator"].astype(str)), key=lambda t: (_SEKTOR_ORDER.get(str(t[0]), 9), t[1]))
    return [i for _, i in keyed]


def traffic_light_table(
    capaian: pd.DataFrame,
    capaian_wilayah: pd.DataFrame | None = None,
    row_code: str = "kode_desa",
    row_name: str = "nama_desa",
    row_label: str = "Desa",
) -> Html:
    """Desa × indicator table with traffic-light cells, plus the kecamatan and kabupaten rows.

    Cells carry one-letter classes (``h``/``k``/``m``/``a``: hijau, kuning,
    merah, abu) and no end tags (optional in HTML for table cells and rows), so
    a large kecamatan's report stays small; the legend under the table names
    the classes.

    ``capaian``: classified desa values (``kode_desa, nama_desa, indikator, nilai, kelas``,
    optionally ``nama_indikator, target, label_kelas``); ``capaian_wilayah``: classified
    aggregated values with ``tingkat`` (kecamatan/kabupaten/provinsi rows are appended).
    """
    if capaian.empty:
        return Html('<p class="catatan">Tidak ada data capaian untuk tahun ini.</p>')
    inds = _indicator_order(capaian)
    first = capaian.drop_duplicates("indikator")
    nama_ind = dict(zip(first["indikator"], first["nama_indikator"])) if "nama_indikator" in first.columns else {}
    target = dict(zip(first["indikator"], first["target"])) if "target" in first.columns else {}
    head = [f"<th>{esc(row_label)}</th>"]
    singkatan = []
    for i in inds:
        tgt = target.get(i)
        nama = nama_ind.get(i) if not _missing(nama_ind.get(i)) else labels.nama_indikator(i)
        title = f"{nama} ({i})" + ("" if _missing(tgt) else f" — target {fmt_persen(tgt)}")
        # A short name in the narrow rotated header; the full name and code in the tooltip on screen
        # and in the list of short names under the table on paper.
        short = labels.nama_indikator(i, singkat=True)
        head.append(f'<th class="rot" title="{esc(title)}"><span>{esc(short)}</span></th>')
        singkatan.append(f"<b>{esc(short)}</b>: {esc(nama)} ({esc(i)})" + ("" if _missing(tgt) else f", target {esc(fmt_persen(tgt))}"))

    def cell_map(df: pd.DataFrame, key: str) -> dict[Any, dict[str, tuple[str, str, str]]]:
        # Plain-Python pass over the rows: per row key, indicator → (text, class, tooltip).
        kel = df["kelas"].tolist() if "kelas" in df.columns else ["abu"] * len(df)
        lab = df["label_kelas"].tolist() if "label_kelas" in df.columns else [None] * len(df)
        out: dict[Any, dict[str, tuple[str, str, str]]] = {}
        for k, ind, v, kl, lb in zip(df[key].tolist(), df["indikator"].tolist(), df["nilai"].tolist(), kel, lab):
            kl = "abu" if _missing(kl) else str(kl)
            out.setdefault(k, {}).setdefault(ind, (fmt_angka(v, 1), kl, LABEL_KELAS.get(kl, "") if _missing(lb) else str(lb)))
        return out

    def cells(values: Mapping[str, tuple[str, str, str]]) -> str:
        # The class colours the cell; the legend under the table names the classes.
        out = []
        for i in inds:
            c = values.get(i)
            if c is None:
                out.append("<td class=a>–")
            else:
                out.append(f"<td class={_SEL.get(c[1], 'a')}>{esc(c[0])}")
        return "".join(out)

    rows = []
    by_row = cell_map(capaian, row_code)
    names = dict(zip(capaian[row_code].tolist(), capaian[row_name].tolist()))
    for k in sorted(by_row, key=str):
        rows.append(f"<tr><th>{esc(names.get(k))}{cells(by_row[k])}")
    if capaian_wilayah is not None and not capaian_wilayah.empty:
        by_level = cell_map(capaian_wilayah, "tingkat")
        for tingkat, label in (("kecamatan", "Kecamatan"), ("kabupaten", "Kabupaten/Kota"), ("provinsi", "Provinsi")):
            if tingkat in by_level:
                rows.append(f'<tr class="agregat"><th>{esc(label)}{cells(by_level[tingkat])}')
    return Html(
        f'<div class="tabel-lebar"><table class="tabel lampu"><thead><tr>{"".join(head)}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>{kelas_legend()}'
        f'<p class="singkatan">{"; ".join(singkatan)}.</p>'
    )


def indicator_dictionary(kamus: pd.DataFrame) -> Html:
    """The annex: every indicator with its definition, target and the target's source and tag."""
    if kamus.empty:
        return Html('<p class="catatan">Kamus indikator kosong.</p>')
    labels = {
        "indikator": "Kode",
        "nama_indikator": "Indikator",
        "nama": "Indikator",
        "label_sektor": "Sektor",
        "pembilang": "Pembilang",
        "penyebut": "Penyebut",
        "definisi": "Definisi",
        "arah": "Arah",
        "target": "Target",
        "sumber_target": "Sumber target",
        "tag_target": "Status target",
    }
    cols = {c: h for c, h in labels.items() if c in kamus.columns}
    df = kamus.copy()
    if "label_sektor" not in df.columns and "sektor" in df.columns:
        df["label_sektor"] = [labels.nama_sektor(v) for v in df["sektor"].tolist()]
    if "arah" in df.columns:
        df["arah"] = df["arah"].map({"higher": "makin tinggi makin baik", "lower": "makin rendah makin baik"}).fillna(df["arah"])
    if "tag_target" in df.columns:
        df["tag_target"] = df["tag_target"].map({"sourced": "bersumber resmi", "proposed": "usulan kit"}).fillna(df["tag_target"])
    fmts = {"target": "persen"} if "target" in df.columns and pd.api.types.is_numeric_dtype(df["target"]) else {}
    return table(df, cols, fmts, css_class="tabel kecil")


def trend_summary(tren_desa: pd.DataFrame) -> Html:
    """Per indicator: how many desa improved, worsened or stayed (from the first year to the report's)."""
    if tren_desa.empty:
        return Html('<p class="catatan">Tren per desa memerlukan data lebih dari satu tahun.</p>')
    lab = "label_tren" if "label_tren" in tren_desa.columns else "tren"
    # Each step works on the columns it needs only: the per-desa trend table is wide and long.
    counted = tren_desa[["indikator", "kode_desa"]].assign(_l=tren_desa[lab].astype("string").fillna("Tidak ada data"))
    g = counted.pivot_table(index="indikator", columns="_l", values="kode_desa", aggfunc="count", fill_value=0,
                            observed=True)
    sektor = tren_desa["indikator"].astype(str).str.extract(r"^([A-Z]+)")[0]
    g = g.reindex(_indicator_order(tren_desa[["indikator"]].assign(sektor=sektor)))
    names = tren_desa[[c for c in ("indikator", "nama_indikator") if c in tren_desa.columns]]
    names = names.drop_duplicates("indikator").set_index("indikator")
    g = g.reset_index()
    if "nama_indikator" in names.columns:
        g.insert(1, "nama_indikator", g["indikator"].map(names["nama_indikator"]))
    cols = {"indikator": "Indikator", "nama_indikator": "Nama indikator", **{c: f"Desa: {c}" for c in g.columns[2:]}}
    first = tren_desa["tahun_awal"].iloc[0] if "tahun_awal" in tren_desa.columns else ""
    last = tren_desa["tahun_akhir"].iloc[0] if "tahun_akhir" in tren_desa.columns else ""
    return table(g, cols, {c: "angka" for c in g.columns[2:]}, caption=f"Jumlah desa menurut arah perubahan {first}–{last}",
                 css_class="tabel kecil")


def kecamatan_table(kecamatan: pd.DataFrame, pola_tautan: str = "") -> Html:
    """The kabupaten report's ranking table; each name links to its kecamatan report when ``pola_tautan``
    (e.g. ``"{kode}.html"``) is given.

    >>> t = pd.DataFrame({"kode_kecamatan": ["33.07.01"], "nama_kecamatan": ["<W>"], "peringkat": [1]})
    >>> '<a href="33.07.01.html">&lt;W&gt;</a>' in str(kecamatan_table(t, "{kode}.html"))
    True
    """
    if kecamatan.empty:
        return Html('<p class="catatan">Tidak ada kecamatan.</p>')
    cols = {"peringkat": "Peringkat", "kode_kecamatan": "Kode", "nama_kecamatan": "Kecamatan", "n_desa": "Desa",
            "indeks_capaian": "Indeks Capaian Layanan Dasar (rerata desa)", "n_merah": "Nilai merah",
            "porsi_layanan_dasar": "Porsi belanja layanan dasar", "porsi_siltap": "Porsi siltap & tunjangan"}
    fmts = {"indeks_capaian": "angka2", "porsi_layanan_dasar": "persen", "porsi_siltap": "persen", "n_merah": "angka"}
    out = str(table(kecamatan, cols, fmts, css_class="tabel kecil"))
    if pola_tautan:
        for kode, nama in zip(kecamatan["kode_kecamatan"].astype(str), kecamatan["nama_kecamatan"].astype(str)):
            href = html.escape(pola_tautan.replace("{kode}", kode), quote=True)
            cell = f"<td>{html.escape(nama)}</td>"
            out = out.replace(cell, f'<td><a href="{href}">{html.escape(nama)}</a></td>', 1)
    return Html(out)


def wide_counts(df: pd.DataFrame, names: Mapping[str, str], code: str = "kode_kecamatan", caption: str = "",
                bad_columns: Iterable[str] = ()) -> Html:
    """A wide count table (e.g. desa breaching each rule per kecamatan); non-zero counts in ``bad_columns`` red."""
    if df.empty:
        return Html('<p class="catatan">Tidak ada data.</p>')
    d = df.copy()
    d.insert(1, "_nama", d[code].map(dict(names)).fillna(d[code]))
    value_cols = [c for c in d.columns if c not in (code, "_nama")]
    parts = ['<table class="tabel kecil">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr><th>Kode</th><th>Kecamatan</th>" + "".join(f"<th>{esc(c)}</th>" for c in value_cols) + "</tr></thead><tbody>")
    bad = set(bad_columns)
    for rec in d.to_dict("records"):
        cells = []
        for c in value_cols:
            v = rec[c]
            cls = "num kl-merah" if c in bad and not _missing(v) and float(v) > 0 else "num"
            cells.append(f'<td class="{cls}">{esc(fmt_angka(v))}</td>')
        parts.append(f"<tr><td>{esc(rec[code])}</td><td>{esc(rec['_nama'])}</td>{''.join(cells)}</tr>")
    parts.append("</tbody></table>")
    return Html("".join(parts))


# --- demand side: need, proposals, budget ----------------------------------------------------

#: Colour of each need–demand–supply class (DOMAIN.md §5) in grids and legends.
WARNA_KELAS_USULAN = {
    "Selaras": "hijau",
    "Usulan belum terdanai": "kuning",
    "Kebutuhan belum tersuarakan": "merah",
    "Belanja tanpa kebutuhan mendesak": "biru",
    "Tidak mendesak": "abu",
}
_SINGKAT_KELAS_USULAN = {
    "Selaras": "Selaras",
    "Usulan belum terdanai": "Belum terdanai",
    "Kebutuhan belum tersuarakan": "Belum tersuarakan",
    "Belanja tanpa kebutuhan mendesak": "Belanja tanpa kebutuhan",
    "Tidak mendesak": "Tidak mendesak",
}


def need_demand_legend(penjelasan: Mapping[str, str]) -> Html:
    """Legend of the five need–demand–supply classes with what each means."""
    items = "".join(
        f'<li><span class="lgd kl-{WARNA_KELAS_USULAN.get(k, "abu")}">{esc(k)}</span> {esc(v)}</li>'
        for k, v in penjelasan.items()
    )
    return Html(f'<ul class="legenda-usulan">{items}</ul>')


def need_demand_grid(kebutuhan: pd.DataFrame, label_sektor: Mapping[str, str]) -> Html:
    """Desa × sector grid of the need–demand–supply classes.

    ``kebutuhan``: ``kode_desa, nama_desa, sektor, kelas`` and optionally
    ``n_merah, n_kuning, n_usulan, n_didanai`` (the non-zero ones shown as the
    cell's tooltip). Compact markup as :func:`traffic_light_table`.

    >>> k = pd.DataFrame({"kode_desa": ["1"], "nama_desa": ["<A>"], "sektor": ["KES"], "kelas": ["Selaras"],
    ...     "n_merah": [1], "n_kuning": [0], "n_usulan": [2], "n_didanai": [1]})
    >>> html = str(need_demand_grid(k, {"KES": "Kesehatan"}))
    >>> html[html.index("<tbody>"):]
    '<tbody><tr><th>&lt;A&gt;<td class=h title="merah 1; usulan 2; didanai 1">Selaras</tbody></table></div>'
    """
    if kebutuhan.empty:
        return Html('<p class="catatan">Belum ada data usulan masyarakat untuk tahun ini.</p>')
    sectors = [s for s in label_sektor if s in set(kebutuhan["sektor"])]
    head = "<th>Desa</th>" + "".join(f"<th>{esc(label_sektor[s])}</th>" for s in sectors)
    cells: dict[Any, dict[str, str]] = {}
    names: dict[Any, Any] = {}
    # Records of the columns shown only (the table carries twice as many, each converted per row otherwise).
    used = ["kode_desa", "nama_desa", "sektor", "kelas", "n_merah", "n_kuning", "n_usulan", "n_didanai"]
    for rec in kebutuhan[[c for c in used if c in kebutuhan.columns]].to_dict("records"):
        kelas = rec["kelas"]
        # Counts of zero are left out of the tooltip: the class already says them (no proposal, none funded…).
        tip = "; ".join(
            f"{lab} {int(rec[col])}" for col, lab in (("n_merah", "merah"), ("n_kuning", "kuning"),
                                                      ("n_usulan", "usulan"), ("n_didanai", "didanai"))
            if col in rec and not _missing(rec[col]) and int(rec[col]) != 0
        )
        warna = WARNA_KELAS_USULAN.get(kelas, "abu")
        title = f' title="{esc(tip)}"' if tip else ""
        cells.setdefault(rec["kode_desa"], {})[rec["sektor"]] = (
            f"<td class={_SEL.get(warna, 'a')}{title}>{esc(_SINGKAT_KELAS_USULAN.get(kelas, kelas))}"
        )
        names[rec["kode_desa"]] = rec.get("nama_desa")
    rows = [
        f"<tr><th>{esc(names[k])}" + "".join(cells[k].get(s, "<td class=a>–") for s in sectors)
        for k in sorted(cells, key=str)
    ]
    return Html(
        f'<div class="tabel-lebar"><table class="tabel lampu usulan"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
    )


def need_demand_counts(usulan_wilayah: pd.DataFrame, label_sektor: Mapping[str, str], kelas: Sequence[str]) -> Html:
    """Number of desa per class and sector, kecamatan and kabupaten side by side."""
    if usulan_wilayah.empty:
        return Html('<p class="catatan">Belum ada data usulan masyarakat untuk tahun ini.</p>')
    parts = []
    for tingkat, judul in (("kecamatan", "Kecamatan"), ("kabupaten", "Kabupaten/Kota")):
        d = usulan_wilayah[usulan_wilayah["tingkat"] == tingkat]
        if d.empty:
            continue
        # groupby + unstack gives pivot_table's sums at a third of its cost (it is called twice a report).
        wide = d.groupby(["sektor", "kelas"], observed=True)["n_desa"].sum().unstack()
        wide = wide.reindex(index=[s for s in label_sektor if s in wide.index], columns=list(kelas)).fillna(0)
        head = "<th>Sektor</th>" + "".join(
            f'<th><span class="lgd kl-{WARNA_KELAS_USULAN.get(k, "abu")}">{esc(_SINGKAT_KELAS_USULAN.get(k, k))}</span></th>'
            for k in kelas
        )
        body = "".join(
            f"<tr><td>{esc(label_sektor[s])}</td>" + "".join(f'<td class="num">{esc(fmt_angka(v))}</td>' for v in row)
            + "</tr>"
            for s, row in zip(wide.index, wide.to_numpy())
        )
        nama = d["nama_wilayah"].iloc[0]
        parts.append(
            f'<table class="tabel kecil"><caption>{esc(judul)} {esc(nama)}: jumlah desa per kelas</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return Html("".join(parts))


# --- rules, findings, stamp ------------------------------------------------------------------


def rules_table(aturan: pd.DataFrame, tahun: int | None = None, only_breaches: bool = False) -> Html:
    """Fiscal rules per desa (``nama_desa, tahun, aturan, nilai, batas_bawah, batas_atas, patuh, pesan``).

    Compliant rows are green, breaches red, rules without data grey;
    ``only_breaches`` keeps the breaches only.
    """
    if aturan.empty:
        return Html('<p class="catatan">Tidak ada aturan belanja yang dapat diperiksa.</p>')
    df = aturan if tahun is None or "tahun" not in aturan.columns else aturan[aturan["tahun"] == tahun]
    if only_breaches:
        df = df[df["patuh"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)]
        if df.empty:
            return Html('<p class="catatan">Tidak ada desa yang melanggar aturan belanja pada tahun ini.</p>')
    patuh = df["patuh"].astype("boolean") if "patuh" in df.columns else pd.Series(pd.NA, index=df.index, dtype="boolean")
    df = df.assign(
        _kelas=patuh.map({True: "hijau", False: "merah"}).astype("object").where(patuh.notna(), "abu"),
        _patuh=patuh.map({True: "Patuh", False: "Tidak patuh"}).astype("object").where(patuh.notna(), "Tidak ada data"),
    )
    cols = {"nama_desa": "Desa", "tahun": "Tahun", "nama_aturan": "Aturan", "nilai": "Nilai", "batas_bawah": "Batas bawah",
            "batas_atas": "Batas atas", "_patuh": "Status", "pesan": "Keterangan"}
    return table(df, cols, {"nilai": "persen", "batas_bawah": "persen", "batas_atas": "persen"}, "_kelas", ["_patuh", "nilai"], css_class="tabel kecil")


def rules_summary(aturan: pd.DataFrame) -> Html:
    """Per year and rule: how many desa comply, breach, or lack data."""
    if aturan.empty:
        return Html('<p class="catatan">Tidak ada aturan belanja yang dapat diperiksa.</p>')
    patuh = aturan["patuh"].astype("boolean")
    # A narrow table of the three flags summed in one groupby (named aggregation over the wide rule table
    # cost three times as much).
    df = pd.DataFrame({
        "tahun": aturan["tahun"],
        "aturan": aturan["aturan"],
        "patuh": patuh.fillna(False) & patuh.notna(),
        "langgar": (~patuh.fillna(True)) & patuh.notna(),
        "kosong": patuh.isna(),
    })
    g = df.groupby(["tahun", "aturan"], sort=True).sum().reset_index()
    g = g.assign(_kelas=g["langgar"].gt(0).map({True: "merah", False: "hijau"}),
                 aturan=[labels.nama_aturan(a) for a in g["aturan"].tolist()])
    return table(
        g,
        {"tahun": "Tahun", "aturan": "Aturan", "patuh": "Desa patuh", "langgar": "Desa melanggar", "kosong": "Tanpa data"},
        {"patuh": "angka", "langgar": "angka", "kosong": "angka"},
        "_kelas",
        ["langgar"],
        css_class="tabel kecil",
    )


_TINGKAT_TEMUAN = {"galat": "merah", "peringatan": "kuning", "info": "abu"}


def findings_summary(kualitas: pd.DataFrame) -> Html:
    """Counts of data-quality findings per rule and level."""
    if kualitas.empty:
        return Html('<p class="catatan">Tidak ada temuan kualitas data untuk kecamatan ini.</p>')
    g = kualitas.groupby(["tingkat", "aturan"], sort=False).size().rename("jumlah").reset_index()
    g = g.assign(_o=g["tingkat"].map({"galat": 0, "peringatan": 1, "info": 2}).fillna(3)).sort_values(["_o", "jumlah"], ascending=[True, False])
    g = g.assign(_kelas=g["tingkat"].map(_TINGKAT_TEMUAN).fillna("abu"))
    return table(g, {"tingkat": "Tingkat", "aturan": "Aturan", "jumlah": "Jumlah temuan"}, {"jumlah": "angka"}, "_kelas", ["tingkat"], css_class="tabel kecil")


def findings_table(kualitas: pd.DataFrame, max_rows: int = 40) -> Html:
    """The findings themselves (most severe first), with the village, field, value and rule."""
    if kualitas.empty:
        return Html("")
    df = kualitas.assign(_o=kualitas["tingkat"].map({"galat": 0, "peringatan": 1, "info": 2}).fillna(3))
    df = df.sort_values(["_o", "kode_desa", "tahun"], kind="stable")
    df = df.assign(_kelas=df["tingkat"].map(_TINGKAT_TEMUAN).fillna("abu"))
    cols = {"tingkat": "Tingkat", "kode_desa": "Kode desa", "tahun": "Tahun", "tabel": "Tabel", "kolom": "Kolom", "nilai": "Nilai", "pesan": "Pesan"}
    return table(df, cols, {}, "_kelas", ["tingkat"], max_rows=max_rows, css_class="tabel kecil", compact=True)


def agenda_table(agenda: pd.DataFrame, max_rows: int = 60) -> Html:
    """The agenda terpadu: who acts, where, on what."""
    cols = {
        "prioritas": "Prioritas",
        "nama_desa": "Desa",
        "nama_indikator": "Indikator",
        "nilai": "Nilai",
        "target": "Target",
        "kesenjangan": "Kesenjangan",
        "penanggung_jawab": "Penanggung jawab",
        "sub_bidang_apbdes": "Sub-bidang APBDes",
        "jenis_agenda": "Jenis agenda",
    }
    # Always formatted: with the proposal rows (no value, no target) added these columns hold objects.
    num = {c: "angka1" for c in ("nilai", "target", "kesenjangan") if c in agenda.columns}
    if "nama_indikator" in agenda.columns and "indikator" in agenda.columns:
        # Rows of rule breaches name the rule by its code: show its readable name.
        agenda = agenda.assign(nama_indikator=[
            labels.nama_aturan(i) if (labels.is_missing(n) or str(n) == str(i)) and str(s) == "ATURAN" else n
            for i, n, s in zip(agenda["indikator"].tolist(), agenda["nama_indikator"].tolist(),
                               agenda["sektor"].tolist() if "sektor" in agenda.columns else [None] * len(agenda))])
    return table(agenda, cols, num, max_rows=max_rows, css_class="tabel kecil", compact=True,
                 kosong="Tidak ada agenda: tidak ada indikator berstatus merah.")


def split_values(split: Mapping[str, Any]) -> Html:
    """The quadrant's split values and how they were chosen, printed beside the chart."""
    if not split:
        return Html('<p class="catatan">Nilai pembagi kuadran tidak tersedia.</p>')
    label = {
        "batas_x": "Pembagi kesenjangan layanan (sumbu datar)",
        "cara_x": "Cara memilih pembagi kesenjangan",
        "batas_y": "Pembagi porsi belanja layanan dasar, % (sumbu tegak)",
        "cara_y": "Cara memilih pembagi belanja",
        "sama_dengan_batas": "Nilai tepat pada pembagi dihitung",
        "n_desa": "Desa dengan data lengkap",
    }
    items = []
    for k, v in split.items():
        if isinstance(v, float):
            text = fmt_angka(v, 3 if abs(v) < 2 else 1)
        else:
            text = "–" if _missing(v) else str(v)
        items.append(f"<div><dt>{esc(label.get(k, k.replace('_', ' ')))}</dt><dd>{esc(text)}</dd></div>")
    return Html(f'<dl class="pembagi">{"".join(items)}</dl>')
