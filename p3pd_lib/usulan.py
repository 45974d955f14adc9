"""Demand side: community proposals (usulan) against needs and budgets (DOMAIN.md §5, §7).

*Need* (basic-service indicators in red or yellow), *supply* (the APBDes) and *demand* (the ``usulan`` of
musyawarah dusun/desa and RKPDes), per desa, sector and year: :func:`proposal_summary`,
:func:`budget_answering_proposals`, :func:`sector_shares` (BEL02–BEL06) and :func:`need_demand_supply` (the class of
DOMAIN.md §5); :func:`demand_tables` computes the three a view shows at once. Kecamatan/kabupaten totals (Σ/Σ) and
agenda rows are in :mod:`p3pd_lib.usulan_agregat`.

Inputs are never modified. A proposal without a cost is left out of Rupiah sums, not counted as Rp 0. Proposals
count only under official desa codes (``wilayah``, else the national list). Kelurahan have no APBDes and no village
proposals, so they get no class.

>>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
...     "sektor": ["KES", "KES", "LAIN"], "status": ["didanai_apbdes", "belum_didanai", "didanai_apbdes"],
...     "perkiraan_biaya": [10.0, 30.0, 500.0], "anggaran_disetujui": [8.0, None, 450.0]})
>>> s = proposal_summary(u).set_index("sektor")
>>> int(s.loc["KES", "n_usulan"]), int(s.loc["KES", "n_didanai_apbdes"]), float(s.loc["KES", "porsi_didanai_rp"])
(2, 1, 20.0)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import frames
from .belanja import is_kelurahan, normalize_kode_kegiatan  # one definition of each for the kit
from .errors import DataError, ParameterError
from .schemas import KODE_DESA_PATTERN, SEKTOR_USULAN, STATUS_USULAN
from .usulan_agregat import (  # noqa: F401  (public API of the demand side)
    AGENDA_ROW_COLUMNS, aggregate_classes, aggregate_proposals, agenda_rows,
)
from .usulan_base import (  # noqa: F401  (the vocabulary is public here too)
    BELANJA_TANPA_KEBUTUHAN, BELUM_TERDANAI, BELUM_TERSUARAKAN, CLASS_COLUMNS, COUNT_COLS, KELAS, KEYS,
    LABEL_SEKTOR, PENJELASAN_KELAS, SELARAS, SEKTOR, SUM_COLS, SUMMARY_COLUMNS, TIDAK_MENDESAK, TINGKAT, area_of,
    check_parameters, check_values, load_parameters, lookup, money, pct, require_columns, text, years,
)

FUNDED = "didanai_apbdes"
EPS = 1e-9  # a share equal to the median (up to float noise of a mean of two values) is not above it
EXTRA = ("perkiraan_biaya", "anggaran_disetujui", "kode_kegiatan")


def _prepare(usulan: pd.DataFrame, tahun: int | None, wilayah: pd.DataFrame | None,
             extra: Sequence[str] = ()) -> pd.DataFrame:
    """Clean proposals (one year or all) under official desa codes only (``wilayah.kode_desa``, else the
    national list), like the indicators: other codes are quality findings, not counts."""
    require_columns(usulan, ("kode_desa", "tahun", "sektor", "status", *extra), "Tabel usulan")
    u = pd.DataFrame({"kode_desa": text(usulan["kode_desa"]), "tahun": years(usulan["tahun"], "Tabel usulan"),
                      "sektor": text(usulan["sektor"], "upper"), "status": text(usulan["status"], "lower"),
                      **{c: usulan[c] for c in EXTRA if c in usulan.columns}})
    check_values(u["sektor"], SEKTOR_USULAN, "Kolom sektor pada tabel usulan")
    check_values(u["status"], STATUS_USULAN, "Kolom status pada tabel usulan")
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
    if sectors is None:
        return desa_years
    return desa_years.merge(pd.DataFrame({"sektor": pd.array(sectors, dtype="string")}), how="cross")


def _belanja(mapped: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Σ belanja per desa-year (``total_belanja``, sorted) and the basic-service lines (the five sectors' belanja
    lines with a desa code and year: ``kode_desa, tahun, sektor, anggaran, kode_kegiatan``)."""
    belanja = mapped[mapped["jenis_baris"].eq("belanja").fillna(False).to_numpy(dtype=bool)]
    # Summed on the raw keys first (millions of lines, some 100,000 desa-years), then cleaned.
    raw = belanja.groupby(["kode_desa", "tahun"], sort=False, observed=True)["anggaran"].sum().reset_index()
    totals = (raw.assign(kode_desa=text(raw["kode_desa"]), tahun=years(raw["tahun"], "Tabel APBDes"),
                         total_belanja=money(raw["anggaran"]))
              .groupby(["kode_desa", "tahun"])["total_belanja"].sum().reset_index())
    columns = [c for c in ("kode_desa", "tahun", "sektor", "anggaran", "kode_kegiatan") if c in belanja.columns]
    lines = belanja.loc[belanja["sektor"].notna().to_numpy(), columns]
    lines = lines.assign(kode_desa=text(lines["kode_desa"]), tahun=years(lines["tahun"], "Tabel APBDes"),
                         sektor=text(lines["sektor"], "upper"), anggaran=money(lines["anggaran"]))
    basic = lines[lines["kode_desa"].notna() & lines["tahun"].notna() & frames.isin(lines["sektor"], SEKTOR)]
    return totals, basic


