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

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import parameter_files
from .belanja import LABEL_SEKTOR as BELANJA_LABEL_SEKTOR
from .belanja import normalize_kode_kegiatan  # one normaliser for all kegiatan codes
from .errors import DataError, ParameterError
from .schemas import KODE_DESA_PATTERN, SEKTOR_LAYANAN, SEKTOR_USULAN, STATUS_USULAN

# --- vocabulary ---------------------------------------------------------------------------------

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

FUNDED = "didanai_apbdes"
KELAS_LAMPU = ("hijau", "kuning", "merah", "abu")
TINGKAT = ("kecamatan", "kabupaten")

# A share equal to the median (up to float noise of the median's mean of two values) is not above it.
_EPS = 1e-9

SUMMARY_COLUMNS = [
    "kode_desa", "tahun", "sektor", "n_usulan", "n_didanai_apbdes", "n_didanai_pihak_lain", "n_belum_didanai",
    "n_ditolak", "nilai_usulan", "nilai_disetujui", "pembilang_rp", "penyebut_rp", "porsi_didanai",
    "porsi_didanai_rp", "n_biaya_kosong", "n_disetujui_kosong",
]
CLASS_COLUMNS = [
    "kode_desa", "nama_desa", "kode_kecamatan", "tahun", "sektor", "kebutuhan", "n_merah", "n_kuning",
    "n_indikator_data", "n_usulan", "n_didanai", "ada_data_usulan", "porsi", "median", "n_desa_median",
    "di_atas_median", "kelas",
]
_COUNT_COLS = ("n_usulan", "n_didanai_apbdes", "n_didanai_pihak_lain", "n_belum_didanai", "n_ditolak",
               "n_biaya_kosong", "n_disetujui_kosong")
_SUM_COLS = ("nilai_usulan", "nilai_disetujui", "pembilang_rp", "penyebut_rp")

# --- parameters -----------------------------------------------------------------------------------


def check_parameters(data: Any, source: str = "parameter usulan") -> dict[str, Any]:
    """Check a parameter mapping (as in ``parameters/usulan.yaml``); Indonesian errors.

    >>> check_parameters({"kelas_kebutuhan": ["abu"], "jenis_agenda": "x", "agenda": {}})
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: parameter usulan: 'kelas_kebutuhan' hanya boleh berisi hijau, kuning atau merah (abu = tidak ada data), bukan: abu.
    """
    if not isinstance(data, Mapping):
        raise ParameterError(f"{source}: isi berkas harus berupa pemetaan (kunci: nilai).")
    for key in ("kelas_kebutuhan", "jenis_agenda", "agenda"):
        if key not in data:
            raise ParameterError(f"{source}: isian '{key}' tidak ada.")
    kelas = data["kelas_kebutuhan"]
    if not isinstance(kelas, list) or not kelas:
        raise ParameterError(f"{source}: 'kelas_kebutuhan' harus berupa daftar kelas lampu, mis. [merah, kuning].")
    bad = [str(k) for k in kelas if k not in ("hijau", "kuning", "merah")]
    if bad:
        raise ParameterError(
            f"{source}: 'kelas_kebutuhan' hanya boleh berisi hijau, kuning atau merah (abu = tidak ada data), "
            f"bukan: {', '.join(bad)}."
        )
    agenda = data["agenda"]
    if not isinstance(agenda, Mapping):
        raise ParameterError(f"{source}: 'agenda' harus berupa pemetaan kelas → isian.")
    for kelas_agenda, entry in agenda.items():
        if kelas_agenda not in (BELUM_TERSUARAKAN, BELUM_TERDANAI):
            raise ParameterError(
                f"{source}: kelas agenda '{kelas_agenda}' tidak dikenal; gunakan '{BELUM_TERSUARAKAN}' "
                f"atau '{BELUM_TERDANAI}'."
            )
        if not isinstance(entry, Mapping):
            raise ParameterError(f"{source}: isian agenda '{kelas_agenda}' harus berupa pemetaan.")
        for key in ("indikator", "penanggung_jawab", "tindakan"):
            if not str(entry.get(key) or "").strip():
                raise ParameterError(f"{source}: isian agenda '{kelas_agenda}' tidak memuat '{key}'.")
    return dict(data)


