"""Siskeudes inputs: database tables exported as CSV and the "Penjabaran APBDes" report.

Pure functions: raw tables (strings as exported) or a grid of report cells in,
APBDes lines and findings out. Reading the files, matching villages against the
store's mapping file and saving are the importer's business
(:mod:`p3pd_lib.importer`, :mod:`p3pd_lib.history`).

**Database tables** (DOMAIN.md §3). ``Ta_RAB`` holds the budget per
``Kd_Keg`` × ``Kd_Rincian`` (account); the final budget is ``AnggaranStlhPAK``
when it is filled, else ``Anggaran``. ``Kd_Keg`` is ``Kd_Desa`` followed by the
activity id (``01.2001.`` + ``02.01.05.``); revenue and financing lines carry an
all-zero id. ``Ta_Kegiatan`` gives the activity names and sources of funds,
``Ref_Rek4`` (optional) the account names. Realisation comes from
``Ta_JurnalUmumRinci``: only posted journals count (posting flag on the line,
or on ``Ta_JurnalUmum`` joined by ``NoBukti``); spending (5, 6.2) is
``Debet − Kredit``, revenue and financing receipts (4, 6.1) ``Kredit − Debet``,
so corrections booked on the other side are netted.

**Penjabaran APBDes report** (columns KODE | URAIAN | ANGGARAN | SUMBER DANA):
rows are bidang ``01``, sub-bidang ``01.01``, kegiatan ``01.01.01``, account
groups ``4``, ``4.1``, ``4.1.1`` and detail lines ``5.1.1.01. [01.01.01]`` or
``4.2.1.01``. Only detail lines become APBDes lines; every subtotal that has an
amount is checked against the detail lines of its block (galat when they
differ), so nothing is counted twice.

>>> normalize_kode_kegiatan("02.01.05."), normalize_kode_kegiatan("2.1.5"), normalize_kode_kegiatan("x")
('02.01.05', '02.01.05', None)
>>> normalize_kode_rekening("5.1.1.01."), normalize_kode_rekening("4.2.1.1")
('5.1.1.01', '4.2.1.01')
>>> normalize_sumber_dana("Dana Desa"), normalize_sumber_dana("dds"), normalize_sumber_dana("??")
('DDS', 'DDS', None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .numbers import parse_column
from .schemas import SUMBER_DANA

# --------------------------------------------------------------------------- codes

_REK = re.compile(r"^\s*([456])\.(\d)\.(\d)\.(\d{1,2})\.?\s*$")

_SUMBER_ALIASES: dict[str, str] = {
    "DD": "DDS", "DANADESA": "DDS", "DDS": "DDS",
    "ADD": "ADD", "ALOKASIDANADESA": "ADD",
    "PAD": "PAD", "PADES": "PAD", "PADESA": "PAD", "PENDAPATANASLIDESA": "PAD",
    "PBH": "PBH", "BHP": "PBH", "BHPR": "PBH", "BAGIHASILPAJAK": "PBH", "BAGIHASILPAJAKDANRETRIBUSI": "PBH",
    "PBP": "PBP", "BANKEUPROV": "PBP", "BANTUANKEUANGANPROVINSI": "PBP",
    "PBK": "PBK", "BANKEUKAB": "PBK", "BANTUANKEUANGANKABUPATEN": "PBK", "BANTUANKEUANGANKABUPATENKOTA": "PBK",
    "DLL": "DLL", "LAINLAIN": "DLL", "LAIN": "DLL",
    "SILPA": "SILPA", "SILPATAHUNSEBELUMNYA": "SILPA",
}

#: Default source of funds of revenue and financing accounts (used when a line has none).
SUMBER_REKENING: dict[str, str] = {
    "4.1": "PAD", "4.2.1": "DDS", "4.2.2": "PBH", "4.2.3": "ADD", "4.2.4": "PBP", "4.2.5": "PBK",
    "4.3": "DLL", "6.1.1": "SILPA",
}


def normalize_kode_kegiatan(code: object) -> str | None:
    """``BB.SS.KK`` with two-digit parts (``02.01.05.`` → ``02.01.05``); ``None`` if not a kegiatan code.

    Delegates to :func:`p3pd_lib.belanja.normalize_kode_kegiatan` (one normaliser for the kit) and
    keeps only complete three-part codes, the form the ``apbdes`` table requires.
    """
    return _kegiatan_codes(pd.Series([code], dtype=object)).iloc[0]


def _kegiatan_codes(codes: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_kode_kegiatan` (object Series, ``None`` where not a full code)."""
    from .belanja import normalize_kode_kegiatan as _normalize

    norm = _normalize(codes.astype(object))
    full = norm.str.count(r"\.").eq(2).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(full, norm.to_numpy(dtype=object, na_value=None), None), index=codes.index,
                     dtype=object)


def normalize_kode_rekening(code: object) -> str | None:
    """Account code ``5.1.1.01`` (trailing dot dropped, last part two digits); ``None`` if not one."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    m = _REK.match(str(code))
    if not m:
        return None
    a, b, c, d = m.groups()
    return f"{a}.{b}.{c}.{int(d):02d}"


def normalize_sumber_dana(text: object) -> str | None:
    """The kit's source-of-funds code for a text as written in Siskeudes or by a user; ``None`` if unknown."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    key = re.sub(r"[^A-Z]", "", str(text).upper())
    return _SUMBER_ALIASES.get(key)


def default_sumber_dana(kode_rekening: str) -> str | None:
    """Source of funds implied by a revenue/financing account (``4.2.1.01`` → ``DDS``)."""
    for prefix in sorted(SUMBER_REKENING, key=len, reverse=True):
        if kode_rekening == prefix or kode_rekening.startswith(prefix + "."):
            return SUMBER_REKENING[prefix]
    return None