def proposal_summary(usulan: pd.DataFrame, tahun: int | None = None, lain: bool = False, *,
                     wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Proposals per desa, year and sector: how many, how much, how much the APBDes funds.

    ``tahun``: one year (all when ``None``); ``lain``: add the ``LAIN`` sector (non-basic proposals, e.g. roads).
    One row per desa-year of ``usulan`` × sector (no proposal: zero counts, Rp 0). Columns ``SUMMARY_COLUMNS``:

    - ``n_usulan`` every proposal; ``n_didanai_apbdes`` … ``n_ditolak`` per status.
    - ``nilai_usulan`` Σ known ``perkiraan_biaya``; ``nilai_disetujui`` Σ known ``anggaran_disetujui`` of
      ``didanai_apbdes`` proposals (``<NA>`` when every amount is unknown; ``n_biaya_kosong``,
      ``n_disetujui_kosong`` count them).
    - ``porsi_didanai`` = 100 × n_didanai_apbdes / n_usulan; ``porsi_didanai_rp`` = 100 × ``pembilang_rp`` /
      ``penyebut_rp`` over the proposals with both figures known: approved amount of a funded proposal (0 for the
      others) over its cost. May exceed 100. Funding by others is not "funded by the village budget".

    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024, 2024], "sektor": ["AIR", "AIR"],
    ...     "status": ["didanai_apbdes", "ditolak"], "perkiraan_biaya": [None, 40.0],
    ...     "anggaran_disetujui": [20.0, None]})
    >>> proposal_summary(u).set_index("sektor").loc["AIR", ["nilai_usulan", "porsi_didanai", "porsi_didanai_rp"]].tolist()
    [40.0, 50.0, 0.0]
    """
    return _summary(_prepare(usulan, tahun, wilayah, EXTRA[:2]), lain)


def _summary(u: pd.DataFrame, lain: bool = False) -> pd.DataFrame:
    sectors = (*SEKTOR, "LAIN") if lain else SEKTOR
    grid = _desa_years(u, sectors)
    u = u[frames.isin(u["sektor"], sectors)]
    status = u["status"]
    funded = frames.isin(status, [FUNDED])
    biaya, disetujui = money(u["perkiraan_biaya"]), money(u["anggaran_disetujui"]).where(funded)
    pembilang = disetujui.where(funded, 0.0)  # not funded: a real Rp 0
    both = biaya.notna() & pembilang.notna()
    per_key = u[KEYS].assign(
        n_usulan=1, n_didanai_apbdes=funded, n_didanai_pihak_lain=frames.isin(status, ["didanai_pihak_lain"]),
        n_belum_didanai=frames.isin(status, ["belum_didanai"]), n_ditolak=frames.isin(status, ["ditolak"]),
        n_biaya_kosong=biaya.isna(), n_disetujui_kosong=funded & disetujui.isna(),
        nilai_usulan=biaya, nilai_disetujui=disetujui,
        pembilang_rp=pembilang.where(both), penyebut_rp=biaya.where(both),
    ).groupby(KEYS, sort=False).sum(min_count=1)  # a sum of only unknown amounts stays unknown
    out = grid.merge(per_key.reset_index(), on=KEYS, how="left")
    out = out.assign(nilai_usulan=out["nilai_usulan"].where(out["n_usulan"].notna(), 0.0),
                     **{c: out[c].fillna(0) for c in COUNT_COLS})
    out = out.assign(nilai_disetujui=out["nilai_disetujui"].where(out["n_didanai_apbdes"] > 0, 0.0),
                     porsi_didanai=pct(out["n_didanai_apbdes"], out["n_usulan"]),
                     porsi_didanai_rp=pct(out["pembilang_rp"], out["penyebut_rp"]))
    return out.astype({**dict.fromkeys(COUNT_COLS, "Int64"), **dict.fromkeys(SUM_COLS, "Float64")})[SUMMARY_COLUMNS]


def budget_answering_proposals(mapped_apbdes: pd.DataFrame, usulan: pd.DataFrame, per_sektor: bool = False,
                               tahun: int | None = None, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of the basic-service budget that answers a funded community proposal.

    ``mapped_apbdes``: the output of ``belanja.map_apbdes``. The basic-service budget is every ``belanja`` line with
    a sector. Such a line *answers a proposal* when a ``didanai_apbdes`` proposal of the same desa and year carries
    the same kegiatan code (both normalised to ``BB.SS.KK``); the line counts in its own (APBDes) sector. Lines
    without ``anggaran`` are left out of both sums.

    Rows: every desa-year with belanja (× the five sectors when ``per_sektor``). Columns ``kode_desa, tahun,
    [sektor], anggaran_layanan_dasar, anggaran_menjawab_usulan, porsi_menjawab_usulan`` (``<NA>`` when the budget
    is 0), ``n_kegiatan_menjawab`` and, per desa-year only, ``n_usulan_didanai, n_usulan_didanai_tanpa_kode``
    (funded proposals of any sector, and those without a code: they explain a low share).

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "kode_kegiatan": ["02.02.01", "02.01.03", "02.03.01"], "jenis_baris": ["belanja"] * 3,
    ...     "sektor": ["KES", "PEND", None], "anggaran": [30.0, 70.0, 500.0]})
    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "sektor": ["KES"],
    ...     "status": ["didanai_apbdes"], "kode_kegiatan": ["02.02.01."]})
    >>> budget_answering_proposals(lines, u)[["anggaran_layanan_dasar", "porsi_menjawab_usulan"]].values.tolist()
    [[100.0, 30.0]]
    """
    require_columns(mapped_apbdes, ("kode_desa", "tahun", "kode_kegiatan", "jenis_baris", "sektor", "anggaran"),
                    "Tabel APBDes terpetakan (hasil map_apbdes)")
    u = _prepare(usulan, tahun, wilayah, EXTRA[2:])
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
    out = _desa_years(totals, SEKTOR if per_sektor else None).merge(sums.reset_index(), on=keys, how="left").fillna(
        {"anggaran_layanan_dasar": 0.0, "anggaran_menjawab_usulan": 0.0, "n_kegiatan_menjawab": 0})
    out = out.assign(porsi_menjawab_usulan=pct(out["anggaran_menjawab_usulan"], out["anggaran_layanan_dasar"]))
    cols = [*keys, "anggaran_layanan_dasar", "anggaran_menjawab_usulan", "porsi_menjawab_usulan", "n_kegiatan_menjawab"]
    if not per_sektor:
        counts = (funded.assign(n_usulan_didanai=1, n_usulan_didanai_tanpa_kode=funded["kode"].isna())
                  .groupby(["kode_desa", "tahun"])[["n_usulan_didanai", "n_usulan_didanai_tanpa_kode"]].sum())
        out = out.merge(counts.reset_index(), on=["kode_desa", "tahun"], how="left").fillna(
            {"n_usulan_didanai": 0, "n_usulan_didanai_tanpa_kode": 0})
        cols += ["n_usulan_didanai", "n_usulan_didanai_tanpa_kode"]
    types = {c: "Int64" if c.startswith("n_") else "Float64" for c in cols if c.startswith(("n_", "anggaran_"))}
    return out[cols].astype(types)


