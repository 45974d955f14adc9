"""Data-quality checks of the service table ``layanan`` (DOMAIN.md §6), in plain pandas.

Each check takes the table (typed or raw text) or a :class:`ServiceTable` (read once, shared by all checks). Checks
of whole desa-years read the first row of each desa and year (a repeat is ``baris_ganda``'s business).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .frames import isin
from .quality_base import (
    COUNT_COLUMNS, QualityParams, as_params, catalogue_frame, dec, desa_codes, empty_findings, findings, labels, num,
    parse_numbers, pct, plain, region_table, require, year_text, years,
)

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): scales the MAD to a standard deviation for normal data


class ServiceTable:
    """The ``layanan`` table read once: codes, years, key rows, and each column parsed at most once.

    >>> t = ServiceTable(pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 2, "tahun": [2024] * 2,
    ...                                "balita_diukur": ["40", "x"]}))
    >>> t.counts(["balita_diukur", "absent"]).values.tolist(), len(t.keys)
    ([[40.0, nan], [nan, nan]], 1)
    """

    def __init__(self, layanan: pd.DataFrame):
        require(layanan, ("kode_desa",), "layanan")
        self.table = layanan.reset_index(drop=True)
        self.codes, self.years = desa_codes(self.table["kode_desa"]), years(self.table)
        self._parsed: dict[str, pd.DataFrame] = {}
        self._counts: dict[str, pd.Series] = {}

    def parsed(self, col: str) -> pd.DataFrame:
        """:func:`~p3pd_lib.quality_base.parse_numbers` of one column (computed once)."""
        if col not in self._parsed:
            self._parsed[col] = parse_numbers(self.table[col])
        return self._parsed[col]

    def counts(self, columns: Iterable[str]) -> pd.DataFrame:
        """Valid counts (float; NaN when missing, not a number, negative, fractional or the column is absent)."""
        cols = list(dict.fromkeys(columns))
        for c in (c for c in cols if c not in self._counts):  # each column made valid once, for every check
            v = self.parsed(c)["nilai"] if c in self.table.columns else pd.Series(np.nan, index=self.table.index)
            self._counts[c] = v.where((v >= 0) & (v == np.floor(v)))
        return pd.DataFrame({c: self._counts[c] for c in cols}, index=self.table.index)

    @cached_property
    def keys(self) -> pd.DataFrame:
        """The first row of each desa-year: ``kode_desa, tahun, kode_kecamatan, kode_kabupaten`` (table's index)."""
        require(self.table, ("kode_desa", "tahun"), "layanan")
        keys = pd.DataFrame({"kode_desa": self.codes, "tahun": self.years}).dropna().drop_duplicates(
            ["kode_desa", "tahun"])
        return keys.assign(kode_kecamatan=keys["kode_desa"].str.slice(0, 8),
                           kode_kabupaten=keys["kode_desa"].str.slice(0, 5))


def service_table(layanan: pd.DataFrame | ServiceTable) -> ServiceTable:
    """``layanan`` as a :class:`ServiceTable` (one passes through)."""
    return layanan if isinstance(layanan, ServiceTable) else ServiceTable(layanan)


def _who(names: Any, code: Any, year: Any) -> str:
    return f"{names.desa(code)}, {year_text(year)}"


# --------------------------------------------------------------------------- values


def check_counts(layanan: pd.DataFrame | ServiceTable, columns: Iterable[str] | None = None, *,
                 wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts that are not numbers, not whole numbers (``bukan_angka``) or negative (``nilai_negatif``).

    ``columns`` defaults to every count column of the ``layanan`` contract that is present.

    >>> raw = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 3, "tahun": [2022, 2023, 2024],
    ...                     "balita_diukur": ["40", "empat", "-3"]})
    >>> check_counts(raw)[["tahun", "aturan", "nilai"]].values.tolist()
    [[2023, 'bukan_angka', 'empat'], [2024, 'nilai_negatif', '-3']]
    """
    t, names = service_table(layanan), labels(wilayah)
    cols = [c for c in (columns if columns is not None else COUNT_COLUMNS) if c in t.table.columns]
    value = pd.DataFrame({c: t.parsed(c)["nilai"] for c in cols}, index=t.table.index)
    text = pd.DataFrame({c: t.parsed(c)["bukan_angka"] for c in cols}, index=t.table.index)
    negative, fractional = (value < 0).to_numpy(), (value.notna() & (value != np.floor(value))).to_numpy()
    bad = text.to_numpy(dtype=bool) | negative | fractional
    rows: list[tuple] = []
    for j, col in enumerate(cols):
        for i in np.flatnonzero(bad[:, j]):
            code, year, x, who = t.codes[i], t.years[i], value.iat[i, j], _who(names, t.codes[i], t.years[i])
            if negative[i, j]:
                rows.append((code, year, "layanan", col, plain(x), "nilai_negatif", "galat",
                             f"{who}: {col} bernilai negatif ({num(x)}); jumlah tidak boleh kurang dari 0."))
            elif fractional[i, j]:
                rows.append((code, year, "layanan", col, plain(x), "bukan_angka", "galat",
                             f"{who}: {col} = {num(x, 2)} bukan bilangan bulat; isian jumlah harus bilangan bulat."))
            else:
                written = str(t.table.at[i, col]).strip()
                rows.append((code, year, "layanan", col, written, "bukan_angka", "galat",
                             f"{who}: {col} berisi '{written}', bukan angka; nilai ini dianggap tidak dilaporkan."))
    return findings(rows)


def check_numerator_exceeds(layanan: pd.DataFrame | ServiceTable, catalogue: Any = None, *,
                            wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows where an indicator's numerator exceeds its denominator (``pembilang_melebihi_penyebut``, galat).

    One finding per desa, year and indicator; ``kolom`` is the numerator.

    >>> layanan = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024],
    ...                         "balita_stunting": [57], "balita_diukur": [40]})
    >>> cat = pd.DataFrame({"id": ["KES01"], "sektor": ["KES"],
    ...                     "pembilang": ["balita_stunting"], "penyebut": ["balita_diukur"]})
    >>> check_numerator_exceeds(layanan, cat).loc[0, "pesan"]
    'Desa 11.01.01.2001, 2024: balita_stunting (57) lebih besar dari balita_diukur (40) (indikator KES01).'
    """
    t, cat, names = service_table(layanan), catalogue_frame(catalogue), labels(wilayah)
    counts = t.counts([*cat["pembilang"], *cat["penyebut"]])
    rows: list[tuple] = []
    for ind, num_col, den_col in zip(cat["id"], cat["pembilang"], cat["penyebut"]):
        n, d = counts[num_col], counts[den_col]
        for i in n.index[n > d]:
            rows.append((t.codes[i], t.years[i], "layanan", num_col, plain(n[i]), "pembilang_melebihi_penyebut",
                         "galat", f"{_who(names, t.codes[i], t.years[i])}: {num_col} ({num(n[i])}) lebih besar dari "
                         f"{den_col} ({num(d[i])}) (indikator {ind})."))
    return findings(rows)


