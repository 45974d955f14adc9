"""Demand side: community proposals (usulan) against needs and budgets (DOMAIN.md §5, §7).

The tables and their columns: docs/architecture.md, "Demand tables". Inputs are never modified.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import ValidationError

from . import frames, parameter_files
from .belanja import LABEL_SEKTOR as BELANJA_LABEL_SEKTOR, is_kelurahan, normalize_kode_kegiatan  # one definition each
from .errors import DataError, ParameterError
from .schemas import KODE_DESA_PATTERN, SEKTOR_LAYANAN, SEKTOR_USULAN, STATUS_USULAN

SEKTOR: tuple[str, ...] = tuple(SEKTOR_LAYANAN)
LABEL_SEKTOR: dict[str, str] = {**BELANJA_LABEL_SEKTOR, "LAIN": "Lainnya"}

SELARAS = "Selaras"
BELUM_TERDANAI = "Usulan belum terdanai"
BELUM_TERSUARAKAN = "Kebutuhan belum tersuarakan"
BELANJA_TANPA_KEBUTUHAN = "Belanja tanpa kebutuhan mendesak"
TIDAK_MENDESAK = "Tidak mendesak"
#: The five need–demand–supply classes, in display order.
KELAS: tuple[str, ...] = (SELARAS, BELUM_TERDANAI, BELUM_TERSUARAKAN, BELANJA_TANPA_KEBUTUHAN, TIDAK_MENDESAK)
#: What each class means, for legends and reports (Bahasa Indonesia).
PENJELASAN_KELAS: dict[str, str] = {
    SELARAS: "Ada kebutuhan, ada usulan masyarakat, dan minimal satu usulan didanai APBDes.",
    BELUM_TERDANAI: "Ada kebutuhan dan usulan masyarakat, tetapi belum satu pun didanai APBDes.",
    BELUM_TERSUARAKAN: "Ada kebutuhan, tetapi tidak ada usulan masyarakat di sektor ini.",
    BELANJA_TANPA_KEBUTUHAN: "Tidak ada indikator merah/kuning, tetapi porsi belanja sektor di atas median kecamatan.",
    TIDAK_MENDESAK: "Tidak ada indikator merah/kuning dan porsi belanja sektor tidak di atas median.",
}
TINGKAT = ("kecamatan", "kabupaten")
KEYS = ["kode_desa", "tahun", "sektor"]
FUNDED = "didanai_apbdes"
EPS = 1e-9  # a share equal to the median (up to float noise of a mean of two values) is not above it

CLASS_COLUMNS = ["kode_desa", "nama_desa", "kode_kecamatan", "tahun", "sektor", "kebutuhan", "n_merah", "n_kuning",
                 "n_indikator_data", "n_usulan", "n_didanai", "ada_data_usulan", "porsi", "median", "n_desa_median",
                 "di_atas_median", "kelas"]
COUNT_COLS = ("n_usulan", "n_didanai_apbdes", "n_didanai_pihak_lain", "n_belum_didanai", "n_ditolak",
              "n_biaya_kosong", "n_disetujui_kosong")
SUM_COLS = ("nilai_usulan", "nilai_disetujui", "pembilang_rp", "penyebut_rp")
SUMMARY_COLUMNS = [*KEYS, *COUNT_COLS[:5], *SUM_COLS, "porsi_didanai", "porsi_didanai_rp", *COUNT_COLS[5:]]
#: Columns of :func:`agenda_rows`: the agenda shape without ``prioritas`` and ``kuadran``.
AGENDA_ROW_COLUMNS = ["kode_desa", "nama_desa", "tahun", "jenis_agenda", "sektor", "indikator", "nama_indikator",
                      "nilai", "target", "sumber_target", "kesenjangan", "penanggung_jawab", "sub_bidang_apbdes",
                      "keterangan"]


def check_parameters(data: Any, source: str = "parameter usulan") -> dict[str, Any]:
    """Validate a mapping shaped like ``parameters/usulan.yaml`` (Indonesian error naming the field and value).

    >>> check_parameters({"kelas_kebutuhan": ["abu"], "jenis_agenda": "x", "agenda": {}})
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Berkas parameter usulan.yaml: entri ke-1: harus salah satu dari 'hijau', 'kuning' atau 'merah' (nilai: 'abu'). [parameter usulan]
    """
    try:
        return parameter_files.UsulanFile.model_validate(data).model_dump()
    except ValidationError as exc:
        parameter_files.raise_indonesian(Path("usulan.yaml"), exc, data, shown=source)


def load_parameters(path: str | Path | None = None) -> dict[str, Any]:
    """``parameters/usulan.yaml``, validated (re-read when the file changes)."""
    return parameter_files.load_usulan(path).model_dump()


def _check_values(s: pd.Series, allowed: Iterable[str], what: str) -> None:
    bad = s[~frames.isin(s, list(allowed)) & s.notna()]
    if len(bad):
        shown = ", ".join(sorted({str(x) for x in bad.unique()})[:10])
        raise DataError(f"{what} berisi nilai yang tidak dikenal: {shown}. Nilai yang sah: {', '.join(allowed)}.")


def _text(s: pd.Series, case: str | None = None) -> pd.Series:
    """Trimmed text (upper- or lower-cased on request) as ``string``; a categorical is cleaned per category."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        clean = _text(pd.Series(s.cat.categories), case).array
        return pd.Series(clean.take(s.cat.codes.to_numpy(), allow_fill=True), index=s.index)
    s = s.astype("string").str.strip()
    return s.str.upper() if case == "upper" else s.str.lower() if case == "lower" else s


