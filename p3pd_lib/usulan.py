"""Demand side: community proposals (usulan) against needs and budgets (DOMAIN.md §5, §7).

The kit sees *need* (basic-service indicators in red or yellow), *supply* (the
APBDes) and, with the ``usulan`` table, *demand*: what communities ask for in
musyawarah dusun/desa and the RKPDes. This module puts the three side by side
per desa, sector and year:

- :func:`proposal_summary` — number and value of proposals, how many the APBDes
  funds, share funded by count and by Rupiah;
- :func:`budget_answering_proposals` — the share of the basic-service budget
  whose kegiatan answers a funded proposal;
- :func:`sector_shares` — each sector's share of total belanja (BEL02–BEL06);
- :func:`need_demand_supply` — the class of DOMAIN.md §5 (Selaras, Usulan belum
  terdanai, Kebutuhan belum tersuarakan, Belanja tanpa kebutuhan mendesak,
  Tidak mendesak) with the inputs that led to it;
- :func:`aggregate_classes`, :func:`aggregate_proposals`,
  :func:`aggregate_budget_answering` — kecamatan and kabupaten totals
  (counts of desa per class; shares as Σ/Σ, never a mean of village shares);
- :func:`agenda_rows` — agenda-terpadu rows for "Kebutuhan belum tersuarakan"
  (village facilitation) and "Usulan belum terdanai" (budget discussion),
  ready for ``agenda.agenda_terpadu(..., extra_rows=...)``.

Inputs are plain tables with documented columns (the canonical ``usulan``
table, a classified-indicator table, the mapped APBDes lines), never modified.
Missing values stay missing: a proposal without an estimated cost is left out
of Rupiah sums rather than counted as Rp 0. Kelurahan have no APBDes and no
village proposals process, so they get no need–demand–supply class.
Who acts, and the wording of agenda rows, come from ``parameters/usulan.yaml``.

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

from .belanja import normalize_kode_kegiatan  # one normaliser for all kegiatan codes
from .errors import ParameterError
from .usulan_agregat import (  # noqa: F401  (public API of the demand side)
    AGENDA_ROW_COLUMNS, aggregate_budget_answering, aggregate_classes, aggregate_proposals, agenda_rows,
)
from .usulan_base import (  # noqa: F401
    BELANJA_TANPA_KEBUTUHAN, BELUM_TERDANAI, BELUM_TERSUARAKAN, CLASS_COLUMNS, COUNT_COLS, EPS, FUNDED, KELAS,
    KELAS_LAMPU, LABEL_SEKTOR, PENJELASAN_KELAS, SELARAS, SEKTOR, SUM_COLS, SUMMARY_COLUMNS, TIDAK_MENDESAK, TINGKAT,
    area_of, belanja_lines, check_codes, check_parameters, check_values, clean_text, desa_names, desa_year_grid, f64,
    is_kelurahan, load_parameters, to_money, official_codes, pct, prepare_usulan, require_columns, year_column,
)


# --- proposals per desa, sector and year ----------------------------------------------------------


def proposal_summary(usulan: pd.DataFrame, tahun: int | None = None, lain: bool = False, *,
                     wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Proposals per desa, year and sector: how many, how much, how much funded.

    ``usulan``: the canonical table (``kode_desa, tahun, sektor, status,
    perkiraan_biaya, anggaran_disetujui``). ``tahun``: keep one year (all
    when ``None``). ``lain``: add a ``LAIN`` row (non-basic proposals, e.g.
    roads) next to the five basic-service sectors.

    One row per desa-year present in ``usulan`` × sector (a sector without
    proposals gets zero counts and Rp 0: there is nothing to fund). Columns
    ``SUMMARY_COLUMNS``:

    - ``n_usulan`` all proposals whatever their status; ``n_didanai_apbdes``,
      ``n_didanai_pihak_lain``, ``n_belum_didanai``, ``n_ditolak`` by status.
    - ``nilai_usulan`` Σ ``perkiraan_biaya`` of the proposals whose cost is
      known (``<NA>`` when none is); ``nilai_disetujui`` Σ
      ``anggaran_disetujui`` of the ``didanai_apbdes`` proposals (``<NA>`` when
      there are some but none has an amount). ``n_biaya_kosong`` and
      ``n_disetujui_kosong`` count the missing amounts behind these sums.
    - ``porsi_didanai`` = 100 × ``n_didanai_apbdes`` / ``n_usulan``.
    - ``porsi_didanai_rp`` = 100 × ``pembilang_rp`` / ``penyebut_rp``, Σ/Σ over
      the proposals whose Rupiah figures are both known: the numerator takes
      ``anggaran_disetujui`` of ``didanai_apbdes`` proposals and 0 for the
      others (unfunded is a real zero); the denominator takes
      ``perkiraan_biaya``. A proposal without cost, or funded without an
      approved amount, is left out of both sums (missing is not zero);
      ``<NA>`` when nothing is left or the denominator is 0. It can exceed
      100 when the village approved more than was estimated.

    Funding by others (``didanai_pihak_lain``) is counted but is not "funded"
    here: the kit asks whether the *village budget* answers its community.
    ``pembilang_rp`` and ``penyebut_rp`` are kept so that
    :func:`aggregate_proposals` can aggregate Σ/Σ.

    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024, 2024], "sektor": ["AIR", "AIR"],
    ...     "status": ["didanai_apbdes", "ditolak"], "perkiraan_biaya": [None, 40.0],
    ...     "anggaran_disetujui": [20.0, None]})
    >>> proposal_summary(u).set_index("sektor").loc["AIR", ["nilai_usulan", "porsi_didanai", "porsi_didanai_rp"]].tolist()
    [40.0, 50.0, 0.0]
    """
    u = prepare_usulan(usulan, tahun, extra=("perkiraan_biaya", "anggaran_disetujui"), wilayah=wilayah)
    sectors = (*SEKTOR, "LAIN") if lain else SEKTOR
    grid = desa_year_grid(u, sectors)
    u = u[u["sektor"].isin(sectors)]

    status = u["status"]
    funded = status.eq(FUNDED).fillna(False).to_numpy(dtype=bool)
    biaya = to_money(u["perkiraan_biaya"]).to_numpy()
    setuju = to_money(u["anggaran_disetujui"]).to_numpy()
    num_rp = np.where(funded, setuju, 0.0)
    both = ~np.isnan(biaya) & ~np.isnan(num_rp)
    work = pd.DataFrame(
        {
            "kode_desa": u["kode_desa"].array,
            "tahun": u["tahun"].array,
            "sektor": u["sektor"].array,
            "n_usulan": 1,
            "n_didanai_apbdes": funded.astype(int),
            "n_didanai_pihak_lain": status.eq("didanai_pihak_lain").fillna(False).to_numpy(dtype=int),
            "n_belum_didanai": status.eq("belum_didanai").fillna(False).to_numpy(dtype=int),
            "n_ditolak": status.eq("ditolak").fillna(False).to_numpy(dtype=int),
            "n_biaya_kosong": np.isnan(biaya).astype(int),
            "n_disetujui_kosong": (funded & np.isnan(setuju)).astype(int),
            "nilai_usulan": biaya,
            "nilai_disetujui": np.where(funded, setuju, np.nan),
            "pembilang_rp": np.where(both, num_rp, np.nan),
            "penyebut_rp": np.where(both, biaya, np.nan),
        }
    )
    agg = {c: "sum" for c in COUNT_COLS}
    sums = work.groupby(["kode_desa", "tahun", "sektor"], sort=False).agg(agg)
    # min_count=1: a sum over only-missing amounts is missing, not Rp 0.
    money = work.groupby(["kode_desa", "tahun", "sektor"], sort=False)[list(SUM_COLS)].sum(min_count=1)
    sums = sums.join(money).reset_index()
    sums = sums.astype({"kode_desa": "string", "tahun": "Int64", "sektor": "string"})
    out = grid.merge(sums, on=["kode_desa", "tahun", "sektor"], how="left")

    has = out["n_usulan"].notna().to_numpy()
    for c in COUNT_COLS:
        out[c] = pd.array(out[c].fillna(0).to_numpy(dtype="int64"), dtype="Int64")
    n_funded = out["n_didanai_apbdes"].to_numpy(dtype="float64")
    for c in SUM_COLS:
        v = out[c].to_numpy(dtype="float64", na_value=np.nan)
        if c in ("nilai_usulan", "nilai_disetujui"):
            # No proposal (or no funded proposal): a genuine Rp 0.
            empty = ~has if c == "nilai_usulan" else (n_funded == 0)
            v = np.where(empty, 0.0, v)
        out[c] = f64(v)
    out["porsi_didanai"] = pct(n_funded, out["n_usulan"].to_numpy(dtype="float64"))
    out["porsi_didanai_rp"] = pct(
        out["pembilang_rp"].to_numpy(dtype="float64", na_value=np.nan),
        out["penyebut_rp"].to_numpy(dtype="float64", na_value=np.nan),
    )
    return out[SUMMARY_COLUMNS]