# --------------------------------------------------------------------------- completeness


def _expected(keys: pd.DataFrame, wilayah: pd.DataFrame | None) -> pd.DataFrame:
    """Desa expected to report, with their kecamatan: every layanan desa (listed in ``wilayah`` when given), then
    the desa (not kelurahan) of ``wilayah`` in a kecamatan that reports."""
    own = keys.drop_duplicates("kode_desa")[["kode_desa", "kode_kecamatan"]]
    if wilayah is None or not {"kode_desa", "kode_kecamatan"} <= set(wilayah.columns):
        return own
    w = wilayah.astype({"kode_desa": "string", "kode_kecamatan": "string"})
    own = own[isin(own["kode_desa"], w["kode_desa"])]
    if "jenis" in w.columns:
        w = w[(w["jenis"].astype("string") != "kelurahan").fillna(True)]
    w = w[isin(w["kode_kecamatan"], keys["kode_kecamatan"]) & ~isin(w["kode_desa"], own["kode_desa"])]
    return pd.concat([own, w[["kode_desa", "kode_kecamatan"]].drop_duplicates("kode_desa")], ignore_index=True)


def completeness_table(layanan: pd.DataFrame | ServiceTable, catalogue: Any = None, *,
                       wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of desa reporting each indicator, per kecamatan and year.

    Columns ``kode_kecamatan, tahun, indikator, n_desa, n_lapor, porsi``: ``n_desa`` desa expected (see
    :func:`check_completeness`), ``n_lapor`` of them with a valid numerator *and* denominator, ``porsi`` = n_lapor /
    n_desa.
    """
    t, cat = service_table(layanan), catalogue_frame(catalogue)
    keys = t.keys
    columns = ["kode_kecamatan", "tahun", "indikator", "n_desa", "n_lapor", "porsi"]
    if keys.empty or cat.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in ("kode_kecamatan", "indikator") else
                                          ("Float64" if c == "porsi" else "Int64")) for c in columns})
    expected = _expected(keys, region_table(wilayah))
    n_desa = expected.groupby("kode_kecamatan").size().rename("n_desa")
    counts = t.counts([*cat["pembilang"], *cat["penyebut"]]).loc[keys.index].notna()
    present = set(t.table.columns)
    member = isin(keys["kode_desa"], expected["kode_desa"])
    reported = pd.DataFrame({ind: member & counts[n] & counts[d] if {n, d} <= present else False
                             for ind, n, d in zip(cat["id"], cat["pembilang"], cat["penyebut"])}, index=keys.index)
    table = (reported.assign(kode_kecamatan=keys["kode_kecamatan"], tahun=keys["tahun"])
             .groupby(["kode_kecamatan", "tahun"]).sum()
             .melt(ignore_index=False, var_name="indikator", value_name="n_lapor").reset_index()
             .merge(n_desa, left_on="kode_kecamatan", right_index=True, how="left")
             .sort_values(["kode_kecamatan", "tahun", "indikator"], kind="stable"))
    table = table.astype({"kode_kecamatan": "string", "tahun": "Int64", "indikator": "string", "n_desa": "Int64",
                          "n_lapor": "Int64"})
    return table.assign(porsi=(table["n_lapor"] / table["n_desa"]).astype("Float64"))[columns].reset_index(drop=True)


def check_completeness(layanan: pd.DataFrame | ServiceTable, catalogue: Any = None, *,
                       wilayah: pd.DataFrame | None = None,
                       params: QualityParams | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Completeness per kecamatan, indicator and year (``kelengkapan``) and non-reporting desa
    (``desa_tidak_melapor``).

    A kecamatan reports in a year when one of its villages has a layanan row; its expected villages are then its
    desa in ``wilayah`` (kelurahan only with data) and every code seen under it. A share with valid numerator and
    denominator below ``kelengkapan.porsi_peringatan`` is a ``peringatan``, below ``porsi_info`` an ``info``
    (``kode_desa`` = the kecamatan, ``kolom`` = the indicator). An expected desa without a row that year:
    ``desa_tidak_melapor``.
    """
    t, p, cat, names = service_table(layanan), as_params(params), catalogue_frame(catalogue), labels(wilayah)
    keys = t.keys
    if keys.empty:
        return empty_findings()
    rows: list[tuple] = []
    table = completeness_table(t, cat, wilayah=region_table(wilayah))
    nama = dict(zip(cat["id"], cat["nama"])) if "nama" in cat.columns else {}
    cols = dict(zip(cat["id"], zip(cat["pembilang"], cat["penyebut"])))
    for r in table[(table["porsi"] < p.kelengkapan_porsi_info).fillna(False)].to_dict("records"):
        level = "peringatan" if r["porsi"] < p.kelengkapan_porsi_peringatan else "info"
        threshold = p.kelengkapan_porsi_peringatan if level == "peringatan" else p.kelengkapan_porsi_info
        ind, kec, year = r["indikator"], r["kode_kecamatan"], int(r["tahun"])
        title = f"{ind} ({nama[ind]})" if ind in nama else ind
        rows.append((kec, year, "layanan", ind, plain(round(float(r["porsi"]), 4)), "kelengkapan", level,
                     f"{names.kecamatan(kec)}, {year}: {title} hanya dilaporkan lengkap ({cols[ind][0]} dan "
                     f"{cols[ind][1]}) oleh {r['n_lapor']} dari {r['n_desa']} desa ({pct(100 * r['porsi'])}); "
                     f"di bawah ambang {pct(100 * threshold)}."))
    # Expected desa × the years their kecamatan reports, without a row of their own.
    active = keys[["kode_kecamatan", "tahun"]].drop_duplicates()
    due = _expected(keys, region_table(wilayah)).merge(active, on="kode_kecamatan")
    missing = (due.merge(keys[["kode_desa", "tahun"]], on=["kode_desa", "tahun"], how="left", indicator=True)
               .query("_merge == 'left_only'").sort_values(["kode_desa", "tahun"]))
    for code, year in zip(missing["kode_desa"], missing["tahun"]):
        rows.append((code, year, "layanan", "kode_desa", "", "desa_tidak_melapor", "peringatan",
                     f"{names.desa(code)}, {int(year)}: tidak ada baris data layanan, padahal desa lain di "
                     "kecamatannya melapor; semua indikator desa ini kosong untuk tahun itu."))
    return findings(rows)


def check_missing_values(layanan: pd.DataFrame | ServiceTable, catalogue: Any = None, *,
                         wilayah: pd.DataFrame | None = None,
                         params: QualityParams | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Empty cells of indicator columns (``nilai_hilang``, peringatan), one finding per cell.

    A cell is reported when the column is filled by at least ``kelengkapan.porsi_minimum_nilai_hilang`` of the rows
    of the same kecamatan and year: an isolated gap (a column almost nobody fills is reported once per kecamatan by
    :func:`check_completeness`). A non-numeric cell is ``bukan_angka``, not empty.
    """
    t, p, cat, names = service_table(layanan), as_params(params), catalogue_frame(catalogue), labels(wilayah)
    keys = t.keys
    cols = [c for c in dict.fromkeys([*cat["pembilang"], *cat["penyebut"]]) if c in t.table.columns]
    if keys.empty or not cols:
        return findings([])
    filled = pd.DataFrame({c: t.parsed(c)["ada"] for c in cols}).loc[keys.index]
    share = filled.groupby([keys["kode_kecamatan"], keys["tahun"]]).transform("mean")
    gaps = ~filled & (share >= p.kelengkapan_porsi_minimum_nilai_hilang)
    rows: list[tuple] = []
    for col in cols:
        for i in keys.index[gaps[col]]:
            code, year = keys.at[i, "kode_desa"], keys.at[i, "tahun"]
            rows.append((code, year, "layanan", col, "", "nilai_hilang", "peringatan",
                         f"{names.desa(code)}, {int(year)}: {col} kosong (tidak dilaporkan), padahal "
                         f"{pct(100 * share.at[i, col])} desa di kecamatannya mengisinya; indikator yang memakai "
                         "kolom ini tidak dapat dihitung untuk desa ini."))
    return findings(rows)


# --------------------------------------------------------------------------- outliers and jumps


def _tested_values(t: ServiceTable, cat: pd.DataFrame, p: QualityParams) -> tuple[list[dict], pd.DataFrame]:
    """What :func:`check_outliers` compares (one column per test): each indicator's rate, each denominator per
    capita (log), on the key rows."""
    counts = t.counts([*cat["pembilang"], *cat["penyebut"], "penduduk", "rumah_tangga"]).loc[t.keys.index]
    specs, tested = [], {}
    min_pen = cat["min_penyebut"] if "min_penyebut" in cat.columns else pd.Series(1, index=cat.index)
    for ind, n, d, mp in zip(cat["id"], cat["pembilang"], cat["penyebut"], min_pen):
        mp = 1.0 if pd.isna(mp) else max(float(mp), 1.0)
        ok = (counts[d] >= mp) & (counts[n] <= counts[d])
        specs.append({"kolom": n, "label": f"{ind} ({n}/{d})", "per_kapita": False})
        tested[len(tested)] = (counts[n] * 100.0 / counts[d]).where(ok)
    pend = counts["penduduk"]
    for col in (c for c in dict.fromkeys(cat["penyebut"]) if c in t.table.columns):
        base, base_name, per = (counts["rumah_tangga"], "rumah tangga", 1.0) if col == "penduduk" \
            else (pend, "1.000 penduduk", 1000.0)
        ok = (base > 0) & (counts[col] > 0) & ((pend >= p.pencilan_minimum_penduduk) | (col == "penduduk"))
        specs.append({"kolom": col, "label": f"{col} per {base_name}", "per_kapita": True})
        tested[len(tested)] = np.log((counts[col] * per / base).where(ok))
    return [dict(s, mentah=counts[s["kolom"]]) for s in specs], pd.DataFrame(tested, index=counts.index)


def check_outliers(layanan: pd.DataFrame | ServiceTable, catalogue: Any = None, *,
                   wilayah: pd.DataFrame | None = None,
                   params: QualityParams | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Robust outliers against the other villages of the kabupaten in the same year (``pencilan``, peringatan).

    Per kabupaten and year, against the median and the MAD (×1.4826): each indicator's rate (denominator ≥
    ``min_penyebut``, numerator ≤ denominator), flagged beyond ``pengali_mad`` × MAD and ``selisih_minimum_persen``
    points (``kolom`` = the numerator); each denominator per 1,000 inhabitants (``penduduk``: per household) on a
    log scale, flagged beyond ``pengali_mad`` × MAD and ``faktor_minimum_per_kapita`` times the median or its
    inverse. Groups with fewer than ``minimum_desa`` values or a MAD of 0 are skipped.
    """
    t, p, cat, names = service_table(layanan), as_params(params), catalogue_frame(catalogue), labels(wilayah)
    keys = t.keys
    if keys.empty:
        return empty_findings()
    specs, x = _tested_values(t, cat, p)
    group = [keys["kode_kabupaten"], keys["tahun"]]
    median = x.groupby(group).transform("median")
    n = x.groupby(group).transform("count")
    dev = (x - median).abs()
    mad = dev.groupby(group).transform("median") * MAD_TO_SD
    distance = np.array([np.log(p.pencilan_faktor_minimum_per_kapita) if s["per_kapita"]
                         else p.pencilan_selisih_minimum_persen for s in specs])
    flagged = (n >= p.pencilan_minimum_desa) & (mad > 0) & (dev > p.pencilan_pengali_mad * mad) & (dev >= distance)
    rows: list[tuple] = []
    for j, s in enumerate(specs):
        for i in keys.index[flagged[j].to_numpy(dtype=bool)]:
            code, year, raw = keys.at[i, "kode_desa"], int(keys.at[i, "tahun"]), s["mentah"][i]
            xi, med, m = x.at[i, j], median.at[i, j], mad.at[i, j]
            if not s["per_kapita"]:
                side = "di atas" if xi > med else "di bawah"
                text = (f"{s['label']} = {pct(xi)}, jauh {side} median kabupaten {pct(med)} "
                        f"(simpangan kokoh {dec(m)} poin)")
            else:
                med, value = float(np.exp(med)), float(np.exp(xi))
                times = value / med
                side = f"{dec(times)} kali" if times >= 1 else f"1/{dec(1 / times)} kali"
                text = f"{s['label']} = {dec(value)}, {side} median kabupaten ({dec(med)})"
            rows.append((code, year, "layanan", s["kolom"], plain(raw), "pencilan", "peringatan",
                         f"{names.desa(code)}, {year}: {text}. Periksa kembali {s['kolom']} ({num(raw)})."))
    return findings(rows)


def check_yoy_jumps(layanan: pd.DataFrame | ServiceTable, columns: Iterable[str] | None = None, *,
                    wilayah: pd.DataFrame | None = None,
                    params: QualityParams | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Implausible changes from the previous year (``lonjakan_tahunan``, peringatan).

    Each count is compared with the same desa's value of the year before. A jump: the ratio exceeds
    ``lonjakan.faktor`` (or is below its inverse; from or to 0 counts) and the larger value is at least
    ``lonjakan.minimum_nilai``. The finding goes to the later year; several columns of one desa-year make one
    finding (``kolom`` = the first, message lists them). A one-year spike is reported once, at the spike; when the
    *first* year of a series differs from the second while the second and third agree, the first year is blamed.

    >>> lay = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 4, "tahun": [2021, 2022, 2023, 2024],
    ...                     "balita_diukur": [120, 118, 1180, 125]})
    >>> check_yoy_jumps(lay, params=QualityParams())[["tahun", "nilai"]].values.tolist()
    [[2023, '1180']]
    """
    t, p, names = service_table(layanan), as_params(params), labels(wilayah)
    keys = t.keys.sort_values(["kode_desa", "tahun"], kind="stable")
    cols = [c for c in (columns if columns is not None else COUNT_COLUMNS) if c in t.table.columns]
    if keys.empty or not cols:
        return findings([])
    desa, year = keys["kode_desa"], keys["tahun"]
    follows = ((desa == desa.shift(1)) & (year == year.shift(1) + 1)).fillna(False).to_numpy(dtype=bool)
    follows2 = follows & np.roll(follows, 1)
    follows2[0] = False
    starts_before = np.roll(~follows, 1)  # the row before starts a series

    def jump(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(a, b), np.maximum(a, b)  # NaN compares False: both values needed
        return (hi >= p.lonjakan_minimum_nilai) & ((lo == 0) | (hi > p.lonjakan_faktor * lo))

    v = t.counts(cols).loc[keys.index].to_numpy()
    nan_row = np.full((1, v.shape[1]), np.nan)
    prev = np.where(follows[:, None], np.vstack([nan_row, v[:-1]]), np.nan)
    prev2 = np.where(follows2[:, None], np.vstack([nan_row, nan_row, v[:-2]])[:len(v)], np.nan)
    nxt_ok = np.append(follows[1:], False)
    nxt = np.where(nxt_ok[:, None], np.vstack([v[1:], nan_row]), np.nan)
    jumped = jump(prev, v)
    back = np.roll(jumped, 1, axis=0) & jumped & ~np.isnan(prev2) & ~jump(prev2, v)
    odd_first = jumped & starts_before[:, None] & ~np.isnan(nxt) & ~jump(v, nxt)
    hits: dict[int, list] = {}
    first: dict[int, list] = {}
    for j, col in enumerate(cols):
        for i in np.flatnonzero(jumped[:, j] & ~back[:, j] & ~odd_first[:, j]):
            hits.setdefault(i, []).append((col, prev[i, j], v[i, j]))
        for i in np.flatnonzero(odd_first[:, j]):
            first.setdefault(i - 1, []).append((col, prev[i, j], v[i, j], nxt[i, j]))

    def how(a: float, b: float) -> str:
        if a == 0 or b == 0:
            return f"dari {num(a)} menjadi {num(b)}"
        if b > a:
            return f"naik {dec(b / a)} kali dari {num(a)} menjadi {num(b)}"
        return f"turun menjadi 1/{dec(a / b)} kali dari {num(a)} menjadi {num(b)}"

    codes, yrs = desa.to_numpy(), year.to_numpy()
    rows: list[tuple] = []
    for i, found in sorted(hits.items()):
        col, a, b = found[0]
        y = int(yrs[i])
        if len(found) == 1:
            text = f"{col} {how(a, b)} dibanding {y - 1}; periksa apakah ini salah ketik."
        else:
            shown = "; ".join(f"{c} {how(x, z)}" for c, x, z in found[:4])
            more = f"; dan {len(found) - 4} kolom lain" if len(found) > 4 else ""
            text = (f"{len(found)} kolom berubah tajam dibanding {y - 1}: {shown}{more}. Periksa apakah ada "
                    "salah ketik atau hanya sebagian wilayah desa yang dilaporkan.")
        rows.append((codes[i], y, "layanan", col, plain(b), "lonjakan_tahunan", "peringatan",
                     f"{names.desa(codes[i])}, {y}: {text}"))
    for i, found in sorted(first.items()):
        y = int(yrs[i])
        shown = "; ".join(f"{c} {num(a)} lalu {num(b)} dan {num(x)}" for c, a, b, x in found[:4])
        more = f"; dan {len(found) - 4} kolom lain" if len(found) > 4 else ""
        rows.append((codes[i], y, "layanan", found[0][0], plain(found[0][1]), "lonjakan_tahunan", "peringatan",
                     f"{names.desa(codes[i])}, {y}: nilai tahun pertama jauh berbeda dari dua tahun berikutnya "
                     f"({y}–{y + 2}: {shown}{more}); nilai {y} kemungkinan salah ketik."))
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    return findings(rows)