def _years(s: pd.Series, what: str) -> pd.Series:
    try:
        return s.astype("Int64") if pd.api.types.is_integer_dtype(s.dtype) else pd.to_numeric(s).astype("Int64")
    except (TypeError, ValueError):
        raise DataError(f"{what}: kolom tahun harus berisi bilangan bulat.") from None


def _money(s: pd.Series) -> pd.Series:
    """Rupiah as float64 (missing, or text that is not a number: NaN)."""
    return (s if pd.api.types.is_numeric_dtype(s.dtype) else pd.to_numeric(s, errors="coerce")).astype("float64")


def _pct(num: pd.Series, den: pd.Series) -> pd.Series:
    """100 × num / den as ``Float64``, missing where num is missing or den is not above 0."""
    num, den = _money(num), _money(den)
    return (100.0 * num / den.where(den > 0)).astype("Float64")


def _lookup(codes: pd.Series, column: str, *sources: pd.DataFrame | None, key: str = "kode_desa") -> pd.Series:
    """``column`` of each code (a ``key``) from the first of ``sources`` that knows it."""
    out = pd.Series(pd.NA, index=codes.index, dtype="string")
    for src in sources:
        if src is not None and {key, column} <= set(src.columns):
            m = src[[key, column]].astype("string").dropna().drop_duplicates(key)
            out = out.fillna(codes.map(m.set_index(key)[column]).astype("string"))
    return out


def _area_of(codes: pd.Series, level: str, *sources: pd.DataFrame | None) -> pd.Series:
    """The kecamatan/kabupaten of each desa code from the first source that knows it, else the code's prefix."""
    return _lookup(codes, f"kode_{level}", *sources).fillna(codes.str.slice(0, 8 if level == "kecamatan" else 5))


def _prepare(usulan: pd.DataFrame, tahun: int | None, wilayah: pd.DataFrame | None,
             extra: Sequence[str] = ()) -> pd.DataFrame:
    """Clean proposals (one year or all) under official desa codes only: other codes are quality findings."""
    frames.require_columns(usulan, ("kode_desa", "tahun", "sektor", "status", *extra), "Tabel usulan")
    amounts = [c for c in ("perkiraan_biaya", "anggaran_disetujui", "kode_kegiatan") if c in usulan.columns]
    u = pd.DataFrame({"kode_desa": _text(usulan["kode_desa"]), "tahun": _years(usulan["tahun"], "Tabel usulan"),
                      "sektor": _text(usulan["sektor"], "upper"), "status": _text(usulan["status"], "lower"),
                      **{c: usulan[c] for c in amounts}})
    _check_values(u["sektor"], SEKTOR_USULAN, "Kolom sektor pada tabel usulan")
    _check_values(u["status"], STATUS_USULAN, "Kolom status pada tabel usulan")
    if tahun is not None:
        u = u[u["tahun"] == int(tahun)]
    if wilayah is None or "kode_desa" not in wilayah.columns or not len(wilayah):
        from .wilayah import wilayah_table
        wilayah = wilayah_table()
    return u[frames.isin(u["kode_desa"], wilayah["kode_desa"]) & u["tahun"].notna()]