def load_parameters(path: str | Path | None = None) -> dict[str, Any]:
    """The parameters of this module (``parameters/usulan.yaml``), validated by
    :mod:`p3pd_lib.parameter_files` (re-read when the file changes)."""
    return check_parameters(parameter_files.load_usulan(path).model_dump(), "parameters/usulan.yaml")


# --- small helpers --------------------------------------------------------------------------------


def _require(df: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} harus berupa tabel (DataFrame).")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what} tidak memuat kolom: {', '.join(missing)}.")


def _per_unique(s: pd.Series, fn: Any, dtype: str = "string") -> pd.Series:
    """``fn`` (Series → Series) computed on the distinct values of ``s`` and mapped back to every row."""
    distinct = pd.Series(s.dropna().unique()).astype("string")
    lookup = dict(zip(distinct, fn(distinct)))
    return s.map(lookup).astype(dtype)


def _text(s: pd.Series, case: str | None = None) -> pd.Series:
    def clean(u: pd.Series) -> pd.Series:
        u = u.str.strip()
        return u.str.upper() if case == "upper" else u.str.lower() if case == "lower" else u

    return _per_unique(s, clean)


def _belanja_lines(mapped_apbdes: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``belanja`` lines of a mapped APBDes table, only ``columns``."""
    return mapped_apbdes.loc[(mapped_apbdes["jenis_baris"] == "belanja").to_numpy(dtype=bool), columns]


def official_codes(wilayah: pd.DataFrame | None = None) -> pd.Series:
    """The desa/kelurahan codes proposals may carry: ``wilayah.kode_desa``, else the official national list."""
    if wilayah is None or "kode_desa" not in wilayah.columns or not len(wilayah):
        from .wilayah import wilayah_table

        wilayah = wilayah_table()
    return wilayah["kode_desa"].astype("string")


def _check_values(s: pd.Series, allowed: Sequence[str], what: str) -> None:
    vals = pd.Series(s.dropna().unique(), dtype="object")
    bad = vals[~vals.isin(allowed)]
    if len(bad):
        shown = ", ".join(sorted({str(x) for x in bad})[:10])
        raise DataError(f"{what} berisi nilai yang tidak dikenal: {shown}. Nilai yang sah: {', '.join(allowed)}.")


def _check_codes(kode: pd.Series, what: str) -> None:
    vals = pd.Series(pd.array(kode.dropna().unique(), dtype="string"))
    bad = vals[~vals.str.fullmatch(KODE_DESA_PATTERN).fillna(False)]
    if len(bad):
        shown = ", ".join(sorted({str(x) for x in bad})[:5])
        raise DataError(f"{what}: kode desa tidak berformat PP.KK.CC.DDDD: {shown}.")


def _years(s: pd.Series, what: str) -> pd.Series:
    try:
        return pd.to_numeric(s, errors="raise").astype("Int64")
    except (TypeError, ValueError):
        raise DataError(f"{what}: kolom tahun harus berisi bilangan bulat.") from None


def _money(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _f64(values: Any) -> pd.arrays.FloatingArray:
    arr = np.asarray(values, dtype="float64").ravel()
    missing = np.isnan(arr)
    return pd.arrays.FloatingArray(np.where(missing, 0.0, arr), missing)


def _pct(num: Any, den: Any) -> pd.arrays.FloatingArray:
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _f64(np.where((den > 0) & ~np.isnan(num), 100.0 * num / np.where(den > 0, den, 1.0), np.nan))


def _parent(kode_desa: pd.Series, tingkat: str) -> pd.Series:
    """Kecamatan (``PP.KK.CC``) or kabupaten (``PP.KK``) code of a Kemendagri desa code.

    The desa code *contains* its parents by construction (DOMAIN.md §2); this is
    not a BPS↔Kemendagri crosswalk.
    """
    return _per_unique(kode_desa, lambda u: u.str.slice(0, 8 if tingkat == "kecamatan" else 5))


def _is_kelurahan(kode_desa: pd.Series, wilayah: pd.DataFrame | None) -> pd.Series:
    """True for kelurahan: ``wilayah.jenis`` when known, else the code's 1 (DOMAIN.md §2)."""
    jenis = None
    if wilayah is not None and {"kode_desa", "jenis"} <= set(wilayah.columns):
        w = wilayah[["kode_desa", "jenis"]].astype("string").dropna().drop_duplicates("kode_desa")
        jenis = w.set_index("kode_desa")["jenis"].str.strip().str.lower()

    def kel(u: pd.Series) -> pd.Series:
        by_code = u.str.slice(9, 10).eq("1").fillna(False)
        if jenis is None:
            return by_code
        known = u.map(jenis)
        return known.eq("kelurahan").where(known.notna(), by_code)

    return _per_unique(kode_desa, kel, "boolean").fillna(False).astype(bool)


def _prepare_usulan(usulan: pd.DataFrame, tahun: int | None, extra: Sequence[str] = (),
                    wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """The proposals of official desa codes only (like the indicators): other codes are quality findings."""
    need = ("kode_desa", "tahun", "sektor", "status", *extra)
    _require(usulan, need, "Tabel usulan")
    u = pd.DataFrame(
        {
            "kode_desa": _text(usulan["kode_desa"]),
            "tahun": _years(usulan["tahun"], "Tabel usulan"),
            "sektor": _text(usulan["sektor"], "upper"),
            "status": _text(usulan["status"], "lower"),
        },
        index=usulan.index,
    )
    for c in extra:
        u[c] = usulan[c]
    _check_values(u["sektor"], SEKTOR_USULAN, "Kolom sektor pada tabel usulan")
    _check_values(u["status"], STATUS_USULAN, "Kolom status pada tabel usulan")
    if tahun is not None:
        u = u[u["tahun"] == int(tahun)]
    official = u["kode_desa"].isin(official_codes(wilayah)).to_numpy(dtype=bool)
    return u[official & u["tahun"].notna().to_numpy(dtype=bool)]


def _desa_year_grid(keys: pd.DataFrame, sectors: Sequence[str]) -> pd.DataFrame:
    keys = keys[["kode_desa", "tahun"]].drop_duplicates().sort_values(["kode_desa", "tahun"], kind="stable")
    n = len(keys)
    rep = np.repeat(np.arange(n), len(sectors))
    return pd.DataFrame(
        {
            "kode_desa": pd.Series(keys["kode_desa"].astype("string").array.take(rep)),
            "tahun": pd.Series(keys["tahun"].astype("Int64").array.take(rep)),
            "sektor": pd.array(np.tile(np.array(sectors, dtype=object), n), dtype="string"),
        }
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
    u = _prepare_usulan(usulan, tahun, extra=("perkiraan_biaya", "anggaran_disetujui"), wilayah=wilayah)
    sectors = (*SEKTOR, "LAIN") if lain else SEKTOR
    grid = _desa_year_grid(u, sectors)
    u = u[u["sektor"].isin(sectors)]

    status = u["status"]
    funded = status.eq(FUNDED).fillna(False).to_numpy(dtype=bool)
    biaya = _money(u["perkiraan_biaya"]).to_numpy()
    setuju = _money(u["anggaran_disetujui"]).to_numpy()
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
    agg = {c: "sum" for c in _COUNT_COLS}
    sums = work.groupby(["kode_desa", "tahun", "sektor"], sort=False).agg(agg)
    # min_count=1: a sum over only-missing amounts is missing, not Rp 0.
    money = work.groupby(["kode_desa", "tahun", "sektor"], sort=False)[list(_SUM_COLS)].sum(min_count=1)
    sums = sums.join(money).reset_index()
    sums = sums.astype({"kode_desa": "string", "tahun": "Int64", "sektor": "string"})
    out = grid.merge(sums, on=["kode_desa", "tahun", "sektor"], how="left")

    has = out["n_usulan"].notna().to_numpy()
    for c in _COUNT_COLS:
        out[c] = pd.array(out[c].fillna(0).to_numpy(dtype="int64"), dtype="Int64")
    n_funded = out["n_didanai_apbdes"].to_numpy(dtype="float64")
    for c in _SUM_COLS:
        v = out[c].to_numpy(dtype="float64", na_value=np.nan)
        if c in ("nilai_usulan", "nilai_disetujui"):
            # No proposal (or no funded proposal): a genuine Rp 0.
            empty = ~has if c == "nilai_usulan" else (n_funded == 0)
            v = np.where(empty, 0.0, v)
        out[c] = _f64(v)
    out["porsi_didanai"] = _pct(n_funded, out["n_usulan"].to_numpy(dtype="float64"))
    out["porsi_didanai_rp"] = _pct(
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
    _require(mapped_apbdes, ("kode_desa", "tahun", "kode_kegiatan", "jenis_baris", "sektor", "anggaran"),
             "Tabel APBDes terpetakan (hasil map_apbdes)")
    u = _prepare_usulan(usulan, tahun, extra=("kode_kegiatan",), wilayah=wilayah)

    spend = _belanja_lines(mapped_apbdes, ["kode_desa", "tahun", "sektor", "kode_kegiatan", "anggaran"])
    lines = pd.DataFrame(
        {
            "kode_desa": _text(spend["kode_desa"]),
            "tahun": _years(spend["tahun"], "Tabel APBDes"),
            "sektor": _text(spend["sektor"], "upper"),
            "kode": normalize_kode_kegiatan(spend["kode_kegiatan"]),
            "anggaran": _money(spend["anggaran"]).to_numpy(),
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
        base = _desa_year_grid(lines, SEKTOR)
    else:
        base = lines[["kode_desa", "tahun"]].drop_duplicates().sort_values(["kode_desa", "tahun"]).reset_index(drop=True)
    out = base.merge(sums, on=keys, how="left")
    for c in ("anggaran_layanan_dasar", "anggaran_menjawab_usulan"):
        out[c] = _f64(out[c].fillna(0.0).to_numpy(dtype="float64"))  # desa spent nothing there: Rp 0
    out["porsi_menjawab_usulan"] = _pct(out["anggaran_menjawab_usulan"], out["anggaran_layanan_dasar"])
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
    _require(mapped_apbdes, ("kode_desa", "tahun", "jenis_baris", "sektor", "anggaran"),
             "Tabel APBDes terpetakan (hasil map_apbdes)")
    spend = _belanja_lines(mapped_apbdes, ["kode_desa", "tahun", "sektor", "anggaran"])
    work = pd.DataFrame(
        {
            "kode_desa": _text(spend["kode_desa"]),
            "tahun": _years(spend["tahun"], "Tabel APBDes"),
            "sektor": _text(spend["sektor"], "upper"),
            "anggaran": _money(spend["anggaran"]).to_numpy(),
        }
    ).dropna(subset=["kode_desa", "tahun"])
    total = work.groupby(["kode_desa", "tahun"])["anggaran"].sum().rename("total_belanja").reset_index()
    by = work[work["sektor"].isin(SEKTOR).fillna(False)].groupby(["kode_desa", "tahun", "sektor"])["anggaran"].sum()
    out = _desa_year_grid(work, SEKTOR).merge(by.reset_index(), on=["kode_desa", "tahun", "sektor"], how="left")
    out = out.merge(total, on=["kode_desa", "tahun"], how="left")
    out["anggaran"] = _f64(out["anggaran"].fillna(0.0).to_numpy(dtype="float64"))
    out["total_belanja"] = _f64(out["total_belanja"].to_numpy(dtype="float64"))
    out["porsi"] = _pct(out["anggaran"], out["total_belanja"])
    return out[["kode_desa", "tahun", "sektor", "anggaran", "total_belanja", "porsi"]]


# --- need, demand and supply ------------------------------------------------------------------------


def _group_of(kode_desa: pd.Series, level: str, *sources: pd.DataFrame | None) -> pd.Series:
    """The kecamatan/kabupaten of each desa: the first source with a ``kode_<level>`` column, else its code."""
    col = f"kode_{level}"
    maps = []
    for src in sources:
        if src is not None and {col, "kode_desa"} <= set(src.columns):
            m = src[["kode_desa", col]].dropna().drop_duplicates("kode_desa")
            maps.append(pd.Series(m[col].astype("string").array, index=m["kode_desa"].astype("string").array))

    def area(u: pd.Series) -> pd.Series:
        out = pd.Series(pd.NA, index=u.index, dtype="string")
        for m in maps:
            out = out.fillna(u.map(m).astype("string"))
        return out.fillna(u.str.slice(0, 8 if level == "kecamatan" else 5))

    return _per_unique(kode_desa, area)


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
    _require(need, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel capaian (kelas lampu)")
    _require(sector_shares, ("kode_desa", "tahun", "sektor", "porsi"), "Tabel porsi belanja per sektor")
    if kelas_kebutuhan is None:
        kelas_kebutuhan = load_parameters()["kelas_kebutuhan"]
    else:
        check_parameters({"kelas_kebutuhan": list(kelas_kebutuhan), "jenis_agenda": "-", "agenda": {}},
                         "kelas_kebutuhan")
    u = _prepare_usulan(usulan, tahun, wilayah=wilayah)

    nd = pd.DataFrame(
        {
            "kode_desa": _text(need["kode_desa"]),
            "tahun": _years(need["tahun"], "Tabel capaian"),
            "sektor": _text(need["sektor"], "upper"),
            "kelas": _text(need["kelas"], "lower"),
        }
    )
    _check_values(nd["kelas"], KELAS_LAMPU, "Kolom kelas pada tabel capaian")
    sh = pd.DataFrame(
        {
            "kode_desa": _text(sector_shares["kode_desa"]),
            "tahun": _years(sector_shares["tahun"], "Tabel porsi belanja"),
            "sektor": _text(sector_shares["sektor"], "upper"),
            "porsi": _money(sector_shares["porsi"]).to_numpy(),
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
        _check_codes(codes, name)

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
    sh = sh[~_is_kelurahan(sh["kode_desa"], wilayah).to_numpy()]
    sh = sh.assign(_area=_group_of(sh["kode_desa"], median_by, sector_shares, wilayah).to_numpy())
    med = (
        sh.groupby(["_area", "tahun", "sektor"])["porsi"]
        .agg(median="median", n_desa_median="count")
        .reset_index()
    )

    universe = pd.concat([nd[["kode_desa", "tahun"]], u[["kode_desa", "tahun"]], sh[["kode_desa", "tahun"]]])
    universe = universe.astype({"kode_desa": "string", "tahun": "Int64"}).drop_duplicates()
    universe = universe[~_is_kelurahan(universe["kode_desa"], wilayah).to_numpy()]
    out = _desa_year_grid(universe, SEKTOR)
    out["_area"] = _group_of(out["kode_desa"], median_by, sector_shares, wilayah).to_numpy()
    out["kode_kecamatan"] = (
        out["_area"] if median_by == "kecamatan"
        else _group_of(out["kode_desa"], "kecamatan", sector_shares, wilayah)
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
    above = known & (porsi > median + _EPS)
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
        porsi=_f64(porsi),
        median=_f64(median),
        di_atas_median=pd.arrays.BooleanArray(above, ~known),
        kelas=pd.array(kelas, dtype="string"),
        nama_desa=_names(out["kode_desa"], need, wilayah),
    )
    return out[CLASS_COLUMNS].reset_index(drop=True)


def _names(kode_desa: pd.Series, *sources: pd.DataFrame | None) -> pd.Series:
    out = pd.Series(pd.NA, index=kode_desa.index, dtype="string")
    for src in sources:
        if src is not None and {"kode_desa", "nama_desa"} <= set(src.columns):
            m = src[["kode_desa", "nama_desa"]].astype("string").dropna().drop_duplicates("kode_desa")
            out = out.fillna(kode_desa.map(m.set_index("kode_desa")["nama_desa"]).astype("string"))
    return out


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
    return _group_of(df["kode_desa"].astype("string"), level, df, wilayah)


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
    _require(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    levels = _levels(tingkat)
    _check_values(classes["kelas"].astype("string"), KELAS, "Kolom kelas")
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
    out["porsi_desa"] = _pct(out["n_desa"].to_numpy(dtype="float64"), out["n_desa_total"].to_numpy(dtype="float64"))
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
        out[c] = _f64(out[c].to_numpy(dtype="float64"))
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

    >>> s = proposal_summary(pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2002"],
    ...     "tahun": [2024] * 3, "sektor": ["KES"] * 3, "status": ["didanai_apbdes", "ditolak", "ditolak"],
    ...     "perkiraan_biaya": [10.0, 10.0, 10.0], "anggaran_disetujui": [10.0, None, None]}))
    >>> a = aggregate_proposals(s, tingkat="kecamatan").set_index("sektor")
    >>> int(a.loc["KES", "n_desa"]), int(a.loc["KES", "n_usulan"]), round(float(a.loc["KES", "porsi_didanai"]), 2)
    (2, 3, 33.33)
    """
    _require(summary, ("kode_desa", "tahun", "sektor", *_COUNT_COLS, *_SUM_COLS), "Tabel ringkasan usulan")
    levels = _levels(tingkat)
    t = summary.assign(_dengan=(summary["n_usulan"].fillna(0) > 0).astype(int))
    out = _aggregate_sums(t, ["kode_desa", "tahun", "sektor"], [*_COUNT_COLS, "_dengan"], list(_SUM_COLS), wilayah, levels)
    out = out.rename(columns={"_dengan": "n_desa_dengan_usulan"})
    out["porsi_didanai"] = _pct(out["n_didanai_apbdes"].to_numpy(dtype="float64"), out["n_usulan"].to_numpy(dtype="float64"))
    out["porsi_didanai_rp"] = _pct(
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
    _require(budget, ("kode_desa", "tahun", "anggaran_layanan_dasar", "anggaran_menjawab_usulan",
                      "n_kegiatan_menjawab"), "Tabel anggaran yang menjawab usulan")
    levels = _levels(tingkat)
    keys = ["kode_desa", "tahun", *(["sektor"] if "sektor" in budget.columns else [])]
    counts = [c for c in ("n_kegiatan_menjawab", "n_usulan_didanai", "n_usulan_didanai_tanpa_kode") if c in budget.columns]
    out = _aggregate_sums(budget, keys, counts, ["anggaran_layanan_dasar", "anggaran_menjawab_usulan"], wilayah, levels)
    out["porsi_menjawab_usulan"] = _pct(
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
    _require(classes, ("kode_desa", "tahun", "sektor", "kelas"), "Tabel kelas kebutuhan–usulan–anggaran")
    p = check_parameters(params) if params is not None else load_parameters()
    if sub_bidang is None:
        from .agenda import load_agenda_parameters  # only the parameter file, not the agenda logic

        sub_bidang = load_agenda_parameters()["sub_bidang_apbdes"]
    kelas = classes["kelas"].astype("string")
    sel = classes[kelas.isin(list(p["agenda"])).fillna(False).to_numpy(dtype=bool)]
    if sel.empty:
        return _empty_agenda()
    k = sel["kelas"].astype("string")
    sektor = _text(sel["sektor"], "upper")
    entry = {name: dict(v) for name, v in p["agenda"].items()}

    def num(col: str) -> pd.Series:
        if col not in sel.columns:
            return pd.Series("?", index=sel.index, dtype="string")
        return pd.to_numeric(sel[col], errors="coerce").astype("Int64").astype("string").fillna("?")

    label = sektor.map(LABEL_SEKTOR).fillna(sektor).astype("string")
    tahun = _years(sel["tahun"], "Tabel kelas").astype("string")
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
            "kode_desa": _text(sel["kode_desa"]),
            "nama_desa": _names(_text(sel["kode_desa"]), sel, wilayah),
            "tahun": _years(sel["tahun"], "Tabel kelas"),
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
