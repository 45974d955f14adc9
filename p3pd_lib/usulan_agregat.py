"""Kecamatan and kabupaten totals of the demand side, and agenda-terpadu rows (see :mod:`p3pd_lib.usulan`)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .errors import ParameterError
from .usulan_base import (
    BELUM_TERSUARAKAN, COUNT_COLS, KELAS, LABEL_SEKTOR, SEKTOR, SUM_COLS, SUMMARY_COLUMNS, TINGKAT, area_of,
    check_parameters, check_values, load_parameters, lookup, money, pct, require_columns, text, years,
)

# --- kecamatan and kabupaten ------------------------------------------------------------------------


def _levels(tingkat: Sequence[str] | str) -> list[str]:
    levels = [tingkat] if isinstance(tingkat, str) else list(tingkat)
    bad = [str(t) for t in levels if t not in TINGKAT]
    if bad or not levels:
        raise ParameterError(f"tingkat harus 'kecamatan' dan/atau 'kabupaten', bukan: {', '.join(bad) or '(kosong)'}.")
    return levels


def _with_area(table: pd.DataFrame, level: str, wilayah: pd.DataFrame | None) -> pd.DataFrame:
    """``table`` with ``kode_wilayah`` (its desa's kecamatan or kabupaten) and ``tingkat``."""
    return table.assign(kode_wilayah=area_of(table["kode_desa"].astype("string"), level, table, wilayah),
                        tingkat=level)


def _finish(out: pd.DataFrame, wilayah: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """Area names, text and year types, and the display order: tingkat, area, year, sector, class."""
    names = [lookup(g["kode_wilayah"], f"nama_{lv}", wilayah, key=f"kode_{lv}") for lv, g in out.groupby("tingkat")]
    out = out.assign(nama_wilayah=pd.concat(names) if names else None)
    rank = {"tingkat": TINGKAT, "sektor": (*SEKTOR, "LAIN"), "kelas": KELAS}
    out = out.sort_values([c for c in ("tingkat", "kode_wilayah", "tahun", "sektor", "kelas") if c in out],
                          key=lambda c: c.map({v: i for i, v in enumerate(rank[c.name])}) if c.name in rank else c)
    types = {c: "string" for c in ("kode_wilayah", "nama_wilayah", "tingkat", "sektor", "kelas") if c in out}
    return out.astype({"tahun": "Int64", **types})[columns].reset_index(drop=True)


def aggregate_classes(classes: pd.DataFrame, wilayah: pd.DataFrame | None = None,
                      tingkat: Sequence[str] | str = TINGKAT) -> pd.DataFrame:
    """Number of desa per need–demand–supply class, per area, year and sector.

    ``classes``: output of :func:`need_demand_supply`. Every class is listed for
    every area, year and sector (0 when no desa is in it), so the counts add up
    to the classified desa. Columns ``kode_wilayah, nama_wilayah, tingkat,
    tahun, sektor, kelas, n_desa, n_desa_total, porsi_desa`` (percent of the
    area's classified desa). Areas from ``kode_kecamatan`` of ``classes``,
    ``wilayah`` or the desa code; names from ``wilayah``.

    >>> cl = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "kelas": ["Selaras", "Tidak mendesak"]})
    >>> a = aggregate_classes(cl, tingkat="kecamatan")
    >>> a[a["n_desa"] > 0][["kode_wilayah", "kelas", "n_desa", "porsi_desa"]].values.tolist()
    [['33.07.01', 'Selaras', 1, 50.0], ['33.07.01', 'Tidak mendesak', 1, 50.0]]
    """
    require_columns(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    check_values(classes["kelas"].astype("string"), KELAS, "Kolom kelas")
    keys = ["tingkat", "kode_wilayah", "tahun", "sektor"]
    out = pd.concat([
        _with_area(classes, level, wilayah).astype({"sektor": "string", "kelas": "string"})
        .groupby([*keys, "kelas"]).size().unstack("kelas", fill_value=0)
        .reindex(columns=list(KELAS), fill_value=0).stack().rename("n_desa").reset_index()
        for level in _levels(tingkat)
    ], ignore_index=True)
    out = out.assign(n_desa_total=out.groupby(keys)["n_desa"].transform("sum")).astype(
        {"n_desa": "Int64", "n_desa_total": "Int64"})
    out = out.assign(porsi_desa=pct(out["n_desa"], out["n_desa_total"]))
    return _finish(out, wilayah, ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "kelas", "n_desa",
                                  "n_desa_total", "porsi_desa"])


def aggregate_proposals(summary: pd.DataFrame, wilayah: pd.DataFrame | None = None,
                        tingkat: Sequence[str] | str = TINGKAT) -> pd.DataFrame:
    """Proposal metrics of :func:`proposal_summary` summed to kecamatan and kabupaten.

    Counts and Rupiah are summed; shares are Σ/Σ (``porsi_didanai`` = 100 × Σ
    n_didanai_apbdes / Σ n_usulan, ``porsi_didanai_rp`` = 100 × Σ pembilang_rp
    / Σ penyebut_rp), not a mean of village shares. Columns ``kode_wilayah,
    nama_wilayah, tingkat, tahun, sektor, n_desa`` (desa with a row),
    ``n_desa_dengan_usulan``, then the columns of the summary.

    >>> from p3pd_lib.usulan import proposal_summary
    >>> s = proposal_summary(pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2002"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "status": ["didanai_apbdes", "ditolak", "ditolak"],
    ...     "perkiraan_biaya": [10.0, 10.0, 10.0], "anggaran_disetujui": [10.0, None, None]}))
    >>> a = aggregate_proposals(s, tingkat="kecamatan").set_index("sektor")
    >>> int(a.loc["KES", "n_desa"]), int(a.loc["KES", "n_usulan"]), round(float(a.loc["KES", "porsi_didanai"]), 2)
    (2, 3, 33.33)
    """
    require_columns(summary, ("kode_desa", "tahun", "sektor", *COUNT_COLS, *SUM_COLS), "Tabel ringkasan usulan")
    counts = [*COUNT_COLS, "n_desa_dengan_usulan"]
    summary = summary.assign(n_desa_dengan_usulan=summary["n_usulan"].fillna(0) > 0)
    parts = []
    for level in _levels(tingkat):
        t = _with_area(summary, level, wilayah).astype({c: "float64" for c in [*counts, *SUM_COLS]})
        g = t.groupby(["tingkat", "kode_wilayah", "tahun", "sektor"], dropna=False)
        # a sum of only missing Rupiah stays missing
        parts.append(g[counts].sum().join(g[list(SUM_COLS)].sum(min_count=1)).assign(n_desa=g["kode_desa"].nunique()))
    out = pd.concat(parts).reset_index().astype({**dict.fromkeys([*counts, "n_desa"], "Int64"),
                                                 **dict.fromkeys(SUM_COLS, "Float64")})
    out = out.assign(porsi_didanai=pct(out["n_didanai_apbdes"], out["n_usulan"]),
                     porsi_didanai_rp=pct(out["pembilang_rp"], out["penyebut_rp"]))
    return _finish(out, wilayah, ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "n_desa",
                                  "n_desa_dengan_usulan", *SUMMARY_COLUMNS[3:]])


# --- agenda terpadu -----------------------------------------------------------------------------------

#: Columns of :func:`agenda_rows`: the agenda shape without ``prioritas`` and ``kuadran``.
AGENDA_ROW_COLUMNS = [
    "kode_desa", "nama_desa", "tahun", "jenis_agenda", "sektor", "indikator", "nama_indikator", "nilai", "target",
    "sumber_target", "kesenjangan", "penanggung_jawab", "sub_bidang_apbdes", "keterangan",
]


def agenda_rows(classes: pd.DataFrame, wilayah: pd.DataFrame | None = None, params: Mapping[str, Any] | None = None,
                sub_bidang: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Agenda-terpadu rows for the two classes that call for action (DOMAIN.md §7).

    "Kebutuhan belum tersuarakan" → village facilitation so that the need
    enters the proposals; "Usulan belum terdanai" → the budget discussion.
    ``classes``: output of :func:`need_demand_supply`; ``params``: as
    ``parameters/usulan.yaml`` (who acts, the wording); ``sub_bidang``: sector →
    APBDes sub-bidang (default ``parameters/agenda.yaml``). Columns
    ``AGENDA_ROW_COLUMNS``; ``nilai``/``target``/``kesenjangan`` stay empty, the
    counts are in ``keterangan``. Use ``agenda.agenda_terpadu(..., extra_rows=...)``.

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
    sel = classes[classes["kelas"].astype("string").isin(list(p["agenda"])).fillna(False).to_numpy(dtype=bool)]
    kelas, sektor = sel["kelas"].astype("string"), text(sel["sektor"], "upper")
    tahun = years(sel["tahun"], "Tabel kelas")

    def entry(key: str) -> pd.Series:
        return kelas.map({k: " ".join(str(v[key]).split()) for k, v in p["agenda"].items()}).astype("string")

    def num(col: str) -> pd.Series:  # a count as text, "?" when unknown
        known = pd.to_numeric(sel[col], errors="coerce").astype("Int64").astype("string") if col in sel else None
        return pd.Series(known, index=sel.index, dtype="string").fillna("?")

    head = entry("tindakan") + " Sektor " + sektor.map(LABEL_SEKTOR).fillna(sektor).astype("string") + ": "
    year = tahun.astype("string")
    suara = (head + num("n_merah") + " indikator merah, " + num("n_kuning")
             + " kuning; belum ada usulan masyarakat untuk tahun " + year + ".")
    if "ada_data_usulan" in sel:
        no_data = sel["ada_data_usulan"].eq(False).fillna(False).to_numpy(dtype=bool)
        suara = suara.mask(no_data, suara + " Tidak ada usulan apa pun tercatat untuk desa ini pada tahun itu: "
                                            "pastikan data usulan sudah dikirim.")
    dana = head + num("n_usulan") + " usulan masyarakat, belum satu pun didanai APBDes tahun " + year + "."
    kode_desa = text(sel["kode_desa"])
    empty = {"nilai": "Float64", "target": "Float64", "sumber_target": "string", "kesenjangan": "Float64"}
    return pd.DataFrame({
        "kode_desa": kode_desa, "nama_desa": lookup(kode_desa, "nama_desa", sel, wilayah), "tahun": tahun,
        "jenis_agenda": pd.Series(str(p["jenis_agenda"]), index=sel.index, dtype="string"), "sektor": sektor,
        "indikator": entry("indikator"), "nama_indikator": kelas,
        **{c: pd.Series(pd.NA, index=sel.index, dtype=d) for c, d in empty.items()},
        "penanggung_jawab": entry("penanggung_jawab"),
        "sub_bidang_apbdes": sektor.map(dict(sub_bidang)).astype("string"),
        "keterangan": suara.where(kelas.eq(BELUM_TERSUARAKAN), dana).astype("string"),
    })[AGENDA_ROW_COLUMNS].reset_index(drop=True)