def _desa_years(keys: pd.DataFrame, sectors: Sequence[str] | None = None) -> pd.DataFrame:
    """Every distinct ``kode_desa, tahun`` of ``keys``, sorted, crossed with ``sectors`` (in their order)."""
    desa_years = (keys[["kode_desa", "tahun"]].astype({"kode_desa": "string", "tahun": "Int64"})
                  .drop_duplicates().sort_values(["kode_desa", "tahun"], ignore_index=True))
    return desa_years if sectors is None else desa_years.merge(
        pd.DataFrame({"sektor": pd.array(sectors, dtype="string")}), how="cross")


def _belanja(mapped: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Σ belanja per desa-year (``total_belanja``) and the belanja lines of the five sectors."""
    belanja = mapped["jenis_baris"].eq("belanja").fillna(False).to_numpy(dtype=bool)
    # Summed on the raw keys first (millions of lines, some 100,000 desa-years), then cleaned.
    raw = (mapped.loc[belanja, ["kode_desa", "tahun", "anggaran"]]
           .groupby(["kode_desa", "tahun"], sort=False, observed=True)["anggaran"].sum().reset_index())
    totals = (raw.assign(kode_desa=_text(raw["kode_desa"]), tahun=_years(raw["tahun"], "Tabel APBDes"),
                         total_belanja=_money(raw["anggaran"]))
              .groupby(["kode_desa", "tahun"])["total_belanja"].sum().reset_index())
    columns = [c for c in ("kode_desa", "tahun", "sektor", "anggaran", "kode_kegiatan") if c in mapped.columns]
    lines = mapped.loc[belanja & mapped["sektor"].notna().to_numpy(), columns]
    lines = lines.assign(kode_desa=_text(lines["kode_desa"]), tahun=_years(lines["tahun"], "Tabel APBDes"),
                         sektor=_text(lines["sektor"], "upper"), anggaran=_money(lines["anggaran"]))
    return totals, lines[lines["kode_desa"].notna() & lines["tahun"].notna() & frames.isin(lines["sektor"], SEKTOR)]


def proposal_summary(usulan: pd.DataFrame, tahun: int | None = None, lain: bool = False, *,
                     wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Proposals per desa, year and sector (``SUMMARY_COLUMNS``): how many, how much, how much the APBDes funds.

    >>> u = pd.DataFrame({"kode_desa": "33.07.01.2001", "tahun": 2024, "sektor": "AIR", "perkiraan_biaya": [None, 40.0],
    ...     "status": ["didanai_apbdes", "ditolak"], "anggaran_disetujui": [20.0, None]})
    >>> proposal_summary(u).set_index("sektor").loc["AIR", ["nilai_usulan", "porsi_didanai", "porsi_didanai_rp"]].tolist()
    [40.0, 50.0, 0.0]
    """
    return _summary(_prepare(usulan, tahun, wilayah, ("perkiraan_biaya", "anggaran_disetujui")), lain)


def _summary(u: pd.DataFrame, lain: bool = False) -> pd.DataFrame:
    sectors = (*SEKTOR, "LAIN") if lain else SEKTOR
    grid = _desa_years(u, sectors)
    u = u[frames.isin(u["sektor"], sectors)]
    status = u["status"]
    funded = frames.isin(status, [FUNDED])
    biaya, disetujui = _money(u["perkiraan_biaya"]), _money(u["anggaran_disetujui"]).where(funded)
    pembilang = disetujui.where(funded, 0.0)  # not funded: a real Rp 0
    both = biaya.notna() & pembilang.notna()
    per_key = u[KEYS].assign(
        n_usulan=1, n_didanai_apbdes=funded, n_didanai_pihak_lain=frames.isin(status, ["didanai_pihak_lain"]),
        n_belum_didanai=frames.isin(status, ["belum_didanai"]), n_ditolak=frames.isin(status, ["ditolak"]),
        n_biaya_kosong=biaya.isna(), n_disetujui_kosong=funded & disetujui.isna(), nilai_usulan=biaya,
        nilai_disetujui=disetujui, pembilang_rp=pembilang.where(both), penyebut_rp=biaya.where(both),
    ).groupby(KEYS, sort=False).sum(min_count=1)  # a sum of only unknown amounts stays unknown
    out = grid.merge(per_key.reset_index(), on=KEYS, how="left")
    out = out.assign(nilai_usulan=out["nilai_usulan"].where(out["n_usulan"].notna(), 0.0),
                     **{c: out[c].fillna(0) for c in COUNT_COLS})
    out = out.assign(nilai_disetujui=out["nilai_disetujui"].where(out["n_didanai_apbdes"] > 0, 0.0),
                     porsi_didanai=_pct(out["n_didanai_apbdes"], out["n_usulan"]),
                     porsi_didanai_rp=_pct(out["pembilang_rp"], out["penyebut_rp"]))
    return out.astype({**dict.fromkeys(COUNT_COLS, "Int64"), **dict.fromkeys(SUM_COLS, "Float64")})[SUMMARY_COLUMNS]


def budget_answering_proposals(mapped_apbdes: pd.DataFrame, usulan: pd.DataFrame, per_sektor: bool = False,
                               tahun: int | None = None, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of the basic-service belanja whose kegiatan code a funded proposal of the desa-year carries.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "kode_kegiatan": ["02.02.01", "02.01.03", "02.03.01"], "jenis_baris": ["belanja"] * 3,
    ...     "sektor": ["KES", "PEND", None], "anggaran": [30.0, 70.0, 500.0]})
    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "sektor": ["KES"],
    ...     "status": ["didanai_apbdes"], "kode_kegiatan": ["02.02.01."]})
    >>> budget_answering_proposals(lines, u)[["anggaran_layanan_dasar", "porsi_menjawab_usulan"]].values.tolist()
    [[100.0, 30.0]]
    """
    frames.require_columns(mapped_apbdes, ("kode_desa", "tahun", "kode_kegiatan", "jenis_baris", "sektor", "anggaran"),
                           "Tabel APBDes terpetakan (hasil map_apbdes)")
    u = _prepare(usulan, tahun, wilayah, ("kode_kegiatan",))
    totals, basic = _belanja(mapped_apbdes)
    if tahun is not None:
        totals, basic = totals[totals["tahun"] == int(tahun)], basic[basic["tahun"] == int(tahun)]
    return _answering(totals, basic, u, per_sektor)


def _answering(totals: pd.DataFrame, basic: pd.DataFrame, u: pd.DataFrame, per_sektor: bool = False) -> pd.DataFrame:
    funded = u[frames.isin(u["status"], [FUNDED])]
    funded = funded.assign(kode=normalize_kode_kegiatan(funded["kode_kegiatan"]))
    answered = funded[["kode_desa", "tahun", "kode"]].dropna().drop_duplicates().assign(menjawab=True)
    basic = basic.assign(kode=normalize_kode_kegiatan(basic["kode_kegiatan"])).merge(
        answered, on=["kode_desa", "tahun", "kode"], how="left")
    match = basic["menjawab"].notna()
    keys = KEYS if per_sektor else KEYS[:2]
    sums = (basic.assign(menjawab=basic["anggaran"].where(match, 0.0), kode=basic["kode"].where(match))
            .groupby(keys, sort=False)
            .agg(anggaran_layanan_dasar=("anggaran", "sum"), anggaran_menjawab_usulan=("menjawab", "sum"),
                 n_kegiatan_menjawab=("kode", "nunique")))  # unknown amounts are skipped
    out = _desa_years(totals, SEKTOR if per_sektor else None).merge(sums.reset_index(), on=keys, how="left").fillna(0)
    cols = [*keys, "anggaran_layanan_dasar", "anggaran_menjawab_usulan", "porsi_menjawab_usulan", "n_kegiatan_menjawab"]
    if not per_sektor:
        counts = (funded.assign(n_usulan_didanai=1, n_usulan_didanai_tanpa_kode=funded["kode"].isna())
                  .groupby(["kode_desa", "tahun"])[["n_usulan_didanai", "n_usulan_didanai_tanpa_kode"]].sum())
        out = out.merge(counts.reset_index(), on=["kode_desa", "tahun"], how="left").fillna(0)
        cols += ["n_usulan_didanai", "n_usulan_didanai_tanpa_kode"]
    out = out.assign(porsi_menjawab_usulan=_pct(out["anggaran_menjawab_usulan"], out["anggaran_layanan_dasar"]))
    return out[cols].astype({c: "Int64" if c.startswith("n_") else "Float64" for c in cols[len(keys):]})


def sector_shares(mapped_apbdes: pd.DataFrame) -> pd.DataFrame:
    """Each basic-service sector's share of total belanja per desa and year (BEL02–BEL06), ``<NA>`` when 0.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "jenis_baris": ["belanja"] * 2, "sektor": ["KES", None], "anggaran": [25.0, 75.0]})
    >>> sector_shares(lines).set_index("sektor")["porsi"].tolist()
    [0.0, 25.0, 0.0, 0.0, 0.0]
    """
    frames.require_columns(mapped_apbdes, ("kode_desa", "tahun", "jenis_baris", "sektor", "anggaran"),
                           "Tabel APBDes terpetakan (hasil map_apbdes)")
    return _shares(*_belanja(mapped_apbdes))


def _shares(totals: pd.DataFrame, basic: pd.DataFrame) -> pd.DataFrame:
    by_sector = basic.groupby(KEYS, sort=False)["anggaran"].sum().reset_index()
    out = (_desa_years(totals, SEKTOR).merge(by_sector, on=KEYS, how="left")
           .merge(totals, on=["kode_desa", "tahun"], how="left").fillna({"anggaran": 0.0}))
    return out.assign(porsi=_pct(out["anggaran"], out["total_belanja"])).astype(
        {"anggaran": "Float64", "total_belanja": "Float64"})


def demand_tables(need: pd.DataFrame, usulan: pd.DataFrame, mapped_apbdes: pd.DataFrame,
                  wilayah: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`proposal_summary`, :func:`need_demand_supply` and :func:`budget_answering_proposals` of one dataset."""
    u = _prepare(usulan, None, wilayah, ("perkiraan_biaya", "anggaran_disetujui", "kode_kegiatan"))
    totals, basic = _belanja(mapped_apbdes)
    summary = _summary(u)
    return summary, _classes(need, summary, _shares(totals, basic), wilayah), _answering(totals, basic, u)