# --- budget that answers a proposal ----------------------------------------------------------------


def budget_answering_proposals(
    mapped_apbdes: pd.DataFrame,
    usulan: pd.DataFrame,
    per_sektor: bool = False,
    tahun: int | None = None,
    *,
    wilayah: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of the basic-service budget that answers a funded community proposal.

    ``mapped_apbdes``: budget lines with ``kode_desa, tahun, kode_kegiatan,
    jenis_baris, sektor, anggaran`` (the output of ``belanja.map_apbdes``).
    ``usulan``: ``kode_desa, tahun, sektor, status, kode_kegiatan``.

    The basic-service budget is every ``belanja`` line with a sector (PEND,
    KES, AIR, SOS, ADM). **Matching rule:** such a line *answers a proposal*
    when a proposal with status ``didanai_apbdes`` of the same desa and the
    same year carries the same kegiatan code (both normalised to ``BB.SS.KK``,
    see :func:`normalize_kode_kegiatan`). The line counts in its own sector
    (the APBDes mapping decides the sector, not the proposal's label); every
    line of a matched kegiatan counts. Proposals without a code cannot be
    matched; lines with a missing ``anggaran`` are left out of both sums.

    Rows: every desa-year with belanja lines (× the five sectors when
    ``per_sektor``). Columns ``kode_desa, tahun, [sektor],
    anggaran_layanan_dasar, anggaran_menjawab_usulan, porsi_menjawab_usulan,
    n_kegiatan_menjawab`` and, per desa-year only, ``n_usulan_didanai,
    n_usulan_didanai_tanpa_kode`` (funded proposals of any sector, and those
    that carry no kegiatan code: they explain a low share). The share is
    ``<NA>`` when the basic-service budget is 0.

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

    spend = belanja_lines(mapped_apbdes, ["kode_desa", "tahun", "sektor", "kode_kegiatan", "anggaran"])
    lines = pd.DataFrame(
        {
            "kode_desa": clean_text(spend["kode_desa"]),
            "tahun": year_column(spend["tahun"], "Tabel APBDes"),
            "sektor": clean_text(spend["sektor"], "upper"),
            "kode": normalize_kode_kegiatan(spend["kode_kegiatan"]),
            "anggaran": to_money(spend["anggaran"]).to_numpy(),
        }
    )
    if tahun is not None:
        lines = lines[lines["tahun"] == int(tahun)]
    lines = lines[lines["kode_desa"].notna() & lines["tahun"].notna()]

    funded = u[u["status"].eq(FUNDED).fillna(False)]
    codes = (
        funded.assign(kode=normalize_kode_kegiatan(funded["kode_kegiatan"]))
        .dropna(subset=["kode"])[["kode_desa", "tahun", "kode"]]
        .drop_duplicates()
        .assign(_match=True)
    )
    basic = lines[lines["sektor"].isin(SEKTOR).fillna(False)]
    basic = basic.merge(codes, on=["kode_desa", "tahun", "kode"], how="left")
    match = basic["_match"].eq(True).fillna(False).to_numpy(dtype=bool)
    amount = basic["anggaran"].to_numpy(dtype="float64")
    work = pd.DataFrame(
        {
            "kode_desa": basic["kode_desa"].array,
            "tahun": basic["tahun"].array,
            "sektor": basic["sektor"].array,
            "kode_cocok": basic["kode"].where(match).array,
            "anggaran_layanan_dasar": amount,
            "anggaran_menjawab_usulan": np.where(match, amount, 0.0),
        }
    )
    keys = ["kode_desa", "tahun", "sektor"] if per_sektor else ["kode_desa", "tahun"]
    grouped = work.groupby(keys, sort=False)
    sums = grouped[["anggaran_layanan_dasar", "anggaran_menjawab_usulan"]].sum()  # NaN amounts skipped
    sums["n_kegiatan_menjawab"] = grouped["kode_cocok"].nunique()
    sums = sums.reset_index().astype({"kode_desa": "string", "tahun": "Int64"})
    if per_sektor:
        sums = sums.astype({"sektor": "string"})
        base = desa_year_grid(lines, SEKTOR)
    else:
        base = lines[["kode_desa", "tahun"]].drop_duplicates().sort_values(["kode_desa", "tahun"]).reset_index(drop=True)
    out = base.merge(sums, on=keys, how="left")
    for c in ("anggaran_layanan_dasar", "anggaran_menjawab_usulan"):
        out[c] = f64(out[c].fillna(0.0).to_numpy(dtype="float64"))  # desa spent nothing there: Rp 0
    out["porsi_menjawab_usulan"] = pct(out["anggaran_menjawab_usulan"], out["anggaran_layanan_dasar"])
    out["n_kegiatan_menjawab"] = pd.array(out["n_kegiatan_menjawab"].fillna(0).to_numpy(dtype="int64"), dtype="Int64")
    cols = [*keys, "anggaran_layanan_dasar", "anggaran_menjawab_usulan", "porsi_menjawab_usulan", "n_kegiatan_menjawab"]
    if not per_sektor:
        cnt = (
            funded.assign(
                n_usulan_didanai=1,
                n_usulan_didanai_tanpa_kode=normalize_kode_kegiatan(funded["kode_kegiatan"]).isna().astype(int),
            )
            .groupby(["kode_desa", "tahun"])[["n_usulan_didanai", "n_usulan_didanai_tanpa_kode"]]
            .sum()
            .reset_index()
            .astype({"kode_desa": "string", "tahun": "Int64"})
        )
        out = out.merge(cnt, on=["kode_desa", "tahun"], how="left")
        for c in ("n_usulan_didanai", "n_usulan_didanai_tanpa_kode"):
            out[c] = pd.array(out[c].fillna(0).to_numpy(dtype="int64"), dtype="Int64")
        cols += ["n_usulan_didanai", "n_usulan_didanai_tanpa_kode"]
    return out[cols]


def sector_shares(mapped_apbdes: pd.DataFrame) -> pd.DataFrame:
    """Each basic-service sector's share of total belanja per desa and year (BEL02–BEL06).

    ``mapped_apbdes``: ``kode_desa, tahun, jenis_baris, sektor, anggaran``.
    Share = 100 × Σ anggaran of the sector's belanja lines / Σ anggaran of all
    belanja lines (``<NA>`` when total belanja is 0). Every desa-year with
    belanja gets all five sectors (0 when it spent nothing there). Columns
    ``kode_desa, tahun, sektor, anggaran, total_belanja, porsi`` — the
    ``sector_shares`` input of :func:`need_demand_supply`.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "jenis_baris": ["belanja"] * 2, "sektor": ["KES", None], "anggaran": [25.0, 75.0]})
    >>> sector_shares(lines).set_index("sektor")["porsi"].tolist()
    [0.0, 25.0, 0.0, 0.0, 0.0]
    """
    require_columns(mapped_apbdes, ("kode_desa", "tahun", "jenis_baris", "sektor", "anggaran"),
             "Tabel APBDes terpetakan (hasil map_apbdes)")
    spend = belanja_lines(mapped_apbdes, ["kode_desa", "tahun", "sektor", "anggaran"])
    work = pd.DataFrame(
        {
            "kode_desa": clean_text(spend["kode_desa"]),
            "tahun": year_column(spend["tahun"], "Tabel APBDes"),
            "sektor": clean_text(spend["sektor"], "upper"),
            "anggaran": to_money(spend["anggaran"]).to_numpy(),
        }
    ).dropna(subset=["kode_desa", "tahun"])
    total = work.groupby(["kode_desa", "tahun"])["anggaran"].sum().rename("total_belanja").reset_index()
    by = work[work["sektor"].isin(SEKTOR).fillna(False)].groupby(["kode_desa", "tahun", "sektor"])["anggaran"].sum()
    out = desa_year_grid(work, SEKTOR).merge(by.reset_index(), on=["kode_desa", "tahun", "sektor"], how="left")
    out = out.merge(total, on=["kode_desa", "tahun"], how="left")
    out["anggaran"] = f64(out["anggaran"].fillna(0.0).to_numpy(dtype="float64"))
    out["total_belanja"] = f64(out["total_belanja"].to_numpy(dtype="float64"))
    out["porsi"] = pct(out["anggaran"], out["total_belanja"])
    return out[["kode_desa", "tahun", "sektor", "anggaran", "total_belanja", "porsi"]]


# --- need, demand and supply ------------------------------------------------------------------------



# --- need, demand and supply ------------------------------------------------------------------------


def need_demand_supply(
    need: pd.DataFrame,
    usulan: pd.DataFrame,
    sector_shares: pd.DataFrame,
    wilayah: pd.DataFrame | None = None,
    median_by: str = "kecamatan",
    tahun: int | None = None,
    kelas_kebutuhan: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The need–demand–supply class of DOMAIN.md §5 per desa, sector and year.

    Inputs (plain tables, not modified):

    - ``need``: classified indicator values, ``kode_desa, tahun, sektor, kelas``
      (hijau/kuning/merah/abu; e.g. ``classify.traffic_light`` output, optional
      ``nama_desa``).
    - ``usulan``: the canonical table (``kode_desa, tahun, sektor, status``).
    - ``sector_shares``: ``kode_desa, tahun, sektor, porsi`` (percent of total
      belanja, e.g. :func:`sector_shares`), optionally ``kode_kecamatan`` /
      ``kode_kabupaten``.
    - ``wilayah`` (optional): names, ``jenis`` and parent codes.
    - ``median_by``: ``"kecamatan"`` (DOMAIN.md §5) or ``"kabupaten"``: the
      area whose median share a desa is compared with. The area of a desa is
      read from ``sector_shares``, then ``wilayah``, then its own code.
    - ``kelas_kebutuhan``: light classes that count as need; default
      ``parameters/usulan.yaml`` (merah, kuning). Abu (no data, unstable)
      never counts.

    Per desa, sector and year:

    - ``kebutuhan`` (need): at least one indicator of the sector in a need
      class. A sector without any usable indicator (no row, or only abu) is
      *not* a need: there is no evidence of one; ``n_indikator_data = 0``
      shows it.
    - ``n_usulan`` (demand): proposals of the sector for the year, any status
      (a rejected proposal was still voiced); ``n_didanai``: those
      ``didanai_apbdes``.
    - ``porsi`` the sector's share of the desa's belanja; ``median`` the median
      of ``porsi`` over the desa of the same area, year and sector that have
      one (``n_desa_median`` of them; kelurahan never count; a repeated
      desa-year-sector row of ``sector_shares`` counts once, the first);
      ``di_atas_median`` = porsi > median (strictly: equal is not above;
      ``<NA>`` when either is missing, read as not above).
    - ``kelas``: Selaras (need, n_usulan > 0, n_didanai > 0); Usulan belum
      terdanai (need, n_usulan > 0, n_didanai = 0); Kebutuhan belum
      tersuarakan (need, n_usulan = 0); Belanja tanpa kebutuhan mendesak (no
      need, di_atas_median); Tidak mendesak (otherwise).

    Rows: every desa-year found in any input, × the five sectors, restricted to
    years the ``usulan`` table covers at all — a year without any proposal data
    in the whole table cannot tell "no proposal" from "not collected", so it
    is left out (no usulan data → an empty result). Within a covered year a
    desa without proposal rows counts as having no proposals;
    ``ada_data_usulan`` (any proposal, including LAIN) tells it apart.
    Kelurahan are left out (no APBDes, no village proposals process). Columns
    ``CLASS_COLUMNS``.

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
    if kelas_kebutuhan is None:
        kelas_kebutuhan = load_parameters()["kelas_kebutuhan"]
    else:
        check_parameters({"kelas_kebutuhan": list(kelas_kebutuhan), "jenis_agenda": "-", "agenda": {}},
                         "kelas_kebutuhan")
    u = prepare_usulan(usulan, tahun, wilayah=wilayah)

    nd = pd.DataFrame(
        {
            "kode_desa": clean_text(need["kode_desa"]),
            "tahun": year_column(need["tahun"], "Tabel capaian"),
            "sektor": clean_text(need["sektor"], "upper"),
            "kelas": clean_text(need["kelas"], "lower"),
        }
    )
    check_values(nd["kelas"], KELAS_LAMPU, "Kolom kelas pada tabel capaian")
    sh = pd.DataFrame(
        {
            "kode_desa": clean_text(sector_shares["kode_desa"]),
            "tahun": year_column(sector_shares["tahun"], "Tabel porsi belanja"),
            "sektor": clean_text(sector_shares["sektor"], "upper"),
            "porsi": to_money(sector_shares["porsi"]).to_numpy(),
        }
    )
    if tahun is not None:
        nd = nd[nd["tahun"] == int(tahun)]
        sh = sh[sh["tahun"] == int(tahun)]
    years = set(u["tahun"].dropna().astype(int))
    nd = nd[nd["tahun"].isin(years).fillna(False) & nd["kode_desa"].notna()]
    sh = sh[sh["tahun"].isin(years).fillna(False) & sh["kode_desa"].notna()]
    nd, sh = nd[nd["sektor"].isin(SEKTOR).fillna(False)], sh[sh["sektor"].isin(SEKTOR).fillna(False)]
    for name, codes in (("Tabel capaian", nd["kode_desa"]), ("Tabel usulan", u["kode_desa"]),
                        ("Tabel porsi belanja", sh["kode_desa"])):
        check_codes(codes, name)

    keys = ["kode_desa", "tahun", "sektor"]
    # Need evidence per desa-year-sector.
    ev = nd.assign(
        n_merah=nd["kelas"].eq("merah").astype(int),
        n_kuning=nd["kelas"].eq("kuning").astype(int),
        n_indikator_data=nd["kelas"].isin(["hijau", "kuning", "merah"]).astype(int),
        _need=nd["kelas"].isin(list(kelas_kebutuhan)).astype(int),
    ).groupby(keys)[["n_merah", "n_kuning", "n_indikator_data", "_need"]].sum().reset_index()
    # Demand per desa-year-sector, and whether the desa-year has any proposal at all.
    dem = (
        u[u["sektor"].isin(SEKTOR)]
        .assign(n_usulan=1, n_didanai=u["status"].eq(FUNDED).astype(int))
        .groupby(keys)[["n_usulan", "n_didanai"]].sum().reset_index()
    )
    any_u = u[["kode_desa", "tahun"]].drop_duplicates().assign(ada_data_usulan=True)

    # Median share per area, year and sector, over desa (never kelurahan) that have a share.
    sh = sh.dropna(subset=["porsi"]).drop_duplicates(keys)
    sh = sh[~is_kelurahan(sh["kode_desa"], wilayah).to_numpy()]
    sh = sh.assign(_area=area_of(sh["kode_desa"], median_by, sector_shares, wilayah).to_numpy())
    med = (
        sh.groupby(["_area", "tahun", "sektor"])["porsi"]
        .agg(median="median", n_desa_median="count")
        .reset_index()
    )

    universe = pd.concat([nd[["kode_desa", "tahun"]], u[["kode_desa", "tahun"]], sh[["kode_desa", "tahun"]]])
    universe = universe.astype({"kode_desa": "string", "tahun": "Int64"}).drop_duplicates()
    universe = universe[~is_kelurahan(universe["kode_desa"], wilayah).to_numpy()]
    out = desa_year_grid(universe, SEKTOR)
    out["_area"] = area_of(out["kode_desa"], median_by, sector_shares, wilayah).to_numpy()
    out["kode_kecamatan"] = (
        out["_area"] if median_by == "kecamatan"
        else area_of(out["kode_desa"], "kecamatan", sector_shares, wilayah)
    ).astype("string")
    typed = {"kode_desa": "string", "tahun": "Int64", "sektor": "string"}
    out = (
        out.merge(ev.astype(typed), on=keys, how="left")
        .merge(dem.astype(typed), on=keys, how="left")
        .merge(any_u.astype({"kode_desa": "string", "tahun": "Int64"}), on=["kode_desa", "tahun"], how="left")
        .merge(sh[[*keys, "porsi"]].astype(typed), on=keys, how="left")
        .merge(med.astype({"_area": "string", "tahun": "Int64", "sektor": "string"}),
               on=["_area", "tahun", "sektor"], how="left")
    )
    for c in ("n_merah", "n_kuning", "n_indikator_data", "n_usulan", "n_didanai", "n_desa_median"):
        out[c] = pd.array(out[c].fillna(0).to_numpy(dtype="int64"), dtype="Int64")
    kebutuhan = out["_need"].fillna(0).to_numpy(dtype="float64") > 0
    porsi = out["porsi"].to_numpy(dtype="float64", na_value=np.nan)
    median = out["median"].to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(porsi) & ~np.isnan(median)
    above = known & (porsi > median + EPS)
    n_usulan = out["n_usulan"].to_numpy(dtype="int64")
    n_didanai = out["n_didanai"].to_numpy(dtype="int64")
    kelas = np.select(
        [kebutuhan & (n_usulan > 0) & (n_didanai > 0), kebutuhan & (n_usulan > 0), kebutuhan, above],
        [SELARAS, BELUM_TERDANAI, BELUM_TERSUARAKAN, BELANJA_TANPA_KEBUTUHAN],
        default=TIDAK_MENDESAK,
    )
    out = out.assign(
        kebutuhan=kebutuhan,
        ada_data_usulan=out["ada_data_usulan"].eq(True).fillna(False).astype(bool),
        porsi=f64(porsi),
        median=f64(median),
        di_atas_median=pd.arrays.BooleanArray(above, ~known),
        kelas=pd.array(kelas, dtype="string"),
        nama_desa=desa_names(out["kode_desa"], need, wilayah),
    )
    return out[CLASS_COLUMNS].reset_index(drop=True)
