"""Kecamatan and kabupaten totals of the demand side, and agenda-terpadu rows (see :mod:`p3pd_lib.usulan`)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ParameterError
from .usulan_base import (
    BELUM_TERSUARAKAN, COUNT_COLS, KELAS, LABEL_SEKTOR, SEKTOR, SUM_COLS, SUMMARY_COLUMNS, TINGKAT,
    area_of, check_parameters, check_values, clean_text, desa_names, f64, load_parameters, pct, require_columns,
    year_column,
)


# --- aggregation -------------------------------------------------------------------------------------


def _area_names(codes: pd.Series, level: str, wilayah: pd.DataFrame | None) -> pd.Series:
    col_k, col_n = f"kode_{level}", f"nama_{level}"
    if wilayah is None or not {col_k, col_n} <= set(wilayah.columns):
        return pd.Series(pd.NA, index=codes.index, dtype="string")
    m = wilayah[[col_k, col_n]].astype("string").drop_duplicates(col_k).set_index(col_k)[col_n]
    return codes.map(m).astype("string")


def _levels(tingkat: Sequence[str] | str) -> list[str]:
    levels = [tingkat] if isinstance(tingkat, str) else list(tingkat)
    bad = [t for t in levels if t not in TINGKAT]
    if bad or not levels:
        raise ParameterError(f"tingkat harus 'kecamatan' dan/atau 'kabupaten', bukan: {', '.join(map(str, bad)) or '(kosong)'}.")
    return levels


def _area_column(df: pd.DataFrame, level: str, wilayah: pd.DataFrame | None) -> pd.Series:
    return area_of(df["kode_desa"].astype("string"), level, df, wilayah)


def aggregate_classes(
    classes: pd.DataFrame,
    wilayah: pd.DataFrame | None = None,
    tingkat: Sequence[str] | str = TINGKAT,
) -> pd.DataFrame:
    """Number of desa per need–demand–supply class, per area, year and sector.

    ``classes``: output of :func:`need_demand_supply` (``kode_desa, tahun,
    sektor, kelas``). One row per area × year × sector × each of the five
    classes (0 when no desa is in it), so the counts of an area add up to its
    classified desa. Columns ``kode_wilayah, nama_wilayah, tingkat, tahun,
    sektor, kelas, n_desa, n_desa_total, porsi_desa`` (percent of the area's
    classified desa). Areas come from ``kode_kecamatan`` of ``classes``,
    ``wilayah``, or the desa code; names from ``wilayah``.

    >>> cl = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "kelas": ["Selaras", "Tidak mendesak"]})
    >>> a = aggregate_classes(cl, tingkat="kecamatan")
    >>> a[a["n_desa"] > 0][["kode_wilayah", "kelas", "n_desa", "porsi_desa"]].values.tolist()
    [['33.07.01', 'Selaras', 1, 50.0], ['33.07.01', 'Tidak mendesak', 1, 50.0]]
    """
    require_columns(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    levels = _levels(tingkat)
    check_values(classes["kelas"].astype("string"), KELAS, "Kolom kelas")
    parts = []
    for level in levels:
        df = pd.DataFrame(
            {
                "kode_wilayah": _area_column(classes, level, wilayah).to_numpy(dtype=object),
                "tahun": classes["tahun"].to_numpy(dtype=object),
                "sektor": classes["sektor"].astype("string").to_numpy(dtype=object),
                "kelas": pd.Categorical(classes["kelas"].astype("string"), categories=list(KELAS)),
            }
        )
        cnt = df.groupby(["kode_wilayah", "tahun", "sektor", "kelas"], observed=False).size().rename("n_desa")
        cnt = cnt.reset_index()
        # observed=False crosses every area with every year and sector; keep only combinations that exist.
        present = df[["kode_wilayah", "tahun", "sektor"]].drop_duplicates()
        cnt = present.merge(cnt, on=["kode_wilayah", "tahun", "sektor"], how="left")
        cnt["tingkat"] = level
        parts.append(cnt)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out = out.astype({"kode_wilayah": "string", "tahun": "Int64", "sektor": "string", "tingkat": "string"})
    out["kelas"] = out["kelas"].astype("string")
    out["n_desa"] = pd.array(out["n_desa"].to_numpy(dtype="int64"), dtype="Int64")
    total = out.groupby(["tingkat", "kode_wilayah", "tahun", "sektor"])["n_desa"].transform("sum")
    out["n_desa_total"] = pd.array(total.to_numpy(dtype="int64"), dtype="Int64")
    out["porsi_desa"] = pct(out["n_desa"].to_numpy(dtype="float64"), out["n_desa_total"].to_numpy(dtype="float64"))
    out["nama_wilayah"] = pd.concat(
        [_area_names(g["kode_wilayah"], lv, wilayah) for lv, g in out.groupby("tingkat", sort=False)]
    ).reindex(out.index)
    order = {k: i for i, k in enumerate(KELAS)}
    out = out.assign(
        _t=out["tingkat"].map({t: i for i, t in enumerate(TINGKAT)}),
        _s=out["sektor"].map({s: i for i, s in enumerate(SEKTOR)}),
        _k=out["kelas"].map(order),
    ).sort_values(["_t", "kode_wilayah", "tahun", "_s", "_k"], kind="stable")
    cols = ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "kelas", "n_desa", "n_desa_total",
            "porsi_desa"]
    return out[cols].reset_index(drop=True)


def _aggregate_sums(
    table: pd.DataFrame,
    keys: Sequence[str],
    counts: Sequence[str],
    sums: Sequence[str],
    wilayah: pd.DataFrame | None,
    levels: list[str],
) -> pd.DataFrame:
    parts = []
    for level in levels:
        df = table[[*keys, *counts, *sums]].copy()
        df.insert(0, "kode_wilayah", _area_column(table, level, wilayah).to_numpy(dtype=object))
        for c in counts:
            df[c] = df[c].astype("float64")
        for c in sums:
            df[c] = df[c].astype("float64")
        gk = ["kode_wilayah", *[k for k in keys if k != "kode_desa"]]
        df = df.astype({k: "object" for k in gk})
        g = df.groupby(gk, sort=True, dropna=False)
        agg = g[list(counts)].sum()
        agg = agg.join(g[list(sums)].sum(min_count=1))  # missing Rupiah stay missing
        agg["n_desa"] = g["kode_desa"].nunique()
        agg = agg.reset_index()
        agg["tingkat"] = level
        agg["nama_wilayah"] = _area_names(agg["kode_wilayah"].astype("string"), level, wilayah).to_numpy()
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    out = out.astype({"kode_wilayah": "string", "tahun": "Int64", "tingkat": "string", "nama_wilayah": "string"})
    if "sektor" in out.columns:
        out["sektor"] = out["sektor"].astype("string")
    for c in (*counts, "n_desa"):
        out[c] = pd.array(out[c].to_numpy(dtype="int64"), dtype="Int64")
    for c in sums:
        out[c] = f64(out[c].to_numpy(dtype="float64"))
    return out


def aggregate_proposals(
    summary: pd.DataFrame,
    wilayah: pd.DataFrame | None = None,
    tingkat: Sequence[str] | str = TINGKAT,
) -> pd.DataFrame:
    """Proposal metrics of :func:`proposal_summary` summed to kecamatan and kabupaten.

    Counts and Rupiah are summed (a Rupiah sum over only-missing values stays
    ``<NA>``); shares are recomputed as Σ/Σ: ``porsi_didanai`` = 100 × Σ
    n_didanai_apbdes / Σ n_usulan, ``porsi_didanai_rp`` = 100 × Σ pembilang_rp /
    Σ penyebut_rp — not the mean of village shares. Columns ``kode_wilayah,
    nama_wilayah, tingkat, tahun, sektor, n_desa`` (desa with a row),
    ``n_desa_dengan_usulan``, then the count and Rupiah columns and the two shares.

    >>> from p3pd_lib.usulan import proposal_summary
    >>> s = proposal_summary(pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2002"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "status": ["didanai_apbdes", "ditolak", "ditolak"],
    ...     "perkiraan_biaya": [10.0, 10.0, 10.0], "anggaran_disetujui": [10.0, None, None]}))
    >>> a = aggregate_proposals(s, tingkat="kecamatan").set_index("sektor")
    >>> int(a.loc["KES", "n_desa"]), int(a.loc["KES", "n_usulan"]), round(float(a.loc["KES", "porsi_didanai"]), 2)
    (2, 3, 33.33)
    """
    require_columns(summary, ("kode_desa", "tahun", "sektor", *COUNT_COLS, *SUM_COLS), "Tabel ringkasan usulan")
    levels = _levels(tingkat)
    t = summary.assign(_dengan=(summary["n_usulan"].fillna(0) > 0).astype(int))
    out = _aggregate_sums(t, ["kode_desa", "tahun", "sektor"], [*COUNT_COLS, "_dengan"], list(SUM_COLS), wilayah, levels)
    out = out.rename(columns={"_dengan": "n_desa_dengan_usulan"})
    out["porsi_didanai"] = pct(out["n_didanai_apbdes"].to_numpy(dtype="float64"), out["n_usulan"].to_numpy(dtype="float64"))
    out["porsi_didanai_rp"] = pct(
        out["pembilang_rp"].to_numpy(dtype="float64", na_value=np.nan),
        out["penyebut_rp"].to_numpy(dtype="float64", na_value=np.nan),
    )
    out = _sort_areas(out)
    cols = ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "n_desa", "n_desa_dengan_usulan",
            *[c for c in SUMMARY_COLUMNS if c not in ("kode_desa", "tahun", "sektor")]]
    return out[cols]


def aggregate_budget_answering(
    budget: pd.DataFrame,
    wilayah: pd.DataFrame | None = None,
    tingkat: Sequence[str] | str = TINGKAT,
) -> pd.DataFrame:
    """:func:`budget_answering_proposals` summed to kecamatan and kabupaten, share as Σ/Σ.

    ``porsi_menjawab_usulan`` = 100 × Σ anggaran_menjawab_usulan / Σ
    anggaran_layanan_dasar. Works on the per-desa and the per-sector form;
    ``n_kegiatan_menjawab`` is summed over desa (a kegiatan of two desa counts
    twice). Columns ``kode_wilayah, nama_wilayah, tingkat, tahun, [sektor],
    n_desa``, then the sums and the share.
    """
    require_columns(budget, ("kode_desa", "tahun", "anggaran_layanan_dasar", "anggaran_menjawab_usulan",
                      "n_kegiatan_menjawab"), "Tabel anggaran yang menjawab usulan")
    levels = _levels(tingkat)
    keys = ["kode_desa", "tahun", *(["sektor"] if "sektor" in budget.columns else [])]
    counts = [c for c in ("n_kegiatan_menjawab", "n_usulan_didanai", "n_usulan_didanai_tanpa_kode") if c in budget.columns]
    out = _aggregate_sums(budget, keys, counts, ["anggaran_layanan_dasar", "anggaran_menjawab_usulan"], wilayah, levels)
    out["porsi_menjawab_usulan"] = pct(
        out["anggaran_menjawab_usulan"].to_numpy(dtype="float64", na_value=np.nan),
        out["anggaran_layanan_dasar"].to_numpy(dtype="float64", na_value=np.nan),
    )
    out = _sort_areas(out)
    cols = ["kode_wilayah", "nama_wilayah", "tingkat", *keys[1:], "n_desa", "anggaran_layanan_dasar",
            "anggaran_menjawab_usulan", "porsi_menjawab_usulan", *counts]
    return out[cols]


def _sort_areas(out: pd.DataFrame) -> pd.DataFrame:
    sort = ["_t", "kode_wilayah", "tahun"]
    out = out.assign(_t=out["tingkat"].map({t: i for i, t in enumerate(TINGKAT)}))
    if "sektor" in out.columns:
        out = out.assign(_s=out["sektor"].map({s: i for i, s in enumerate((*SEKTOR, "LAIN"))}))
        sort.append("_s")
    return out.sort_values(sort, kind="stable").drop(columns=[c for c in ("_t", "_s") if c in out]).reset_index(drop=True)


# --- agenda terpadu -----------------------------------------------------------------------------------

#: Columns of :func:`agenda_rows`: the agenda shape without ``prioritas`` and ``kuadran``.
AGENDA_ROW_COLUMNS = [
    "kode_desa", "nama_desa", "tahun", "jenis_agenda", "sektor", "indikator", "nama_indikator", "nilai", "target",
    "sumber_target", "kesenjangan", "penanggung_jawab", "sub_bidang_apbdes", "keterangan",
]


def agenda_rows(
    classes: pd.DataFrame,
    wilayah: pd.DataFrame | None = None,
    params: Mapping[str, Any] | None = None,
    sub_bidang: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Agenda-terpadu rows for the two classes that call for action (DOMAIN.md §7).

    "Kebutuhan belum tersuarakan" → village facilitation so that the need
    enters the proposals; "Usulan belum terdanai" → the budget discussion with
    the village. ``classes``: output of :func:`need_demand_supply` (needs
    ``kode_desa, tahun, sektor, kelas``; uses ``nama_desa, n_merah, n_kuning,
    n_usulan, ada_data_usulan`` when present). ``params``: as
    ``parameters/usulan.yaml`` (who acts, the wording). ``sub_bidang``: sector
    → suggested APBDes sub-bidang; default ``sub_bidang_apbdes`` of
    ``parameters/agenda.yaml``.

    Columns ``AGENDA_ROW_COLUMNS`` (``agenda.AGENDA_COLUMNS`` without
    ``prioritas`` and ``kuadran``), ``jenis_agenda`` "Usulan masyarakat",
    ``indikator`` the class's short code, ``nama_indikator`` the class,
    ``nilai``/``target``/``kesenjangan`` empty (the explanation, with the
    counts, is in ``keterangan``). Pass them to
    ``agenda.agenda_terpadu(..., extra_rows=agenda_rows(classes))``.

    >>> cl = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "sektor": ["KES"],
    ...     "kelas": ["Kebutuhan belum tersuarakan"], "n_merah": [2], "n_kuning": [0], "n_usulan": [0]})
    >>> r = agenda_rows(cl, sub_bidang={"KES": "02.02"})
    >>> r[["indikator", "sub_bidang_apbdes"]].values.tolist()
    [['USL-SUARA', '02.02']]
    >>> print(r["keterangan"].iloc[0].split(". ", 1)[1])
    Sektor Kesehatan: 2 indikator merah, 0 kuning; belum ada usulan masyarakat untuk tahun 2024.
    """
    require_columns(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    p = check_parameters(params) if params is not None else load_parameters()
    if sub_bidang is None:
        from .agenda import load_agenda_parameters  # only the parameter file, not the agenda logic

        sub_bidang = load_agenda_parameters()["sub_bidang_apbdes"]
    kelas = classes["kelas"].astype("string")
    sel = classes[kelas.isin(list(p["agenda"])).fillna(False).to_numpy(dtype=bool)]
    if sel.empty:
        return _empty_agenda()
    k = sel["kelas"].astype("string")
    sektor = clean_text(sel["sektor"], "upper")
    entry = {name: dict(v) for name, v in p["agenda"].items()}

    def num(col: str) -> pd.Series:
        if col not in sel.columns:
            return pd.Series("?", index=sel.index, dtype="string")
        return pd.to_numeric(sel[col], errors="coerce").astype("Int64").astype("string").fillna("?")

    label = sektor.map(LABEL_SEKTOR).fillna(sektor).astype("string")
    tahun = year_column(sel["tahun"], "Tabel kelas").astype("string")
    tindakan = k.map({n: " ".join(str(e["tindakan"]).split()) for n, e in entry.items()}).astype("string")
    suara = (
        tindakan + " Sektor " + label + ": " + num("n_merah") + " indikator merah, " + num("n_kuning")
        + " kuning; belum ada usulan masyarakat untuk tahun " + tahun + "."
    )
    if "ada_data_usulan" in sel.columns:
        no_data = sel["ada_data_usulan"].eq(False).fillna(False).to_numpy(dtype=bool)
        suara = suara.where(
            ~no_data,
            suara + " Tidak ada usulan apa pun tercatat untuk desa ini pada tahun itu: pastikan data usulan "
            "sudah dikirim.",
        )
    dana = (
        tindakan + " Sektor " + label + ": " + num("n_usulan")
        + " usulan masyarakat, belum satu pun didanai APBDes tahun " + tahun + "."
    )
    keterangan = suara.where(k.eq(BELUM_TERSUARAKAN), dana)
    return pd.DataFrame(
        {
            "kode_desa": clean_text(sel["kode_desa"]),
            "nama_desa": desa_names(clean_text(sel["kode_desa"]), sel, wilayah),
            "tahun": year_column(sel["tahun"], "Tabel kelas"),
            "jenis_agenda": pd.Series(str(p["jenis_agenda"]), index=sel.index, dtype="string"),
            "sektor": sektor,
            "indikator": k.map({n: str(e["indikator"]) for n, e in entry.items()}).astype("string"),
            "nama_indikator": k,
            "nilai": pd.Series(pd.NA, index=sel.index, dtype="Float64"),
            "target": pd.Series(pd.NA, index=sel.index, dtype="Float64"),
            "sumber_target": pd.Series(pd.NA, index=sel.index, dtype="string"),
            "kesenjangan": pd.Series(pd.NA, index=sel.index, dtype="Float64"),
            "penanggung_jawab": k.map({n: str(e["penanggung_jawab"]) for n, e in entry.items()}).astype("string"),
            "sub_bidang_apbdes": sektor.map(dict(sub_bidang)).astype("string"),
            "keterangan": keterangan.astype("string"),
        }
    ).reset_index(drop=True)[AGENDA_ROW_COLUMNS]


def _empty_agenda() -> pd.DataFrame:
    dtypes = {c: "string" for c in AGENDA_ROW_COLUMNS}
    dtypes.update({"tahun": "Int64", "nilai": "Float64", "target": "Float64", "kesenjangan": "Float64"})
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