def need_demand_supply(need: pd.DataFrame, usulan: pd.DataFrame, sector_shares: pd.DataFrame,
                       wilayah: pd.DataFrame | None = None, median_by: str = "kecamatan", tahun: int | None = None,
                       kelas_kebutuhan: Sequence[str] | None = None) -> pd.DataFrame:
    """The need–demand–supply class (DOMAIN.md §5) per desa, year and sector (``CLASS_COLUMNS``).

    ``need``: classified indicators; ``sector_shares``: ``porsi`` per desa-year-sector; ``median_by``: the area whose
    median share a desa is compared with; ``kelas_kebutuhan``: default ``parameters/usulan.yaml``.

    >>> need = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "kelas": ["merah", "hijau"]})
    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2002"], "tahun": [2024], "sektor": ["LAIN"],
    ...     "status": ["belum_didanai"]})
    >>> sh = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2003"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "porsi": [2.0, 9.0, 4.0]})
    >>> need_demand_supply(need, u, sh).query("sektor == 'KES'")[["median", "kelas"]].values.tolist()
    [[4.0, 'Kebutuhan belum tersuarakan'], [4.0, 'Belanja tanpa kebutuhan mendesak'], [4.0, 'Tidak mendesak']]
    """
    u = _prepare(usulan, tahun, wilayah)
    no_amounts = {c: np.nan for c in ("perkiraan_biaya", "anggaran_disetujui") if c not in u}  # only counts are read
    return _classes(need, _summary(u.assign(**no_amounts)), sector_shares, wilayah, median_by, kelas_kebutuhan)