def sector_shares(mapped_apbdes: pd.DataFrame) -> pd.DataFrame:
    """Each basic-service sector's share of total belanja per desa and year (BEL02–BEL06).

    ``porsi`` = 100 × Σ anggaran of the sector's belanja lines / Σ anggaran of all belanja lines (``<NA>`` when
    total belanja is 0); every desa-year with belanja gets the five sectors. Columns ``kode_desa, tahun, sektor,
    anggaran, total_belanja, porsi``: the ``sector_shares`` input of :func:`need_demand_supply`.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "jenis_baris": ["belanja"] * 2, "sektor": ["KES", None], "anggaran": [25.0, 75.0]})
    >>> sector_shares(lines).set_index("sektor")["porsi"].tolist()
    [0.0, 25.0, 0.0, 0.0, 0.0]
    """
    require_columns(mapped_apbdes, ("kode_desa", "tahun", "jenis_baris", "sektor", "anggaran"),
                    "Tabel APBDes terpetakan (hasil map_apbdes)")
    return _shares(*_belanja(mapped_apbdes))


def _shares(totals: pd.DataFrame, basic: pd.DataFrame) -> pd.DataFrame:
    by_sector = basic.groupby(KEYS)["anggaran"].sum().reset_index()
    out = (_desa_years(totals, SEKTOR).merge(by_sector, on=KEYS, how="left")
           .merge(totals, on=["kode_desa", "tahun"], how="left").fillna({"anggaran": 0.0}))
    out = out.assign(porsi=pct(out["anggaran"], out["total_belanja"]))
    return out.astype({"anggaran": "Float64", "total_belanja": "Float64"})