def _map_unique(values: pd.Series, fn) -> pd.Series:  # noqa: ANN001 - any callable of one value
    """``values.map(fn)`` calling ``fn`` once per distinct value (exports repeat codes thousands of times)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = fn(None)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _finding(tabel: str, baris: int | None, kolom: str | None, nilai: object, aturan: str, tingkat: str,
             pesan: str) -> dict[str, Any]:
    return {"lembar": tabel, "baris": baris, "kolom": kolom, "nilai": None if nilai is None else str(nilai),
            "aturan": aturan, "tingkat": tingkat, "pesan": pesan}


def _rp(x: float) -> str:
    return "Rp " + f"{x:,.0f}".replace(",", ".")


# --------------------------------------------------------------------------- database tables

def _norm_col(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


#: Siskeudes tables the importer recognises, with the columns that identify each one.
TABLE_SIGNATURES: dict[str, tuple[str, ...]] = {
    "Ta_RAB": ("kdkeg", "kdrincian", "anggaran"),
    "Ta_JurnalUmumRinci": ("nobukti", "debet", "kredit"),
    "Ta_Kegiatan": ("kdkeg", "namakegiatan"),
    "Ta_JurnalUmum": ("nobukti",),
    "Ref_Desa": ("kddesa", "namadesa"),
    "Ref_Kecamatan": ("kdkec", "namakecamatan"),
    "Ref_Rek4": ("obyek", "namaobyek"),
}


def identify_table(columns: Iterable[object], name_hint: str = "") -> str | None:
    """Which Siskeudes table a header belongs to (``None`` if none).

    >>> identify_table(["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran"])
    'Ta_RAB'
    >>> identify_table(["kode_desa", "tahun"]) is None
    True
    """
    cols = {_norm_col(c) for c in columns}
    hint = _norm_col(name_hint)
    for table, needed in TABLE_SIGNATURES.items():
        if table == "Ta_JurnalUmum" and not ({"posted", "posting", "statusposting"} & cols):
            continue
        if all(n in cols for n in needed):
            return table
    for table in TABLE_SIGNATURES:  # header too odd, but the file is named after the table
        if hint == _norm_col(table):
            return table
    return None


def _pick(df: pd.DataFrame, *names: str) -> str | None:
    by = {_norm_col(c): c for c in df.columns}
    for n in names:
        if n in by:
            return by[n]
    return None


def _strip_desa(kd_keg: pd.Series, kd_desa: pd.Series) -> pd.Series:
    """Activity id of each ``Kd_Keg`` (``Kd_Desa`` prefix removed)."""
    keg = kd_keg.fillna("").str.strip()
    desa = kd_desa.fillna("").str.strip()
    has = [k.startswith(d) and d != "" for k, d in zip(keg, desa)]
    return pd.Series([k[len(d):] if h else k for k, d, h in zip(keg, desa, has)], index=kd_keg.index, dtype="object")


def _truthy(v: object) -> bool:
    s = str(v).strip().lower()
    return s not in {"", "0", "false", "tidak", "no", "n", "f", "nan", "none", "<na>"}


@dataclass(frozen=True)
class SiskeudesLines:
    """APBDes lines read from Siskeudes (keyed by the local ``kd_desa``) and the findings."""

    lines: pd.DataFrame
    findings: list[dict[str, Any]] = field(default_factory=list)


LINE_COLUMNS = ("kd_desa", "tahun", "kode_kegiatan", "nama_kegiatan", "kode_rekening", "uraian",
                "sumber_dana", "anggaran", "realisasi", "_tabel", "_baris")


def _rows(df: pd.DataFrame) -> pd.Series:
    return df["_baris"] if "_baris" in df.columns else pd.Series(np.arange(len(df)) + 2, index=df.index)


def budget_lines(tables: Mapping[str, pd.DataFrame]) -> SiskeudesLines:
    """APBDes lines from Siskeudes tables (``Ta_RAB`` required; others optional).

    Tables hold strings as exported (column names as in Siskeudes, any case)
    and may carry ``_baris``, the row number the user sees. The result is keyed
    by the local ``kd_desa``; mapping it to the official code is done by
    :func:`match_kd_desa`. Findings are dicts with ``lembar`` = table name.

    >>> rab = pd.DataFrame({"Tahun": ["2024"], "Kd_Desa": ["01.2001."], "Kd_Keg": ["01.2001.02.01.05."],
    ...     "Kd_Rincian": ["5.2.2.01."], "Anggaran": ["1000000"], "AnggaranStlhPAK": ["1200000"]})
    >>> r = budget_lines({"Ta_RAB": rab})
    >>> r.lines.loc[0, ["kd_desa", "kode_kegiatan", "kode_rekening"]].tolist(), float(r.lines.loc[0, "anggaran"])
    (['01.2001.', '02.01.05', '5.2.2.01'], 1200000.0)
    """
    findings: list[dict[str, Any]] = []
    if "Ta_RAB" not in tables:
        findings.append(_finding("Ta_RAB", None, None, None, "tabel_siskeudes_hilang", "galat",
                                 "Tabel Ta_RAB (anggaran) tidak disertakan; ekspor Ta_RAB.csv dari Siskeudes "
                                 "dan impor bersama tabel lainnya."))
        return SiskeudesLines(pd.DataFrame(columns=list(LINE_COLUMNS)), findings)
    rab = tables["Ta_RAB"]
    c_tahun, c_desa, c_keg = _pick(rab, "tahun"), _pick(rab, "kddesa"), _pick(rab, "kdkeg")
    c_rinc = _pick(rab, "kdrincian", "rincian")
    c_ang, c_stlh = _pick(rab, "anggaran"), _pick(rab, "anggaranstlhpak")
    c_sd = _pick(rab, "sumberdana")
    missing = [label for label, c in (("Tahun", c_tahun), ("Kd_Desa", c_desa), ("Kd_Keg", c_keg),
                                      ("Kd_Rincian", c_rinc), ("Anggaran", c_ang)) if c is None]
    if missing:
        for m in missing:
            findings.append(_finding("Ta_RAB", 1, m, None, "kolom_hilang", "galat",
                                     f"Kolom '{m}' tidak ditemukan pada Ta_RAB."))
        return SiskeudesLines(pd.DataFrame(columns=list(LINE_COLUMNS)), findings)
    baris = _rows(rab)

    def numbers(col: str, label: str) -> pd.Series:
        parsed = parse_column(rab[col].tolist(), kind="rupiah")
        for p in parsed.problems:
            findings.append(_finding("Ta_RAB", int(baris.iloc[p.pos]), label, rab[col].iloc[p.pos], p.aturan,
                                     p.tingkat, p.pesan))
        return pd.Series(parsed.values.to_numpy(), index=rab.index)

    anggaran = numbers(c_ang, "Anggaran")
    if c_stlh is not None:
        stlh = numbers(c_stlh, "AnggaranStlhPAK")
        # AnggaranStlhPAK counts when filled; a desa-year whose column is all empty or 0 has had no
        # PAK (budget revision) yet, so its Anggaran is the final budget.
        group = rab[c_desa].astype(str) + "|" + rab[c_tahun].astype(str)
        pak_done = stlh.fillna(0).ne(0).groupby(group).transform("any")
        final = stlh.where(stlh.notna() & pak_done, anggaran)
    else:
        final = anggaran
    tahun_parsed = parse_column(rab[c_tahun].tolist(), kind="count").values
    tahun_ok = tahun_parsed.notna() & (tahun_parsed % 1 == 0)
    for pos in np.flatnonzero(~tahun_ok.to_numpy(dtype=bool, na_value=False)):
        findings.append(_finding("Ta_RAB", int(baris.iloc[pos]), "Tahun", rab[c_tahun].iloc[pos], "tahun_tidak_sah",
                                 "galat", f"Tahun '{rab[c_tahun].iloc[pos]}' bukan tahun yang sah."))
    kd_desa = _map_unique(rab[c_desa], lambda s: "" if s is None else str(s).strip())
    id_keg = _strip_desa(_map_unique(rab[c_keg], lambda s: "" if s is None else str(s)), kd_desa)
    rek = _map_unique(rab[c_rinc], normalize_kode_rekening)
    for pos in np.flatnonzero(rek.isna().to_numpy()):
        findings.append(_finding("Ta_RAB", int(baris.iloc[pos]), "Kd_Rincian", rab[c_rinc].iloc[pos],
                                 "format_kode", "galat",
                                 f"Kode rekening '{rab[c_rinc].iloc[pos]}' tidak dikenali (contoh: 5.1.1.01.)."))
    is_spend = rek.fillna("").str.startswith("5")
    keg = _kegiatan_codes(id_keg)
    zero_keg = _map_unique(id_keg, lambda s: bool(re.fullmatch(r"[0.\s]*", s or ""))).astype(bool)
    keg = keg.where(is_spend & ~zero_keg, None)
    for pos in np.flatnonzero((is_spend & keg.isna()).to_numpy()):
        findings.append(_finding("Ta_RAB", int(baris.iloc[pos]), "Kd_Keg", rab[c_keg].iloc[pos], "format_kode",
                                 "galat", f"Kd_Keg '{rab[c_keg].iloc[pos]}' tidak memuat kode kegiatan BB.SS.KK "
                                 f"setelah Kd_Desa '{kd_desa.iloc[pos]}'."))
    lines = pd.DataFrame({
        "kd_desa": kd_desa.to_numpy(dtype=object),
        "tahun": tahun_parsed.to_numpy(dtype=object, na_value=None),
        "kd_keg": rab[c_keg].astype("object").to_numpy(),
        "kode_kegiatan": keg.to_numpy(dtype=object),
        "kode_rekening": rek.to_numpy(dtype=object),
        "anggaran": final.to_numpy(dtype=float, na_value=np.nan),
        "_tabel": "Ta_RAB",
        "_baris": baris.to_numpy(),
    })
    for pos in np.flatnonzero(np.isnan(lines["anggaran"].to_numpy())):
        findings.append(_finding("Ta_RAB", int(lines["_baris"].iloc[pos]), c_ang, rab[c_ang].iloc[pos], "wajib_diisi",
                                 "galat", "Anggaran kosong pada baris Ta_RAB."))
    # Names and sources of funds from Ta_Kegiatan, account names from Ref_Rek4.
    keg_names: dict[str, str] = {}
    keg_sumber: dict[str, object] = {}
    if "Ta_Kegiatan" in tables:
        tk = tables["Ta_Kegiatan"]
        k_keg, k_nama, k_sd = _pick(tk, "kdkeg"), _pick(tk, "namakegiatan"), _pick(tk, "sumberdana")
        if k_keg and k_nama:
            for kk, nama in zip(tk[k_keg], tk[k_nama]):
                keg_names[str(kk).strip()] = str(nama).strip()
        if k_keg and k_sd:
            for kk, sd in zip(tk[k_keg], tk[k_sd]):
                keg_sumber[str(kk).strip()] = sd
    rek_names: dict[str, str] = {}
    if "Ref_Rek4" in tables:
        r4 = tables["Ref_Rek4"]
        o, n = _pick(r4, "obyek"), _pick(r4, "namaobyek")
        if o and n:
            for code, nama in zip(r4[o], r4[n]):
                k = normalize_kode_rekening(code)
                if k:
                    rek_names[k] = str(nama).strip()
    kd_keg_clean = _map_unique(lines["kd_keg"], lambda s: str(s).strip())
    lines["nama_kegiatan"] = [keg_names.get(k) if kg is not None else None
                              for k, kg in zip(kd_keg_clean, lines["kode_kegiatan"])]
    lines["uraian"] = lines["kode_rekening"].map(lambda r: rek_names.get(r) if r else None)
    raw_sd = rab[c_sd].to_numpy(dtype=object) if c_sd else [keg_sumber.get(k) for k in kd_keg_clean]
    sumber: list[object] = []
    warned: set[str] = set()
    sd_memo: dict[object, str | None] = {}
    for pos, (sd, r) in enumerate(zip(raw_sd, lines["kode_rekening"])):
        key = sd if isinstance(sd, (str, type(None))) else str(sd)
        if key not in sd_memo:
            sd_memo[key] = normalize_sumber_dana(sd)
        code = sd_memo[key]
        if code is None and sd is not None and str(sd).strip() not in ("", "nan") and str(sd) not in warned:
            warned.add(str(sd))
            findings.append(_finding("Ta_RAB" if c_sd else "Ta_Kegiatan", int(lines["_baris"].iloc[pos]),
                                     "SumberDana", sd, "sumber_dana_tidak_dikenal", "peringatan",
                                     f"Sumber dana '{sd}' tidak dikenali ({', '.join(SUMBER_DANA)}); dibiarkan kosong."))
        if code is None and r and r[0] in "46":
            code = default_sumber_dana(r)
        sumber.append(code)
    lines["sumber_dana"] = sumber
    lines["realisasi"] = np.nan
    lines, more = _add_realisation(lines, tables)
    findings.extend(more)
    return SiskeudesLines(lines[list(LINE_COLUMNS)].reset_index(drop=True), findings)


def _add_realisation(lines: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, list[dict]]:
    findings: list[dict[str, Any]] = []
    if "Ta_JurnalUmumRinci" not in tables:
        return lines, findings
    jr = tables["Ta_JurnalUmumRinci"]
    c_tahun, c_keg = _pick(jr, "tahun"), _pick(jr, "kdkeg")
    c_rek = _pick(jr, "rincian", "kdrincian", "kdrek", "rekening")
    c_deb, c_kre, c_nb = _pick(jr, "debet"), _pick(jr, "kredit"), _pick(jr, "nobukti")
    missing = [lab for lab, c in (("Tahun", c_tahun), ("Kd_Keg", c_keg), ("Rincian", c_rek), ("Debet", c_deb),
                                  ("Kredit", c_kre)) if c is None]
    if missing:
        for m in missing:
            findings.append(_finding("Ta_JurnalUmumRinci", 1, m, None, "kolom_hilang", "galat",
                                     f"Kolom '{m}' tidak ditemukan pada Ta_JurnalUmumRinci."))
        return lines, findings
    baris = _rows(jr)
    posted: pd.Series | None = None
    c_post = _pick(jr, "posted", "posting", "statusposting")
    if c_post is not None:
        posted = jr[c_post].map(_truthy)
    elif "Ta_JurnalUmum" in tables and c_nb is not None:
        ju = tables["Ta_JurnalUmum"]
        j_nb, j_post, j_tahun = _pick(ju, "nobukti"), _pick(ju, "posted", "posting", "statusposting"), _pick(ju, "tahun")
        if j_nb and j_post:
            keys = zip(ju[j_tahun] if j_tahun else [""] * len(ju), ju[j_nb])
            flag = {(str(t).strip() if j_tahun else "", str(nb).strip()): _truthy(p) for (t, nb), p in zip(keys, ju[j_post])}
            posted = pd.Series([flag.get((str(t).strip() if j_tahun else "", str(nb).strip()), False)
                                for t, nb in zip(jr[c_tahun], jr[c_nb])], index=jr.index)
    if posted is None:
        posted = pd.Series(True, index=jr.index)
        findings.append(_finding("Ta_JurnalUmumRinci", None, None, None, "status_posting_tidak_diketahui",
                                 "peringatan", "Status posting jurnal tidak diketahui (tidak ada kolom Posted dan "
                                 "Ta_JurnalUmum tidak disertakan); semua baris jurnal dianggap sudah diposting."))
    deb = parse_column(jr[c_deb].tolist(), kind="rupiah")
    kre = parse_column(jr[c_kre].tolist(), kind="rupiah")
    for label, parsed, col in (("Debet", deb, c_deb), ("Kredit", kre, c_kre)):
        for p in parsed.problems:
            findings.append(_finding("Ta_JurnalUmumRinci", int(baris.iloc[p.pos]), label, jr[col].iloc[p.pos],
                                     p.aturan, p.tingkat, p.pesan))
    rek = _map_unique(jr[c_rek], normalize_kode_rekening)
    j = pd.DataFrame({
        "tahun": parse_column(jr[c_tahun].tolist(), kind="count").values.to_numpy(dtype=object, na_value=None),
        "kd_keg": _map_unique(jr[c_keg], lambda s: str(s).strip()).to_numpy(dtype=object),
        "kode_rekening": rek.to_numpy(dtype=object),
        "debet": deb.values.fillna(0).to_numpy(dtype=float),
        "kredit": kre.values.fillna(0).to_numpy(dtype=float),
        "_baris": baris.to_numpy(),
    })
    j = j[posted.to_numpy(dtype=bool) & j["kode_rekening"].notna().to_numpy()]
    if j.empty:
        return lines, findings
    spend = j["kode_rekening"].str.startswith("5") | j["kode_rekening"].str.startswith("6.2")
    j = j.assign(nilai=np.where(spend, j["debet"] - j["kredit"], j["kredit"] - j["debet"]))
    real = j.groupby(["tahun", "kd_keg", "kode_rekening"], sort=False).agg(nilai=("nilai", "sum"),
                                                                            _baris=("_baris", "min")).reset_index()
    key = ["tahun", "kd_keg", "kode_rekening"]
    base = lines.assign(kd_keg=_map_unique(lines["kd_keg"], lambda s: str(s).strip()))
    grouped = base.groupby(key, sort=False, dropna=False)["anggaran"]
    total = grouped.transform("sum").to_numpy(dtype=float)
    n_per_key = grouped.transform("size")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = pd.Series(np.where(total != 0, base["anggaran"].to_numpy(dtype=float) / total,
                                   1.0 / n_per_key.to_numpy(dtype=float)), index=base.index)
    merged = base.reset_index().merge(real[key + ["nilai"]], on=key, how="left").set_index("index")
    realisasi = (merged["nilai"] * share).where(merged["nilai"].notna(), 0.0)
    lines = lines.assign(realisasi=realisasi.to_numpy(dtype=float))
    for pos in np.flatnonzero((n_per_key > 1).to_numpy() & merged["nilai"].notna().to_numpy()):
        findings.append(_finding("Ta_RAB", int(lines["_baris"].iloc[pos]), "Kd_Rincian", lines["kode_rekening"].iloc[pos],
                                 "realisasi_dibagi", "peringatan",
                                 "Rekening ini punya beberapa baris anggaran (sumber dana berbeda); realisasinya "
                                 "dibagi menurut porsi anggaran."))
    known = set(map(tuple, base[key].astype(str).to_numpy()))
    orphan = real[[tuple(map(str, k)) not in known for k in real[key].to_numpy()]]
    if not orphan.empty:
        desa_of = dict(zip(base["kd_keg"], base["kd_desa"]))
        extra_rows = []
        for _, o in orphan.iterrows():
            kd_desa = desa_of.get(o["kd_keg"]) or _guess_desa(o["kd_keg"], base["kd_desa"])
            rekening = o["kode_rekening"]
            keg = None
            if rekening.startswith("5") and kd_desa:
                keg = normalize_kode_kegiatan(o["kd_keg"][len(kd_desa):])
            findings.append(_finding("Ta_JurnalUmumRinci", int(o["_baris"]), "Rincian", rekening,
                                     "realisasi_tanpa_anggaran", "peringatan",
                                     f"Realisasi {_rp(o['nilai'])} pada {o['kd_keg']} rekening {rekening} tidak punya "
                                     "baris anggaran; dicatat sebagai baris beranggaran 0."))
            extra_rows.append({"kd_desa": kd_desa, "tahun": o["tahun"], "kd_keg": o["kd_keg"], "kode_kegiatan": keg,
                               "kode_rekening": rekening, "anggaran": 0.0, "realisasi": float(o["nilai"]),
                               "nama_kegiatan": None, "uraian": None,
                               "sumber_dana": default_sumber_dana(rekening) if rekening[0] in "46" else None,
                               "_tabel": "Ta_JurnalUmumRinci", "_baris": int(o["_baris"])})
        lines = pd.concat([lines, pd.DataFrame(extra_rows)], ignore_index=True)
    return lines, findings


def _guess_desa(kd_keg: str, kd_desa: pd.Series) -> str | None:
    for d in sorted(set(kd_desa), key=len, reverse=True):
        if d and kd_keg.startswith(d):
            return d
    return None


# --------------------------------------------------------------------------- village mapping

MAPPING_COLUMNS = ("kd_desa", "nama_desa_siskeudes", "kode_desa", "nama_desa", "cara", "skor")


def _name_key(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name or "").lower())


def _desa_key(name: str) -> str:
    t = re.sub(r"[^a-z0-9 ]+", " ", str(name).lower()).strip()
    return re.sub(r"^(desa|ds|kelurahan|kel)\s+", "", t).replace(" ", "")


def match_kd_desa(
    ref_desa: pd.DataFrame,
    mapping: pd.DataFrame,
    *,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    ref_kecamatan: pd.DataFrame | None = None,
    min_score: float = 85.0,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Map local Siskeudes ``Kd_Desa`` codes to official codes.

    ``ref_desa`` has ``kd_desa`` and ``nama_desa`` (and optionally ``kd_kec``
    and ``baris``, the row in Ref_Desa) — the Siskeudes names; ``mapping`` is the saved mapping (columns
    :data:`MAPPING_COLUMNS`), whose rows win (the user may have corrected
    them). Unmapped names are matched with :func:`p3pd_lib.wilayah.match`
    inside ``kecamatan``, else inside the kecamatan whose name
    ``ref_kecamatan`` gives (searched inside ``kabupaten``), else inside
    ``kabupaten``. Returns (the mapping rows used, one per ``kd_desa``, new ones
    with ``cara = 'otomatis'``; findings for names that could not be matched,
    with the closest official name).
    """
    from rapidfuzz import fuzz

    from . import wilayah

    findings: list[dict[str, Any]] = []
    saved = mapping.copy()
    saved_by_pair = {(str(r.kd_desa).strip(), _name_key(r.nama_desa_siskeudes)): r for r in saved.itertuples()}
    saved_by_code: dict[str, list] = {}
    for r in saved.itertuples():
        saved_by_code.setdefault(str(r.kd_desa).strip(), []).append(r)
    kec_names: dict[str, str] = {}
    if ref_kecamatan is not None:
        kec_names = {str(k).strip().rstrip("."): str(n).strip()
                     for k, n in zip(ref_kecamatan["kd_kec"], ref_kecamatan["nama_kecamatan"])}
    kec_resolved: dict[str, str | None] = {}
    out: list[dict[str, Any]] = []
    for r in ref_desa.itertuples():
        kd = str(r.kd_desa).strip()
        nama = str(r.nama_desa).strip() if r.nama_desa is not None else ""
        baris = getattr(r, "baris", None)
        baris = None if baris is None or pd.isna(baris) else int(baris)
        hit = saved_by_pair.get((kd, _name_key(nama)))
        if hit is None and len(saved_by_code.get(kd, [])) == 1 and not nama:
            hit = saved_by_code[kd][0]
        if hit is not None:
            out.append({c: getattr(hit, c) for c in MAPPING_COLUMNS})
            continue
        if not nama:
            findings.append(_finding("Ref_Desa", baris, "Kd_Desa", kd, "pemetaan_kd_desa", "galat",
                                     f"Kd_Desa '{kd}' belum dipetakan ke kode wilayah dan namanya tidak diketahui; "
                                     "sertakan Ref_Desa.csv atau isi berkas pemetaan."))
            continue
        dalam = kecamatan
        if dalam is None and kabupaten is not None:
            kd_kec = str(getattr(r, "kd_kec", "") or "").strip().rstrip(".") or kd.split(".")[0]
            if kd_kec in kec_names:
                if kd_kec not in kec_resolved:
                    kec_resolved[kd_kec] = wilayah.match(kec_names[kd_kec], "kecamatan", dalam=kabupaten)
                    if kec_resolved[kd_kec] is None:
                        findings.append(_finding("Ref_Kecamatan", None, "Nama_Kecamatan", kec_names[kd_kec],
                                                 "kode_tidak_dikenal", "peringatan",
                                                 f"Kecamatan '{kec_names[kd_kec]}' tidak ditemukan di {kabupaten}; "
                                                 "desanya dicari di seluruh kabupaten."))
                dalam = kec_resolved[kd_kec] or kabupaten
            else:
                dalam = kabupaten
        if dalam is None:
            findings.append(_finding("Ref_Desa", baris, "Kd_Desa", kd, "pemetaan_kd_desa", "galat",
                                     f"Kd_Desa '{kd}' ({nama}) belum dipetakan. Sebutkan kecamatan atau kabupatennya "
                                     "(--kecamatan KODE atau --kabupaten KODE) agar nama desa dapat dicocokkan."))
            continue
        code = wilayah.match(nama, "desa", dalam=dalam, min_score=min_score)
        if code is None:
            found = wilayah.search(nama, "desa", dalam=dalam, limit=1, min_score=0)
            saran = f" Yang paling mirip: {found['nama'].iloc[0]} ({found['kode'].iloc[0]})." if len(found) else ""
            findings.append(_finding("Ref_Desa", baris, "Nama_Desa", nama, "kode_tidak_dikenal", "galat",
                                     f"Desa '{nama}' (Kd_Desa {kd}) tidak ditemukan di wilayah {dalam} "
                                     f"{wilayah.name(dalam)}.{saran} Perbaiki berkas pemetaan bila perlu."))
            continue
        official = wilayah.name(code)
        score = fuzz.ratio(_desa_key(nama), _desa_key(official))
        out.append({"kd_desa": kd, "nama_desa_siskeudes": nama, "kode_desa": code, "nama_desa": official,
                    "cara": "otomatis", "skor": round(float(score), 1)})
    return pd.DataFrame(out, columns=list(MAPPING_COLUMNS)), findings


