"""Demand side: community proposals (usulan) against needs and budgets (DOMAIN.md §5, §7).

*Need* (basic-service indicators in red or yellow), *supply* (the APBDes) and
*demand* (the ``usulan`` of musyawarah dusun/desa and RKPDes), per desa, sector and year:
:func:`proposal_summary` (how many proposals, how much, how much funded),
:func:`budget_answering_proposals` (basic-service budget that answers a funded
proposal), :func:`sector_shares` (BEL02–BEL06) and :func:`need_demand_supply`
(the class of DOMAIN.md §5). Kecamatan/kabupaten totals (Σ/Σ, never a mean of
village shares) and agenda rows are in :mod:`p3pd_lib.usulan_agregat`.

Inputs are never modified. Missing stays missing: a proposal without a cost is
left out of Rupiah sums, not counted as Rp 0. Proposals count only under
official desa codes (``wilayah``, else the national list). Kelurahan have no
APBDes and no village proposals, so they get no class.

>>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
...     "sektor": ["KES", "KES", "LAIN"], "status": ["didanai_apbdes", "belum_didanai", "didanai_apbdes"],
...     "perkiraan_biaya": [10.0, 30.0, 500.0], "anggaran_disetujui": [8.0, None, 450.0]})
>>> s = proposal_summary(u).set_index("sektor")
>>> int(s.loc["KES", "n_usulan"]), int(s.loc["KES", "n_didanai_apbdes"])
(2, 1)
>>> s.loc["KES", ["porsi_didanai", "porsi_didanai_rp"]].tolist()
[50.0, 20.0]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import frames
from .belanja import is_kelurahan, normalize_kode_kegiatan  # one definition of each for the kit
from .errors import ParameterError
from .usulan_agregat import (  # noqa: F401  (public API of the demand side)
    AGENDA_ROW_COLUMNS, aggregate_budget_answering, aggregate_classes, aggregate_proposals, agenda_rows,
)
from .usulan_base import (  # noqa: F401  (the vocabulary is public here too)
    BELANJA_TANPA_KEBUTUHAN, BELUM_TERDANAI, BELUM_TERSUARAKAN, CLASS_COLUMNS, COUNT_COLS, EPS, FUNDED, KELAS,
    KELAS_LAMPU, KEYS, LABEL_SEKTOR, PENJELASAN_KELAS, SELARAS, SEKTOR, SUM_COLS, SUMMARY_COLUMNS, TIDAK_MENDESAK,
    TINGKAT, area_of, basic_lines, belanja_totals, check_codes, check_parameters, check_values, desa_year_grid,
    load_parameters, lookup, money, pct, prepare_usulan, require_columns, text, years,
)


def proposal_summary(usulan: pd.DataFrame, tahun: int | None = None, lain: bool = False, *,
                     wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Proposals per desa, year and sector: how many, how much, how much the APBDes funds.

    ``usulan``: the canonical table. ``tahun``: one year (all when ``None``);
    ``lain``: add the ``LAIN`` sector (non-basic proposals, e.g. roads). One row
    per desa-year of ``usulan`` × sector (no proposal: zero counts, Rp 0).
    Columns ``SUMMARY_COLUMNS``:

    - ``n_usulan`` every proposal; ``n_didanai_apbdes`` … ``n_ditolak`` per status.
    - ``nilai_usulan`` Σ known ``perkiraan_biaya``; ``nilai_disetujui`` Σ known
      ``anggaran_disetujui`` of ``didanai_apbdes`` proposals (``<NA>`` when
      every amount is unknown; ``n_biaya_kosong``, ``n_disetujui_kosong`` count them).
    - ``porsi_didanai`` = 100 × n_didanai_apbdes / n_usulan.
    - ``porsi_didanai_rp`` = 100 × ``pembilang_rp`` / ``penyebut_rp`` over the
      proposals whose two figures are known: approved amount of a funded
      proposal (0 for the others) over its cost. May exceed 100. Funding by
      others is not "funded": the question is whether the *village budget* answers.

    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024, 2024], "sektor": ["AIR", "AIR"],
    ...     "status": ["didanai_apbdes", "ditolak"], "perkiraan_biaya": [None, 40.0],
    ...     "anggaran_disetujui": [20.0, None]})
    >>> proposal_summary(u).set_index("sektor").loc["AIR", ["nilai_usulan", "porsi_didanai", "porsi_didanai_rp"]].tolist()
    [40.0, 50.0, 0.0]
    """
    u = prepare_usulan(usulan, tahun, extra=("perkiraan_biaya", "anggaran_disetujui"), wilayah=wilayah)
    sectors = (*SEKTOR, "LAIN") if lain else SEKTOR
    grid = desa_year_grid(u, sectors)
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

    ``mapped_apbdes``: the output of ``belanja.map_apbdes``; ``usulan``: the
    canonical table. The basic-service budget is every ``belanja`` line with a
    sector. Such a line *answers a proposal* when a ``didanai_apbdes`` proposal
    of the same desa and year carries the same kegiatan code (both normalised
    to ``BB.SS.KK``); the line counts in its own (APBDes) sector. Lines without
    ``anggaran`` are left out of both sums.

    Rows: every desa-year with belanja (× the five sectors when ``per_sektor``).
    Columns ``kode_desa, tahun, [sektor], anggaran_layanan_dasar,
    anggaran_menjawab_usulan, porsi_menjawab_usulan`` (``<NA>`` when the budget
    is 0), ``n_kegiatan_menjawab`` and, per desa-year only,
    ``n_usulan_didanai, n_usulan_didanai_tanpa_kode`` (funded proposals of any
    sector, and those without a code: they explain a low share).

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
    u = prepare_usulan(usulan, tahun, extra=("kode_kegiatan",), wilayah=wilayah)
    desa_years, basic = belanja_totals(mapped_apbdes), basic_lines(mapped_apbdes, "kode_kegiatan")
    if tahun is not None:
        desa_years, basic = desa_years[desa_years["tahun"] == int(tahun)], basic[basic["tahun"] == int(tahun)]
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
    base = desa_year_grid(desa_years, SEKTOR if per_sektor else None)
    out = base.merge(sums.reset_index(), on=keys, how="left").fillna(
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

    ``porsi`` = 100 × Σ anggaran of the sector's belanja lines / Σ anggaran of
    all belanja lines (``<NA>`` when total belanja is 0). Every desa-year with
    belanja gets the five sectors (0 when it spent nothing there). Columns
    ``kode_desa, tahun, sektor, anggaran, total_belanja, porsi``: the
    ``sector_shares`` input of :func:`need_demand_supply`.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "jenis_baris": ["belanja"] * 2, "sektor": ["KES", None], "anggaran": [25.0, 75.0]})
    >>> sector_shares(lines).set_index("sektor")["porsi"].tolist()
    [0.0, 25.0, 0.0, 0.0, 0.0]
    """
    require_columns(mapped_apbdes, ("kode_desa", "tahun", "jenis_baris", "sektor", "anggaran"),
                    "Tabel APBDes terpetakan (hasil map_apbdes)")
    total = belanja_totals(mapped_apbdes)
    by_sector = basic_lines(mapped_apbdes).groupby(KEYS)["anggaran"].sum().reset_index()
    out = (desa_year_grid(total, SEKTOR).merge(by_sector, on=KEYS, how="left")
           .merge(total, on=["kode_desa", "tahun"], how="left").fillna({"anggaran": 0.0}))
    out = out.assign(porsi=pct(out["anggaran"], out["total_belanja"]))
    return out.astype({"anggaran": "Float64", "total_belanja": "Float64"})


def need_demand_supply(need: pd.DataFrame, usulan: pd.DataFrame, sector_shares: pd.DataFrame,
                       wilayah: pd.DataFrame | None = None, median_by: str = "kecamatan", tahun: int | None = None,
                       kelas_kebutuhan: Sequence[str] | None = None) -> pd.DataFrame:
    """The need–demand–supply class of DOMAIN.md §5 per desa, sector and year.

    ``need``: classified indicators (``kode_desa, tahun, sektor, kelas``, e.g.
    ``classify.traffic_light``); ``usulan``: the canonical table;
    ``sector_shares``: ``kode_desa, tahun, sektor, porsi`` (:func:`sector_shares`,
    optionally ``kode_kecamatan``/``kode_kabupaten``); ``wilayah``: names,
    ``jenis`` and parent codes. ``median_by``: the area (``kecamatan`` or
    ``kabupaten``) whose median share a desa is compared with.
    ``kelas_kebutuhan``: light classes that count as need (default
    ``parameters/usulan.yaml``; abu never counts).

    - ``kebutuhan``: an indicator of the sector in a need class (a sector with
      no usable indicator is no evidence of need: ``n_indikator_data = 0``).
    - ``n_usulan``: proposals of the sector, any status; ``n_didanai``: those
      ``didanai_apbdes``; ``ada_data_usulan``: any proposal of the desa-year.
    - ``median`` of ``porsi`` over the desa of the area, year and sector
      (``n_desa_median``; kelurahan never count, a repeated row counts once);
      ``di_atas_median`` = porsi > median (``<NA>`` when either is missing).
    - ``kelas``: Selaras (need, funded proposal); Usulan belum terdanai (need,
      proposals, none funded); Kebutuhan belum tersuarakan (need, no proposal);
      Belanja tanpa kebutuhan mendesak (no need, above median); else Tidak mendesak.

    Rows: every desa-year of any input × the five sectors, kelurahan left out, in
    the years ``usulan`` covers (elsewhere "no proposal" may be "not collected"). Columns ``CLASS_COLUMNS``.

    >>> need = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "kelas": ["merah", "hijau"]})
    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2002"], "tahun": [2024], "sektor": ["LAIN"],
    ...     "status": ["belum_didanai"]})
    >>> sh = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2003"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "porsi": [2.0, 9.0, 4.0]})
    >>> c = need_demand_supply(need, u, sh)
    >>> c[c["sektor"] == "KES"][["kode_desa", "median", "kelas"]].values.tolist()
    [['33.07.01.2001', 4.0, 'Kebutuhan belum tersuarakan'], ['33.07.01.2002', 4.0, 'Belanja tanpa kebutuhan mendesak'], ['33.07.01.2003', 4.0, 'Tidak mendesak']]
    """
    if median_by not in TINGKAT:
        raise ParameterError(f"median_by harus 'kecamatan' atau 'kabupaten', bukan '{median_by}'.")
    require_columns(need, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel capaian (kelas lampu)")
    require_columns(sector_shares, ("kode_desa", "tahun", "sektor", "porsi"), "Tabel porsi belanja per sektor")
    kelas_kebutuhan = load_parameters()["kelas_kebutuhan"] if kelas_kebutuhan is None else kelas_kebutuhan
    check_parameters({"kelas_kebutuhan": list(kelas_kebutuhan), "jenis_agenda": "-", "agenda": {}},
                     "kelas_kebutuhan")
    u = prepare_usulan(usulan, tahun, wilayah=wilayah)
    nd = pd.DataFrame({"kode_desa": text(need["kode_desa"]), "tahun": years(need["tahun"], "Tabel capaian"),
                       "sektor": text(need["sektor"], "upper"), "kelas": text(need["kelas"], "lower")})
    check_values(nd["kelas"], KELAS_LAMPU, "Kolom kelas pada tabel capaian")
    sh = pd.DataFrame({"kode_desa": text(sector_shares["kode_desa"]),
                       "tahun": years(sector_shares["tahun"], "Tabel porsi belanja"),
                       "sektor": text(sector_shares["sektor"], "upper"), "porsi": money(sector_shares["porsi"])})
    covered = u["tahun"].unique()  # years with proposal data; with ``tahun`` only that one

    def in_scope(t: pd.DataFrame) -> pd.DataFrame:
        return t[t["tahun"].isin(covered) & t["kode_desa"].notna() & frames.isin(t["sektor"], SEKTOR)]

    kelas = nd["kelas"]
    evidence = in_scope(nd[KEYS].assign(
        n_merah=kelas.eq("merah"), n_kuning=kelas.eq("kuning"),
        n_indikator_data=frames.isin(kelas, ["hijau", "kuning", "merah"]),
        n_kebutuhan=frames.isin(kelas, list(kelas_kebutuhan)),
    ).groupby(KEYS).sum().reset_index())
    demand = (u[KEYS].assign(n_usulan=1, n_didanai=frames.isin(u["status"], [FUNDED]))
              .groupby(KEYS, dropna=False).sum().reset_index())
    any_proposal = demand[["kode_desa", "tahun"]].drop_duplicates().assign(ada_data_usulan=True)
    sh = in_scope(sh)
    for what, t in (("Tabel capaian", evidence), ("Tabel usulan", any_proposal), ("Tabel porsi belanja", sh)):
        check_codes(t["kode_desa"], what)
    sh = sh.dropna(subset=["porsi"]).drop_duplicates(KEYS)  # a repeated desa-year-sector counts once

    desa_years = desa_year_grid(pd.concat([t[["kode_desa", "tahun"]] for t in (evidence, any_proposal, sh)]))
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