def demand_tables(need: pd.DataFrame, usulan: pd.DataFrame, mapped_apbdes: pd.DataFrame,
                  wilayah: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`proposal_summary`, :func:`need_demand_supply` (shares from :func:`sector_shares`) and
    :func:`budget_answering_proposals` of one dataset, the proposals cleaned and the APBDes summed once."""
    u = _prepare(usulan, None, wilayah, EXTRA)
    totals, basic = _belanja(mapped_apbdes)
    return _summary(u), _classes(need, u, _shares(totals, basic), wilayah), _answering(totals, basic, u)


def need_demand_supply(need: pd.DataFrame, usulan: pd.DataFrame, sector_shares: pd.DataFrame,
                       wilayah: pd.DataFrame | None = None, median_by: str = "kecamatan", tahun: int | None = None,
                       kelas_kebutuhan: Sequence[str] | None = None) -> pd.DataFrame:
    """The need–demand–supply class of DOMAIN.md §5 per desa, sector and year.

    ``need``: classified indicators (``kode_desa, tahun, sektor, kelas``, e.g. ``classify.traffic_light``);
    ``sector_shares``: ``kode_desa, tahun, sektor, porsi`` (:func:`sector_shares`, optionally
    ``kode_kecamatan``/``kode_kabupaten``); ``wilayah``: names, ``jenis`` and parent codes; ``median_by``: the area
    (``kecamatan`` or ``kabupaten``) whose median share a desa is compared with; ``kelas_kebutuhan``: light classes
    that count as need (default ``parameters/usulan.yaml``; abu never counts).

    - ``kebutuhan``: an indicator of the sector in a need class (``n_indikator_data`` counts the usable ones).
    - ``n_usulan``: proposals of the sector, any status; ``n_didanai``: those ``didanai_apbdes``;
      ``ada_data_usulan``: any proposal of the desa-year.
    - ``median`` of ``porsi`` over the desa of the area, year and sector (``n_desa_median``; kelurahan never count,
      a repeated row counts once); ``di_atas_median`` = porsi > median (``<NA>`` when either is missing).
    - ``kelas``: Selaras (need, funded proposal); Usulan belum terdanai (need, proposals, none funded); Kebutuhan
      belum tersuarakan (need, no proposal); Belanja tanpa kebutuhan mendesak (no need, above median); else Tidak
      mendesak.

    Rows: every desa-year of any input × the five sectors, kelurahan left out, in the years ``usulan`` covers
    (elsewhere "no proposal" may be "not collected"). Columns ``CLASS_COLUMNS``.

    >>> need = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "kelas": ["merah", "hijau"]})
    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2002"], "tahun": [2024], "sektor": ["LAIN"],
    ...     "status": ["belum_didanai"]})
    >>> sh = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2003"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "porsi": [2.0, 9.0, 4.0]})
    >>> need_demand_supply(need, u, sh).query("sektor == 'KES'")[["median", "kelas"]].values.tolist()
    [[4.0, 'Kebutuhan belum tersuarakan'], [4.0, 'Belanja tanpa kebutuhan mendesak'], [4.0, 'Tidak mendesak']]
    """
    return _classes(need, _prepare(usulan, tahun, wilayah), sector_shares, wilayah, median_by, kelas_kebutuhan)


def _classes(need: pd.DataFrame, u: pd.DataFrame, sector_shares: pd.DataFrame, wilayah: pd.DataFrame | None,
             median_by: str = "kecamatan", kelas_kebutuhan: Sequence[str] | None = None) -> pd.DataFrame:
    if median_by not in TINGKAT:
        raise ParameterError(f"median_by harus 'kecamatan' atau 'kabupaten', bukan '{median_by}'.")
    require_columns(need, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel capaian (kelas lampu)")
    require_columns(sector_shares, ("kode_desa", "tahun", "sektor", "porsi"), "Tabel porsi belanja per sektor")
    kelas_kebutuhan = load_parameters()["kelas_kebutuhan"] if kelas_kebutuhan is None else list(kelas_kebutuhan)
    check_parameters({"kelas_kebutuhan": kelas_kebutuhan, "jenis_agenda": "-", "agenda": {}}, "kelas_kebutuhan")
    covered = u["tahun"].unique()  # years with proposal data; with ``tahun`` only that one

    def clean(t: pd.DataFrame, what: str, **columns: pd.Series) -> pd.DataFrame:
        """Keys of ``t`` cleaned, in the covered years and the five sectors."""
        t = pd.DataFrame({"kode_desa": text(t["kode_desa"]), "tahun": years(t["tahun"], what),
                          "sektor": text(t["sektor"], "upper"), **columns})
        return t[t["tahun"].isin(covered) & t["kode_desa"].notna() & frames.isin(t["sektor"], SEKTOR)]

    kelas = text(need["kelas"], "lower")
    check_values(kelas, ("hijau", "kuning", "merah", "abu"), "Kolom kelas pada tabel capaian")
    evidence = clean(need, "Tabel capaian", n_merah=kelas.eq("merah"), n_kuning=kelas.eq("kuning"),
                     n_indikator_data=frames.isin(kelas, ["hijau", "kuning", "merah"]),
                     n_kebutuhan=frames.isin(kelas, kelas_kebutuhan)).groupby(KEYS).sum().reset_index()
    demand = (u[KEYS].assign(n_usulan=1, n_didanai=frames.isin(u["status"], [FUNDED]))
              .groupby(KEYS, dropna=False).sum().reset_index())
    any_proposal = demand[["kode_desa", "tahun"]].drop_duplicates().assign(ada_data_usulan=True)
    sh = clean(sector_shares, "Tabel porsi belanja", porsi=money(sector_shares["porsi"]))
    for what, t in (("Tabel capaian", evidence), ("Tabel usulan", any_proposal), ("Tabel porsi belanja", sh)):
        bad = t.loc[~t["kode_desa"].str.fullmatch(KODE_DESA_PATTERN).fillna(True), "kode_desa"]
        if len(bad):
            raise DataError(f"{what}: kode desa tidak berformat PP.KK.CC.DDDD: "
                            f"{', '.join(sorted(set(bad))[:5])}.")
    sh = sh.dropna(subset=["porsi"]).drop_duplicates(KEYS)  # a repeated desa-year-sector counts once

    desa_years = _desa_years(pd.concat([t[["kode_desa", "tahun"]] for t in (evidence, any_proposal, sh)]))
    jenis = wilayah if wilayah is not None and {"kode_desa", "jenis"} <= set(wilayah) and len(wilayah) else None
    desa_years = desa_years[~is_kelurahan(desa_years["kode_desa"], jenis).to_numpy()]  # no APBDes, no proposals
    area = area_of(desa_years["kode_desa"], median_by, sector_shares, wilayah)
    out = (desa_years.assign(area=area, nama_desa=lookup(desa_years["kode_desa"], "nama_desa", need, wilayah),
                             kode_kecamatan=area if median_by == "kecamatan"
                             else area_of(desa_years["kode_desa"], "kecamatan", sector_shares, wilayah))
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
    # KELAS in order: Selaras, Usulan belum terdanai, Kebutuhan belum tersuarakan, Belanja tanpa …, Tidak mendesak
    kelas = np.select([kebutuhan & n_usulan & n_didanai, kebutuhan & n_usulan, kebutuhan, above], [0, 1, 2, 3], 4)
    out = out.assign(
        kebutuhan=kebutuhan, ada_data_usulan=out["ada_data_usulan"].notna(),
        di_atas_median=above.astype("boolean").mask(~known), kelas=pd.array(KELAS, dtype="string").take(kelas),
    )
    return out.astype({**dict.fromkeys(counts, "Int64"), "porsi": "Float64", "median": "Float64"})[CLASS_COLUMNS]