def _classes(need: pd.DataFrame, summary: pd.DataFrame, sector_shares: pd.DataFrame, wilayah: pd.DataFrame | None,
             median_by: str = "kecamatan", kelas_kebutuhan: Sequence[str] | None = None) -> pd.DataFrame:
    if median_by not in TINGKAT:
        raise ParameterError(f"median_by harus 'kecamatan' atau 'kabupaten', bukan '{median_by}'.")
    frames.require_columns(need, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel capaian (kelas lampu)")
    frames.require_columns(sector_shares, ("kode_desa", "tahun", "sektor", "porsi"), "Tabel porsi belanja per sektor")
    kelas_kebutuhan = load_parameters()["kelas_kebutuhan"] if kelas_kebutuhan is None else list(kelas_kebutuhan)
    check_parameters({"kelas_kebutuhan": kelas_kebutuhan, "jenis_agenda": "-", "agenda": {}}, "kelas_kebutuhan")
    covered = summary["tahun"].unique()  # years with proposal data; with ``tahun`` only that one

    def in_scope(t: pd.DataFrame, what: str, **columns: pd.Series) -> pd.DataFrame:
        """``t`` with its keys cleaned, in the covered years and the five sectors."""
        t = pd.DataFrame({"kode_desa": _text(t["kode_desa"]), "tahun": _years(t["tahun"], what),
                          "sektor": _text(t["sektor"], "upper"), **columns})
        return t[t["tahun"].isin(covered) & t["kode_desa"].notna() & frames.isin(t["sektor"], SEKTOR)]

    kelas = _text(need["kelas"], "lower")
    _check_values(kelas, ("hijau", "kuning", "merah", "abu"), "Kolom kelas pada tabel capaian")
    evidence = (in_scope(need, "Tabel capaian", n_merah=kelas.eq("merah"), n_kuning=kelas.eq("kuning"),
                         n_indikator_data=frames.isin(kelas, ["hijau", "kuning", "merah"]),
                         n_kebutuhan=frames.isin(kelas, kelas_kebutuhan))
                .groupby(KEYS, sort=False).sum().reset_index())
    demand = summary[[*KEYS, "n_usulan", "n_didanai_apbdes"]].rename(columns={"n_didanai_apbdes": "n_didanai"})
    any_proposal = summary[["kode_desa", "tahun"]].drop_duplicates().assign(ada_data_usulan=True)
    sh = in_scope(sector_shares, "Tabel porsi belanja", porsi=_money(sector_shares["porsi"]))
    for what, t in (("Tabel capaian", evidence), ("Tabel usulan", any_proposal), ("Tabel porsi belanja", sh)):
        codes = t["kode_desa"].drop_duplicates()
        bad = codes[~codes.str.fullmatch(KODE_DESA_PATTERN).fillna(True)]
        if len(bad):
            raise DataError(f"{what}: kode desa tidak berformat PP.KK.CC.DDDD: {', '.join(sorted(set(bad))[:5])}.")
    sh = sh.dropna(subset=["porsi"]).drop_duplicates(KEYS)  # a repeated desa-year-sector counts once

    desa_years = _desa_years(pd.concat([t[["kode_desa", "tahun"]] for t in (evidence, any_proposal, sh)]))
    desa_years = desa_years[~is_kelurahan(desa_years["kode_desa"], wilayah).to_numpy()]  # no APBDes, no proposals
    kode = desa_years["kode_desa"]
    area = _area_of(kode, median_by, sector_shares, wilayah)
    kecamatan = area if median_by == "kecamatan" else _area_of(kode, "kecamatan", sector_shares, wilayah)
    out = (desa_years.assign(area=area, nama_desa=_lookup(kode, "nama_desa", need, wilayah), kode_kecamatan=kecamatan)
           .merge(pd.DataFrame({"sektor": pd.array(SEKTOR, dtype="string")}), how="cross")
           .merge(evidence, on=KEYS, how="left").merge(demand, on=KEYS, how="left")
           .merge(any_proposal, on=["kode_desa", "tahun"], how="left").merge(sh, on=KEYS, how="left"))
    # The median share of the desa of the same area, year and sector that have one.
    by_area = out.groupby(["area", "tahun", "sektor"])["porsi"]
    out = out.assign(median=by_area.transform("median"), n_desa_median=by_area.transform("count"))
    counts = ["n_merah", "n_kuning", "n_indikator_data", "n_usulan", "n_didanai", "n_desa_median"]
    out = out.fillna({c: 0 for c in [*counts, "n_kebutuhan"]})
    known = out["porsi"].notna() & out["median"].notna()
    above = known & (out["porsi"] > out["median"] + EPS)
    kebutuhan, n_usulan, n_didanai = out["n_kebutuhan"] > 0, out["n_usulan"] > 0, out["n_didanai"] > 0
    # Positions in KELAS: Selaras, Usulan belum terdanai, Kebutuhan belum tersuarakan, Belanja tanpa …, Tidak mendesak
    kelas = np.select([kebutuhan & n_usulan & n_didanai, kebutuhan & n_usulan, kebutuhan, above], [0, 1, 2, 3], 4)
    out = out.assign(kebutuhan=kebutuhan, ada_data_usulan=out["ada_data_usulan"].notna(),
                     di_atas_median=above.astype("boolean").mask(~known),
                     kelas=pd.array(KELAS, dtype="string").take(kelas))
    return out.astype({**dict.fromkeys(counts, "Int64"), "porsi": "Float64", "median": "Float64"})[CLASS_COLUMNS]


def _by_area(table: pd.DataFrame, wilayah: pd.DataFrame | None, tingkat: Sequence[str] | str) -> pd.DataFrame:
    """``table`` once per level of ``tingkat``, with ``tingkat`` and ``kode_wilayah`` (the desa's area)."""
    levels = [tingkat] if isinstance(tingkat, str) else list(tingkat)
    bad = [str(t) for t in levels if t not in TINGKAT]
    if bad or not levels:
        raise ParameterError(f"tingkat harus 'kecamatan' dan/atau 'kabupaten', bukan: {', '.join(bad) or '(kosong)'}.")
    kode_desa = table["kode_desa"].astype("string")
    return pd.concat([table.assign(kode_wilayah=_area_of(kode_desa, level, table, wilayah), tingkat=level)
                      for level in levels], ignore_index=True)


def _finish(out: pd.DataFrame, wilayah: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """Area names, text and year types, and the display order: tingkat, area, year, sector, class."""
    names = [_lookup(g["kode_wilayah"], f"nama_{lv}", wilayah, key=f"kode_{lv}") for lv, g in out.groupby("tingkat")]
    out = out.assign(nama_wilayah=pd.concat(names) if names else None)
    rank = {"tingkat": TINGKAT, "sektor": (*SEKTOR, "LAIN"), "kelas": KELAS}
    out = out.sort_values([c for c in ("tingkat", "kode_wilayah", "tahun", "sektor", "kelas") if c in out],
                          key=lambda c: c.map({v: i for i, v in enumerate(rank[c.name])}) if c.name in rank else c)
    types = {c: "string" for c in ("kode_wilayah", "nama_wilayah", "tingkat", "sektor", "kelas") if c in out}
    return out.astype({"tahun": "Int64", **types})[columns].reset_index(drop=True)


def aggregate_classes(classes: pd.DataFrame, wilayah: pd.DataFrame | None = None,
                      tingkat: Sequence[str] | str = TINGKAT) -> pd.DataFrame:
    """Number and percent of desa per need–demand–supply class, per area, year and sector (0 when empty).

    >>> cl = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "kelas": ["Selaras", "Tidak mendesak"]})
    >>> a = aggregate_classes(cl, tingkat="kecamatan")
    >>> a[a["n_desa"] > 0][["kode_wilayah", "kelas", "n_desa", "porsi_desa"]].values.tolist()
    [['33.07.01', 'Selaras', 1, 50.0], ['33.07.01', 'Tidak mendesak', 1, 50.0]]
    """
    frames.require_columns(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    _check_values(classes["kelas"].astype("string"), KELAS, "Kolom kelas")
    keys = ["tingkat", "kode_wilayah", "tahun", "sektor"]
    out = (_by_area(classes, wilayah, tingkat).astype({"sektor": "string", "kelas": "string"})
           .groupby([*keys, "kelas"]).size().unstack("kelas", fill_value=0)
           .reindex(columns=list(KELAS), fill_value=0).stack().rename("n_desa").reset_index())
    total = out.groupby(keys)["n_desa"].transform("sum")
    out = out.assign(n_desa=out["n_desa"].astype("Int64"), n_desa_total=total.astype("Int64"),
                     porsi_desa=_pct(out["n_desa"], total))
    return _finish(out, wilayah, ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "kelas", "n_desa",
                                  "n_desa_total", "porsi_desa"])


def aggregate_proposals(summary: pd.DataFrame, wilayah: pd.DataFrame | None = None,
                        tingkat: Sequence[str] | str = TINGKAT) -> pd.DataFrame:
    """:func:`proposal_summary` summed to kecamatan and kabupaten: counts and Rupiah summed, shares Σ/Σ.

    >>> s = proposal_summary(pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2002"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "status": ["didanai_apbdes", "ditolak", "ditolak"],
    ...     "perkiraan_biaya": [10.0, 10.0, 10.0], "anggaran_disetujui": [10.0, None, None]}))
    >>> a = aggregate_proposals(s, tingkat="kecamatan").set_index("sektor")
    >>> int(a.loc["KES", "n_desa"]), int(a.loc["KES", "n_usulan"]), round(float(a.loc["KES", "porsi_didanai"]), 2)
    (2, 3, 33.33)
    """
    frames.require_columns(summary, ("kode_desa", "tahun", "sektor", *COUNT_COLS, *SUM_COLS), "Tabel ringkasan usulan")
    counts = [*COUNT_COLS, "n_desa_dengan_usulan"]
    summary = summary.assign(n_desa_dengan_usulan=summary["n_usulan"].fillna(0) > 0)
    t = _by_area(summary, wilayah, tingkat).astype({c: "float64" for c in [*counts, *SUM_COLS]})
    g = t.groupby(["tingkat", "kode_wilayah", "tahun", "sektor"], dropna=False)
    # a sum of only missing Rupiah stays missing
    out = g[counts].sum().join(g[list(SUM_COLS)].sum(min_count=1)).assign(n_desa=g["kode_desa"].nunique())
    out = out.reset_index().astype({**dict.fromkeys([*counts, "n_desa"], "Int64"), **dict.fromkeys(SUM_COLS, "Float64")})
    out = out.assign(porsi_didanai=_pct(out["n_didanai_apbdes"], out["n_usulan"]),
                     porsi_didanai_rp=_pct(out["pembilang_rp"], out["penyebut_rp"]))
    return _finish(out, wilayah, ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "n_desa",
                                  "n_desa_dengan_usulan", *SUMMARY_COLUMNS[3:]])


def agenda_rows(classes: pd.DataFrame, wilayah: pd.DataFrame | None = None, params: Mapping[str, Any] | None = None,
                sub_bidang: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Agenda rows (``AGENDA_ROW_COLUMNS``, for ``agenda_terpadu(extra_rows=...)``) for the two classes that call for
    action; ``params``: as ``parameters/usulan.yaml``, ``sub_bidang``: sector → sub-bidang (``agenda.yaml``).

    >>> cl = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "sektor": ["KES"],
    ...     "kelas": ["Kebutuhan belum tersuarakan"], "n_merah": [2], "n_kuning": [0], "n_usulan": [0]})
    >>> r = agenda_rows(cl, sub_bidang={"KES": "02.02"})
    >>> print(r["indikator"].iloc[0], r["keterangan"].iloc[0].split(". ", 1)[1])
    USL-SUARA Sektor Kesehatan: 2 indikator merah, 0 kuning; belum ada usulan masyarakat untuk tahun 2024.
    """
    frames.require_columns(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    p = check_parameters(params) if params is not None else load_parameters()
    sub_bidang = parameter_files.load_agenda().sub_bidang_apbdes if sub_bidang is None else sub_bidang
    sel = classes[classes["kelas"].astype("string").isin(list(p["agenda"])).fillna(False).to_numpy(dtype=bool)]
    kelas, sektor = sel["kelas"].astype("string"), _text(sel["sektor"], "upper")
    tahun = _years(sel["tahun"], "Tabel kelas")

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
    kode_desa = _text(sel["kode_desa"])
    empty = {"nilai": "Float64", "target": "Float64", "sumber_target": "string", "kesenjangan": "Float64"}
    return pd.DataFrame({
        "kode_desa": kode_desa, "nama_desa": _lookup(kode_desa, "nama_desa", sel, wilayah), "tahun": tahun,
        "jenis_agenda": pd.Series(str(p["jenis_agenda"]), index=sel.index, dtype="string"), "sektor": sektor,
        "indikator": entry("indikator"), "nama_indikator": kelas, "penanggung_jawab": entry("penanggung_jawab"),
        "sub_bidang_apbdes": sektor.map(dict(sub_bidang)).astype("string"),
        "keterangan": suara.where(kelas.eq(BELUM_TERSUARAKAN), dana).astype("string"),
    }).reindex(columns=AGENDA_ROW_COLUMNS).astype(empty).reset_index(drop=True)
