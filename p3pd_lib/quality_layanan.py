"""Data-quality checks of the service table ``layanan`` (DOMAIN.md §6), typed or raw text. Checks of whole
desa-years read the first row of each desa and year (a repeat is ``baris_ganda``'s business)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .errors import ParameterError
from .frames import isin, require_columns
from .numbers import format_angka, num, parse_numbers, pct, plain, year_text
from .quality_base import (
    COUNT_COLUMNS, Params, QualityParams, as_params, catalogue_frame, desa_codes, findings, labels, region_table, years)


class ServiceTable:
    """The ``layanan`` table read once for all its checks: desa codes, years and every other column read as numbers
    (``value``, ``filled``, ``not_number``; ``valid``: whole, not negative, else NaN).

    >>> t = ServiceTable(pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 2, "tahun": [2024] * 2,
    ...                                "balita_diukur": ["40", "x"]}))
    >>> t.counts(["balita_diukur", "absent"]).values.tolist(), len(t.keys)
    ([[40.0, nan], [nan, nan]], 1)
    """

    def __init__(self, layanan: pd.DataFrame):
        require_columns(layanan, ("kode_desa",), "Tabel 'layanan'", ParameterError)
        self.table = layanan.reset_index(drop=True)
        self.codes, self.years = desa_codes(self.table["kode_desa"]), years(self.table)
        parsed = {c: parse_numbers(self.table[c]) for c in self.table.columns if c not in ("kode_desa", "tahun")}
        self.value, self.filled, self.not_number = (pd.DataFrame({c: p[k] for c, p in parsed.items()},
                                                    index=self.table.index) for k in ("nilai", "ada", "bukan_angka"))
        self.valid = self.value.where((self.value >= 0) & (self.value == np.floor(self.value)))

    def counts(self, columns: Iterable[str]) -> pd.DataFrame:
        """Valid counts of ``columns`` (NaN when missing, not a number, negative, fractional or the column absent)."""
        return self.valid.reindex(columns=list(dict.fromkeys(columns)))

    @cached_property
    def keys(self) -> pd.DataFrame:
        """The first row of each desa-year: ``kode_desa, tahun, kode_kecamatan, kode_kabupaten`` (table's index)."""
        require_columns(self.table, ("kode_desa", "tahun"), "Tabel 'layanan'", ParameterError)
        keys = pd.DataFrame({"kode_desa": self.codes, "tahun": self.years}).dropna().drop_duplicates()
        return keys.assign(kode_kecamatan=keys["kode_desa"].str.slice(0, 8),
                           kode_kabupaten=keys["kode_desa"].str.slice(0, 5))


#: What the checks accept as ``layanan``: the table, or a :class:`ServiceTable` (one reading shared by all).
Layanan = pd.DataFrame | ServiceTable


def service_table(layanan: Layanan) -> ServiceTable:
    return layanan if isinstance(layanan, ServiceTable) else ServiceTable(layanan)


def check_counts(layanan: Layanan, columns: Iterable[str] | None = None, *,
                 wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts (default: the contract's count columns present) that are not numbers, not whole numbers
    (``bukan_angka``) or negative (``nilai_negatif``).

    >>> raw = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 3, "tahun": [2022, 2023, 2024],
    ...                     "balita_diukur": ["40", "empat", "-3"]})
    >>> check_counts(raw)[["tahun", "aturan", "nilai"]].values.tolist()
    [[2023, 'bukan_angka', 'empat'], [2024, 'nilai_negatif', '-3']]
    """
    t, names = service_table(layanan), labels(wilayah)
    cols = [c for c in (columns if columns is not None else COUNT_COLUMNS) if c in t.value.columns]
    x = t.value[cols]
    bad = t.not_number[cols] | (x < 0) | (x.notna() & (x != np.floor(x)))
    rows: list[tuple] = []
    for col, hit in bad.loc[:, bad.any()].items():
        for code, year, value, written in zip(t.codes[hit], t.years[hit], x[col][hit], t.table[col][hit]):
            if value < 0:
                rule, text = "nilai_negatif", f"bernilai negatif ({num(value)}); jumlah tidak boleh kurang dari 0"
            elif pd.notna(value):  # a number, but not a whole one
                rule, text = "bukan_angka", f"= {num(value, 2)} bukan bilangan bulat; isian jumlah harus bilangan bulat"
            else:
                value = str(written).strip()  # the text as written (plain() keeps it)
                rule, text = "bukan_angka", f"berisi '{value}', bukan angka; nilai ini dianggap tidak dilaporkan"
            rows.append((code, year, "layanan", col, plain(value), rule, "galat",
                         f"{names.desa(code)}, {year_text(year)}: {col} {text}."))
    return findings(rows)


def check_numerator_exceeds(layanan: Layanan, catalogue: Any = None, *,
                            wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows where an indicator's numerator (``kolom``) exceeds its denominator (``pembilang_melebihi_penyebut``)."""
    t, cat, names = service_table(layanan), catalogue_frame(catalogue), labels(wilayah)
    counts = t.counts([*cat["pembilang"], *cat["penyebut"]])
    rows: list[tuple] = []
    for ind, num_col, den_col in zip(cat["id"], cat["pembilang"], cat["penyebut"]):
        over = counts[num_col] > counts[den_col]
        if not over.any():  # most indicators: no row to select
            continue
        for code, year, n, d in zip(t.codes[over], t.years[over], counts[num_col][over], counts[den_col][over]):
            rows.append((code, year, "layanan", num_col, plain(n), "pembilang_melebihi_penyebut", "galat",
                         f"{names.desa(code)}, {year_text(year)}: {num_col} ({num(n)}) lebih besar dari {den_col} "
                         f"({num(d)}) (indikator {ind})."))
    return findings(rows)


def _expected(keys: pd.DataFrame, wilayah: pd.DataFrame | None) -> pd.DataFrame:
    """Desa expected to report, with their kecamatan: every layanan desa (listed in ``wilayah`` when given), then
    the desa (not kelurahan) of ``wilayah`` in a kecamatan that reports."""
    own = keys.drop_duplicates("kode_desa")[["kode_desa", "kode_kecamatan"]]
    if wilayah is None or not {"kode_desa", "kode_kecamatan"} <= set(wilayah.columns):
        return own
    w = wilayah.reindex(columns=["kode_desa", "kode_kecamatan", "jenis"]).astype("string")
    own = own[isin(own["kode_desa"], w["kode_desa"])]
    w = w[(w["jenis"] != "kelurahan").fillna(True)]  # without a jenis: desa
    w = w[isin(w["kode_kecamatan"], keys["kode_kecamatan"]) & ~isin(w["kode_desa"], own["kode_desa"])]
    return pd.concat([own, w[["kode_desa", "kode_kecamatan"]].drop_duplicates("kode_desa")], ignore_index=True)


def completeness_table(layanan: Layanan, catalogue: Any = None, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per kecamatan, year and indicator: ``n_desa`` expected (see :func:`check_completeness`), ``n_lapor`` of them
    with a valid numerator *and* denominator, ``porsi`` = n_lapor / n_desa."""
    t, cat = service_table(layanan), catalogue_frame(catalogue)
    keys, expected = t.keys, _expected(t.keys, region_table(wilayah))
    valid = t.counts([*cat["pembilang"], *cat["penyebut"]]).loc[keys.index].notna()
    member = isin(keys["kode_desa"], expected["kode_desa"])
    reported = pd.DataFrame({ind: member & valid[n] & valid[d] if {n, d} <= set(t.table.columns) else False
                             for ind, n, d in zip(cat["id"], cat["pembilang"], cat["penyebut"])}, index=keys.index)
    table = (reported.assign(kode_kecamatan=keys["kode_kecamatan"], tahun=keys["tahun"])
             .groupby(["kode_kecamatan", "tahun"]).sum()
             .rename_axis(columns="indikator").stack().rename("n_lapor").reset_index()
             .merge(expected.groupby("kode_kecamatan").size().rename("n_desa"), left_on="kode_kecamatan",
                    right_index=True, how="left")
             .sort_values(["kode_kecamatan", "tahun", "indikator"], kind="stable")
             .astype({"kode_kecamatan": "string", "tahun": "Int64", "indikator": "string", "n_desa": "Int64",
                      "n_lapor": "Int64"}))
    return table.assign(porsi=(table["n_lapor"] / table["n_desa"]).astype("Float64"))[
        ["kode_kecamatan", "tahun", "indikator", "n_desa", "n_lapor", "porsi"]].reset_index(drop=True)


def check_completeness(layanan: Layanan, catalogue: Any = None, *,
                       wilayah: pd.DataFrame | None = None, params: Params = None) -> pd.DataFrame:
    """Completeness per kecamatan (``kode_desa``), year and indicator (``kolom``) below ``kelengkapan.porsi_info``
    (``info``) or ``porsi_peringatan`` (``kelengkapan``), and expected desa without a row (``desa_tidak_melapor``):
    a kecamatan reporting in a year expects its desa in ``wilayah`` (kelurahan only with data) and every code seen."""
    t, p, cat, names = service_table(layanan), as_params(params), catalogue_frame(catalogue), labels(wilayah)
    table = completeness_table(t, cat, wilayah=region_table(wilayah))
    low = table[(table["porsi"] < p.kelengkapan_porsi_info).fillna(False)]
    title = {i: f"{i} ({n})" for i, n in zip(cat["id"], cat["nama"])} if "nama" in cat.columns else {}
    cols = dict(zip(cat["id"], zip(cat["pembilang"], cat["penyebut"])))
    rows: list[tuple] = []
    for kec, year, ind, n_desa, n_lapor, share in low.itertuples(index=False):
        level = "peringatan" if share < p.kelengkapan_porsi_peringatan else "info"
        threshold = p.kelengkapan_porsi_peringatan if level == "peringatan" else p.kelengkapan_porsi_info
        rows.append((kec, year, "layanan", ind, plain(round(float(share), 4)), "kelengkapan", level,
                     f"{names.kecamatan(kec)}, {year}: {title.get(ind, ind)} hanya dilaporkan lengkap ({cols[ind][0]} "
                     f"dan {cols[ind][1]}) oleh {n_lapor} dari {n_desa} desa ({pct(100 * share)}); "
                     f"di bawah ambang {pct(100 * threshold)}."))
    # Expected desa × the years their kecamatan reports, without a row of their own.
    due = _expected(t.keys, region_table(wilayah)).merge(t.keys[["kode_kecamatan", "tahun"]].drop_duplicates())
    seen = due.set_index(["kode_desa", "tahun"]).index.isin(t.keys.set_index(["kode_desa", "tahun"]).index)
    missing = due[~seen].sort_values(["kode_desa", "tahun"])
    for code, year in zip(missing["kode_desa"], missing["tahun"]):
        rows.append((code, year, "layanan", "kode_desa", "", "desa_tidak_melapor", "peringatan",
                     f"{names.desa(code)}, {int(year)}: tidak ada baris data layanan, padahal desa lain di "
                     "kecamatannya melapor; semua indikator desa ini kosong untuk tahun itu."))
    return findings(rows)


def check_missing_values(layanan: Layanan, catalogue: Any = None, *,
                         wilayah: pd.DataFrame | None = None, params: Params = None) -> pd.DataFrame:
    """Empty cells of indicator columns (``nilai_hilang``) that at least ``kelengkapan.porsi_minimum_nilai_hilang`` of
    the kecamatan's rows fill that year: isolated gaps (a column nobody fills is for :func:`check_completeness`)."""
    t, p, cat, names = service_table(layanan), as_params(params), catalogue_frame(catalogue), labels(wilayah)
    keys = t.keys
    cols = [c for c in dict.fromkeys([*cat["pembilang"], *cat["penyebut"]]) if c in t.filled.columns]
    filled = t.filled.loc[keys.index, cols]
    share = filled.groupby([keys["kode_kecamatan"], keys["tahun"]]).transform("mean")
    gaps = ~filled & (share >= p.kelengkapan_porsi_minimum_nilai_hilang)
    return findings([(code, year, "layanan", col, "", "nilai_hilang", "peringatan",
                      f"{names.desa(code)}, {int(year)}: {col} kosong (tidak dilaporkan), padahal "
                      f"{pct(100 * filled_by)} desa di kecamatannya mengisinya; indikator yang memakai "
                      "kolom ini tidak dapat dihitung untuk desa ini.")
                     for col, gap in gaps.loc[:, gaps.any()].items()  # only the columns with a gap
                     for code, year, filled_by in zip(keys["kode_desa"][gap], keys["tahun"][gap], share[col][gap])])


def check_outliers(layanan: Layanan, catalogue: Any = None, *,
                   wilayah: pd.DataFrame | None = None, params: Params = None) -> pd.DataFrame:
    """Robust outliers against the kabupaten's other desa that year (``pencilan``): beyond ``pengali_mad`` × MAD
    (×1.4826) from the median, and ``selisih_minimum_persen`` points for each indicator's rate (denominator ≥
    ``min_penyebut``) or ``faktor_minimum_per_kapita`` times for each denominator per 1.000 inhabitants (``penduduk``:
    per household, log scale). Groups under ``minimum_desa`` values or with a MAD of 0 are skipped."""
    t, p, cat, names = service_table(layanan), as_params(params), catalogue_frame(catalogue), labels(wilayah)
    keys = t.keys
    counts = t.counts([*cat["pembilang"], *cat["penyebut"], "penduduk", "rumah_tangga"]).loc[keys.index]
    min_pen = cat["min_penyebut"].astype(float) if "min_penyebut" in cat.columns else pd.Series(1.0, index=cat.index)
    numer, denom = (counts[cat[c]].set_axis(range(len(cat)), axis=1) for c in ("pembilang", "penyebut"))
    rate = (numer * 100.0 / denom).where((denom >= min_pen.fillna(1.0).clip(lower=1.0).to_numpy()) & (numer <= denom))
    tests = [(n, f"{ind} ({n}/{d})", False, rate[j])  # (kolom, label, per capita, tested value); rates all at once
             for j, (ind, n, d) in enumerate(zip(cat["id"], cat["pembilang"], cat["penyebut"]))]
    pend = counts["penduduk"]
    for col in (c for c in dict.fromkeys(cat["penyebut"]) if c in t.table.columns):
        base, base_name, per = (counts["rumah_tangga"], "rumah tangga", 1.0) if col == "penduduk" \
            else (pend, "1.000 penduduk", 1000.0)
        ok = (base > 0) & (counts[col] > 0) & ((pend >= p.pencilan_minimum_penduduk) | (col == "penduduk"))
        tests.append((col, f"{col} per {base_name}", True, np.log((counts[col] * per / base).where(ok))))
    x = pd.DataFrame({j: test[3] for j, test in enumerate(tests)}, index=keys.index)
    group = keys.groupby(["kode_kabupaten", "tahun"]).ngroup()  # one number per kabupaten-year
    median = x.groupby(group).transform("median")
    dev = (x - median).abs()
    mad = dev.groupby(group).transform("median") * 1.4826  # 1 / Φ⁻¹(3/4): the MAD as a standard deviation
    distance = np.array([np.log(p.pencilan_faktor_minimum_per_kapita) if per_capita
                         else p.pencilan_selisih_minimum_persen for _, _, per_capita, _ in tests])
    flagged = ((x.groupby(group).transform("count") >= p.pencilan_minimum_desa) & (mad > 0)
               & (dev > p.pencilan_pengali_mad * mad) & (dev >= distance))
    rows: list[tuple] = []
    for j in flagged.columns[flagged.any()]:  # only the tests with a finding
        (col, label, per_capita, _), hit = tests[j], flagged[j]
        for code, year, raw, xi, med, m in zip(keys["kode_desa"][hit], keys["tahun"][hit], counts[col][hit], x[j][hit],
                                               median[j][hit], mad[j][hit]):
            if not per_capita:
                side = "di atas" if xi > med else "di bawah"
                text = (f"{label} = {pct(xi)}, jauh {side} median kabupaten {pct(med)} "
                        f"(simpangan kokoh {format_angka(m, 1)} poin)")
            else:
                med, value = float(np.exp(med)), float(np.exp(xi))
                times = value / med
                side = format_angka(times, 1) if times >= 1 else f"1/{format_angka(1 / times, 1)}"
                text = f"{label} = {format_angka(value, 1)}, {side} kali median kabupaten ({format_angka(med, 1)})"
            rows.append((code, year, "layanan", col, plain(raw), "pencilan", "peringatan",
                         f"{names.desa(code)}, {int(year)}: {text}. Periksa kembali {col} ({num(raw)})."))
    return findings(rows)


def _change(a: float, b: float) -> str:
    """How a count changed from ``a`` to ``b``, in words."""
    if a == 0 or b == 0:
        return f"dari {num(a)} menjadi {num(b)}"
    if b > a:
        return f"naik {format_angka(b / a, 1)} kali dari {num(a)} menjadi {num(b)}"
    return f"turun menjadi 1/{format_angka(a / b, 1)} kali dari {num(a)} menjadi {num(b)}"


def _cells(mask: pd.DataFrame, *values: pd.DataFrame) -> list[tuple[int, list[tuple]]]:
    """Per row with a True cell in ``mask``: (row, [(column, value in each of ``values``), …]), in reading order."""
    rows, cols = np.nonzero(mask.to_numpy())
    out: dict[int, list[tuple]] = {}
    for i, *cell in zip(rows, mask.columns[cols], *(v.to_numpy()[rows, cols] for v in values)):
        out.setdefault(i, []).append(tuple(cell))
    return list(out.items())


def check_yoy_jumps(layanan: Layanan, columns: Iterable[str] | None = None, *,
                    wilayah: pd.DataFrame | None = None, params: Params = None) -> pd.DataFrame:
    """Jumps from the same desa's previous year (``lonjakan_tahunan``): a ratio beyond ``lonjakan.faktor`` (from or
    to 0 counts) with the larger value ≥ ``minimum_nilai``. One finding per desa-year (``kolom``: the first column);
    a one-year spike is reported at the spike; a first year unlike the two that follow is blamed itself.

    >>> lay = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 4, "tahun": [2021, 2022, 2023, 2024],
    ...                     "balita_diukur": [120, 118, 1180, 125]})
    >>> check_yoy_jumps(lay, params=QualityParams())[["tahun", "nilai"]].values.tolist()
    [[2023, '1180']]
    """
    t, p, names = service_table(layanan), as_params(params), labels(wilayah)
    keys = t.keys.sort_values(["kode_desa", "tahun"], kind="stable")
    v = t.counts(COUNT_COLUMNS if columns is None else columns).loc[keys.index].reset_index(drop=True)  # in time order
    desa, year = keys["kode_desa"].reset_index(drop=True), keys["tahun"].reset_index(drop=True)
    follows = ((desa == desa.shift(1)) & (year == year.shift(1) + 1)).fillna(False).astype(bool)
    prev = v.shift(1)[follows].reindex(v.index)  # the rows kept, others NaN: cheaper than .where(axis=0)
    prev2 = v.shift(2)[follows & follows.shift(1, fill_value=False)].reindex(v.index)
    nxt = v.shift(-1)[follows.shift(-1, fill_value=False)].reindex(v.index)

    def jump(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        lo, hi = np.minimum(a, b), np.maximum(a, b)  # NaN compares False: both values needed
        return (hi >= p.lonjakan_minimum_nilai) & ((lo == 0) | (hi > p.lonjakan_faktor * lo))

    jumped = jump(prev, v)
    back = jumped.shift(1, fill_value=False) & jumped & prev2.notna() & ~jump(prev2, v)  # the fall after a spike
    starts_before = ~follows.shift(1, fill_value=True)  # the row before is the first year of a series
    first = (jumped & nxt.notna() & ~jump(v, nxt))[starts_before].reindex(v.index, fill_value=False)
    rows: list[tuple] = []
    for i, changes in _cells(jumped & ~back & ~first, prev, v):
        col, y = changes[0][0], int(year[i])
        if len(changes) == 1:
            text = f"{col} {_change(*changes[0][1:])} dibanding {y - 1}; periksa apakah ini salah ketik."
        else:
            shown = "; ".join(f"{c} {_change(a, b)}" for c, a, b in changes[:4])
            more = f"; dan {len(changes) - 4} kolom lain" if len(changes) > 4 else ""
            text = (f"{len(changes)} kolom berubah tajam dibanding {y - 1}: {shown}{more}. Periksa apakah ada "
                    "salah ketik atau hanya sebagian wilayah desa yang dilaporkan.")
        rows.append((desa[i], y, "layanan", col, plain(changes[0][2]), "lonjakan_tahunan", "peringatan",
                     f"{names.desa(desa[i])}, {y}: {text}"))
    for i, changes in _cells(first, prev, v, nxt):  # blamed on the year before (row i - 1)
        y = int(year[i - 1])
        shown = "; ".join(f"{c} {num(a)} lalu {num(b)} dan {num(x)}" for c, a, b, x in changes[:4])
        more = f"; dan {len(changes) - 4} kolom lain" if len(changes) > 4 else ""
        rows.append((desa[i - 1], y, "layanan", changes[0][0], plain(changes[0][1]), "lonjakan_tahunan",
                     "peringatan", f"{names.desa(desa[i - 1])}, {y}: nilai tahun pertama jauh berbeda dari dua "
                     f"tahun berikutnya ({y}–{y + 2}: {shown}{more}); nilai {y} kemungkinan salah ketik."))
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    return findings(rows)