# --------------------------------------------------------------------------- Penjabaran APBDes report

_DETAIL = re.compile(r"^\s*([456](?:\.\d{1,2}){3})\.?\s*(?:\[\s*(\d{1,2}(?:\.\d{1,2}){2})\.?\s*\])?\s*$")
_REK_GROUP = re.compile(r"^\s*([456](?:\.\d){0,2})\.?\s*$")
_KEG_GROUP = re.compile(r"^\s*(\d{2}(?:\.\d{2}){0,2})\.?\s*$")
_TOTALS: tuple[tuple[str, str], ...] = (
    ("jumlahpendapatan", "4"), ("jumlahbelanja", "5"), ("jumlahpenerimaanpembiayaan", "6.1"),
    ("jumlahpengeluaranpembiayaan", "6.2"), ("surplus", "4-5"), ("pembiayaannetto", "6.1-6.2"),
    ("pembiayaanneto", "6.1-6.2"),
)


@dataclass(frozen=True)
class Penjabaran:
    """A parsed Penjabaran APBDes sheet.

    ``lines``: detail lines (``baris`` = row number in the sheet, ``kode_kegiatan``,
    ``nama_kegiatan``, ``kode_rekening``, ``uraian``, ``sumber_dana``, ``anggaran``);
    ``identitas``: names and year read from the title rows (``desa``,
    ``kecamatan``, ``kabupaten``, ``tahun``; missing ones absent);
    ``findings``: dicts (``lembar`` left empty for the caller).
    """

    lines: pd.DataFrame
    identitas: dict[str, Any]
    findings: list[dict[str, Any]]
    header_row: int


def find_penjabaran_header(grid: list[list[object]], max_rows: int = 40) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, column index per role) of a Penjabaran grid, or ``None``.

    >>> find_penjabaran_header([["PEMERINTAH DESA X"], ["KODE REKENING", "URAIAN", "ANGGARAN (Rp)", "SUMBER DANA"]])
    (1, {'kode': 0, 'uraian': 1, 'anggaran': 2, 'sumber': 3})
    """
    for i, row in enumerate(grid[:max_rows]):
        roles: dict[str, int] = {}
        for j, cell in enumerate(row):
            k = _norm_col(cell) if cell is not None else ""
            if not k:
                continue
            if k.startswith("kode") and "kode" not in roles:
                roles["kode"] = j
            elif k.startswith("uraian") and "uraian" not in roles:
                roles["uraian"] = j
            elif (k.startswith("anggaran") or k.startswith("jumlah")) and "anggaran" not in roles:
                roles["anggaran"] = j
            elif k.startswith("sumber") and "sumber" not in roles:
                roles["sumber"] = j
        if {"kode", "uraian", "anggaran"} <= set(roles):
            return i, roles
    return None


def _identity(title_cells: list[str]) -> dict[str, Any]:
    ident: dict[str, Any] = {}
    text = " \n ".join(title_cells)
    m = re.search(r"tahun\s+anggaran\s*:?\s*(\d{4})", text, re.IGNORECASE) or re.search(r"\btahun\s+(\d{4})\b", text,
                                                                                           re.IGNORECASE)
    if m:
        ident["tahun"] = int(m.group(1))
    stop = r"(?=\s+(?:kecamatan|kabupaten|kota|provinsi|nomor|tahun|tentang)\b|\s*$|\s*\n)"
    for cell in title_cells:
        c = cell.strip()
        if "desa" not in ident:
            m = re.search(r"(?:^|pemerintah\s+|kepala\s+)desa\s+(?!nomor)([A-Za-z0-9'’ .\-]+?)" + stop, c, re.IGNORECASE)
            if m and not re.match(r"(?i)(tahun|nomor|tentang)", m.group(1)):
                ident["desa"] = m.group(1).strip()
        if "kecamatan" not in ident:
            m = re.search(r"kecamatan\s+([A-Za-z0-9'’ .\-]+?)" + stop, c, re.IGNORECASE)
            if m:
                ident["kecamatan"] = m.group(1).strip()
        if "kabupaten" not in ident:
            m = re.search(r"\b(kabupaten|kota)\s+([A-Za-z0-9'’ .\-]+?)" + stop, c, re.IGNORECASE)
            if m:
                ident["kabupaten"] = f"{m.group(1).title()} {m.group(2).strip()}"
    return ident


def parse_penjabaran(grid: list[list[object]], *, tolerance: float = 1.0) -> Penjabaran:
    """Read a Penjabaran APBDes sheet given as a grid of cell values (rows of cells).

    Row numbers in findings and lines are 1-based as in the spreadsheet. Only
    detail lines (4-level account codes) are kept; each subtotal with an amount
    is compared with the sum of the detail lines in its block and reported as
    ``jumlah_tidak_sesuai`` (galat) when they differ by more than ``tolerance``
    Rupiah.

    >>> g = [["DESA SUKAMAJU TAHUN ANGGARAN 2025"], ["KODE", "URAIAN", "ANGGARAN", "SUMBER DANA"],
    ...      ["4", "PENDAPATAN", "Rp 1.000.000", None], ["4.2.1.01", "Dana Desa", "1.000.000,00", "DDS"],
    ...      ["02", "BIDANG PEMBANGUNAN", "600.000", None], ["02.01.05", "Posyandu", "600.000", None],
    ...      ["5.2.2.01. [02.01.05]", "Honor kader", "600.000", "DDS"]]
    >>> p = parse_penjabaran(g)
    >>> p.identitas, p.lines["anggaran"].tolist(), p.findings
    ({'tahun': 2025, 'desa': 'SUKAMAJU'}, [1000000.0, 600000.0], [])
    """
    findings: list[dict[str, Any]] = []
    found = find_penjabaran_header(grid)
    if found is None:
        findings.append(_finding("", None, None, None, "kolom_hilang", "galat",
                                 "Judul kolom KODE | URAIAN | ANGGARAN tidak ditemukan pada laporan Penjabaran APBDes."))
        return Penjabaran(pd.DataFrame(), {}, findings, -1)
    h, roles = found
    title = [str(c) for row in grid[:h] for c in row if c is not None and str(c).strip()]
    ident = _identity(title)

    def cell(row: list[object], role: str) -> object:
        j = roles.get(role)
        return row[j] if j is not None and j < len(row) else None

    amounts_raw = [cell(r, "anggaran") for r in grid[h + 1:]]
    parsed = parse_column(amounts_raw, kind="rupiah")
    amount = parsed.values.to_numpy(dtype=float, na_value=np.nan)
    bad = {p.pos: p for p in parsed.problems if p.tingkat == "galat"}
    anggaran_label = str(grid[h][roles["anggaran"]])

    rows: list[dict[str, Any]] = []  # every meaningful row in order
    context_keg: tuple[str, str] | None = None
    for k, row in enumerate(grid[h + 1:]):
        baris = h + 2 + k
        kode_raw = cell(row, "kode")
        kode = "" if kode_raw is None else str(kode_raw).strip()
        uraian = cell(row, "uraian")
        uraian_s = "" if uraian is None else str(uraian).strip()
        if not kode and not uraian_s and np.isnan(amount[k]) and k not in bad:
            continue
        if kode.isdigit() and uraian_s.isdigit() and k < 2:  # column numbering row "1 | 2 | 3 | 4"
            continue
        if k in bad and (kode or uraian_s):
            p = bad[k]
            findings.append(_finding("", baris, anggaran_label, amounts_raw[k], p.aturan, p.tingkat, p.pesan))
        value = amount[k]
        if not kode:
            key = _norm_col(uraian_s)
            for label, what in _TOTALS:
                if key.startswith(label):
                    rows.append({"jenis": "total", "baris": baris, "what": what, "value": value, "uraian": uraian_s})
                    context_keg = None
                    break
            continue  # a sub-detail (volume × price) row or a note: never summed
        m = _DETAIL.match(kode)
        if m:
            rek = normalize_kode_rekening(m.group(1))
            keg = normalize_kode_kegiatan(m.group(2)) if m.group(2) else None
            if rek is not None and rek.startswith("5"):
                if keg is None and context_keg is not None:
                    keg = context_keg[0]
                elif keg is not None and context_keg is not None and keg != context_keg[0]:
                    findings.append(_finding("", baris, str(grid[h][roles["kode"]]), kode, "kode_tidak_konsisten",
                                             "peringatan", f"Baris rincian menyebut kegiatan [{keg}] tetapi berada di "
                                             f"bawah kegiatan {context_keg[0]}; dipakai [{keg}]."))
                if keg is None:
                    findings.append(_finding("", baris, str(grid[h][roles["kode"]]), kode, "kegiatan_tidak_diketahui",
                                             "galat", f"Baris belanja {kode} tidak berada di bawah kegiatan mana pun "
                                             "dan tidak menyebut [BB.SS.KK]."))
            else:
                keg = None
            if np.isnan(value) and k not in bad:
                findings.append(_finding("", baris, anggaran_label, None, "wajib_diisi", "galat",
                                         f"Anggaran baris rincian {kode} kosong."))
            sumber_raw = cell(row, "sumber")
            sd = normalize_sumber_dana(sumber_raw)
            if sd is None and sumber_raw is not None and str(sumber_raw).strip():
                findings.append(_finding("", baris, "SUMBER DANA", sumber_raw, "nilai_tidak_diizinkan", "galat",
                                         f"Sumber dana '{sumber_raw}' tidak dikenali; gunakan salah satu: "
                                         f"{', '.join(SUMBER_DANA)}."))
            if sd is None and rek and rek[0] in "46":
                sd = default_sumber_dana(rek)
            nama_keg = None
            if keg is not None:
                nama_keg = context_keg[1] if context_keg and context_keg[0] == keg else None
            rows.append({"jenis": "detail", "baris": baris, "kode_kegiatan": keg, "nama_kegiatan": nama_keg,
                         "kode_rekening": rek, "uraian": uraian_s or None, "sumber_dana": sd, "anggaran": value})
            continue
        m = _KEG_GROUP.match(kode)
        if m:
            code = m.group(1)
            level = code.count(".") + 1
            rows.append({"jenis": "keg", "level": level, "code": code, "baris": baris, "value": value,
                         "uraian": uraian_s})
            context_keg = (code, uraian_s) if level == 3 else None
            continue
        m = _REK_GROUP.match(kode)
        if m:
            code = m.group(1)
            rows.append({"jenis": "rek", "level": code.count(".") + 1, "code": code, "baris": baris, "value": value,
                         "uraian": uraian_s})
            if code.count(".") == 0:
                context_keg = None
            continue
        findings.append(_finding("", baris, str(grid[h][roles["kode"]]), kode, "format_kode", "galat",
                                 f"Kode '{kode}' tidak dikenali (contoh: 01, 01.01, 01.01.01, 4.2.1, "
                                 "5.1.1.01. [01.01.01])."))

    details = [r for r in rows if r["jenis"] == "detail"]
    lines = pd.DataFrame(details, columns=["baris", "kode_kegiatan", "nama_kegiatan", "kode_rekening", "uraian",
                                           "sumber_dana", "anggaran"])
    # Subtotal checks: each group row against the detail lines of its block that carry its prefix.
    for i, r in enumerate(rows):
        if r["jenis"] not in ("keg", "rek", "total") or np.isnan(r["value"]):
            continue
        if r["jenis"] == "total":
            block = details
        else:
            block = []
            for s in rows[i + 1:]:
                if s["jenis"] == "total":
                    break
                if s["jenis"] == r["jenis"] and s["level"] <= r["level"]:
                    break
                if r["jenis"] == "rek" and r["level"] >= 2 and r["code"].startswith("5") and s["jenis"] == "keg":
                    break
                if s["jenis"] == "detail":
                    block.append(s)

        def total(prefix: str, field_: str = "kode_rekening") -> float:
            return float(sum(d["anggaran"] for d in block if d[field_] and not np.isnan(d["anggaran"])
                             and (d[field_] == prefix or d[field_].startswith(prefix + "."))))

        if r["jenis"] == "keg":
            expected, what = total(r["code"], "kode_kegiatan"), f"kegiatan/bidang {r['code']}"
        elif r["jenis"] == "rek":
            expected, what = total(r["code"]), f"rekening {r['code']}"
        else:
            w = r["what"]
            if "-" in w:
                a, b = w.split("-")
                expected = total(a) - total(b)
            else:
                expected = total(w)
            what = f"'{r['uraian']}'"
        if abs(expected - r["value"]) > tolerance:
            findings.append(_finding("", r["baris"], anggaran_label, _rp(r["value"]), "jumlah_tidak_sesuai", "galat",
                                     f"Subtotal {what} tertulis {_rp(r['value'])}, tetapi jumlah baris rinciannya "
                                     f"{_rp(expected)} (selisih {_rp(r['value'] - expected)})."))
    return Penjabaran(lines, ident, findings, h)
