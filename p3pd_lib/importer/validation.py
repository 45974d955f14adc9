"""Validation of canonical tables: header detection, every cell checked, row rules, duplicates, totals.

:func:`validate` checks and converts one table's raw cells into the
canonical frame of :mod:`p3pd_lib.schemas`, recording every finding with the
row as the user sees it and the column header as written;
:func:`table_from_sheet` does the same for one sheet whose header row
:func:`detect_table` found (merged cells, repeated, missing and unknown
columns, "Jumlah/Total" rows checked against the column sums).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import labels
from .. import siskeudes as sk
from ..errors import KitError, ParameterError
from ..numbers import format_angka, parse_column
from ..schemas import TABLES, coerce
from ..template import NAMA_DESA, number_kind
from .reading import Sheet
from .results import DATA_TABLES, ROW_TABLES, SETS_TABLES, Collector, Context, is_empty, number_text, show

#: Largest plausible absolute value per kind of number (people/households, Rupiah, other decimals):
#: beyond it a value is a finding (``angka_tidak_wajar``), never stored.
PLAUSIBLE = {"count": 1e8, "rupiah": 1e14, "decimal": 1e12}


# =========================================================================== canonical tables

def _hnorm(h: object) -> str:
    return re.sub(r"\s+", " ", str(h).strip().lower()) if h is not None else ""


@lru_cache(maxsize=1)
def _header_lookup() -> dict[str, dict[str, str]]:
    """table → {normalised header (label or name) → column name}."""
    out: dict[str, dict[str, str]] = {}
    for t in DATA_TABLES:
        m: dict[str, str] = {}
        for c in TABLES[t].columns:
            m[_hnorm(c.label)] = c.name
            m[_hnorm(c.name)] = c.name
        m[_hnorm(NAMA_DESA.label)] = "nama_desa"
        m["nama_desa"] = "nama_desa"
        m["nama desa"] = "nama_desa"
        out[t] = m
    return out


def detect_table(sheet: Sheet, hint: str | None) -> tuple[str, int, dict[int, str]] | None:
    """(table, header row index, {column index → canonical name}) of a sheet, or None when no header row is found.

    The header is looked for in the first 15 rows: the row naming ``kode_desa``
    and the most columns of one table wins (``hint``, a table name, breaks ties).
    """
    best: tuple[int, int, str, int, dict[int, str]] | None = None
    for i, row in enumerate(sheet.rows[:15]):
        cells = [_hnorm(v) for v in row]
        for t, lookup in _header_lookup().items():
            cmap = {j: lookup[h] for j, h in enumerate(cells) if h in lookup}
            if "kode_desa" not in cmap.values():
                continue
            n = len(set(cmap.values()))
            score = (n, 1 if hint == t else 0)
            if n >= 2 and (best is None or score > (best[0], best[1])):
                best = (n, 1 if hint == t else 0, t, i, cmap)
    if best is None:
        return None
    return best[2], best[3], best[4]


@lru_cache(maxsize=1)
def _pairs() -> tuple[tuple[str, str, str], ...]:
    """(indicator id, numerator column, denominator column) from the indicator catalogue."""
    from ..indicators import load_catalogue

    f = load_catalogue().frame
    return tuple((str(i), str(p), str(q)) for i, p, q in zip(f["id"], f["pembilang"], f["penyebut"]))


_CODE_TEXT = re.compile(r"^\s*(\d[\d.\s]*\d)\.?\s*(?:[–—-]\s*(.*?))?\s*$")


@lru_cache(maxsize=200_000)
def _code_info(text: str) -> tuple[str | None, str | None, str | None]:
    """(dotted code or None, jenis or None if not official, format error message or None)."""
    from .. import wilayah

    try:
        code = wilayah.normalize_code(text)
    except ParameterError:
        return None, None, f"Kode desa '{text}' tidak sesuai format kode Kemendagri (mis. 33.07.01.2001)."
    if code.count(".") != 3:
        return None, None, f"'{text}' bukan kode desa/kelurahan (harus 4 bagian, mis. 33.07.01.2001)."
    if not wilayah.is_official(code):
        return code, None, None
    return code, wilayah.jenis(code), None


def suggest(code: str | None, name_hint: str | None, ctx: Context) -> str:
    """' Yang paling mirip: …' for an unknown village code (name first, else the code)."""
    from rapidfuzz import process

    from .. import wilayah

    dalam = ctx.kecamatan or ctx.kabupaten
    if dalam is None and code:
        for prefix in (code[:8], code[:5]):
            if wilayah.is_official(prefix):
                dalam = prefix
                break
    try:
        if name_hint and str(name_hint).strip():
            found = wilayah.search(str(name_hint), "desa", dalam=dalam, limit=1, min_score=0)
            if len(found):
                return f" Yang paling mirip: {found['nama'].iloc[0]} ({found['kode'].iloc[0]})."
        if code and dalam and dalam.count(".") == 2:
            kids = wilayah.children(dalam)
            hit = process.extractOne(code, kids)
            if hit:
                return f" Kode terdekat di kecamatan {wilayah.name(dalam)}: {hit[0]} ({wilayah.name(hit[0])})."
    except KitError:
        pass
    return ""


def _distinct(values: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """(id of each value's distinct value, -1 when missing; the distinct values in order of appearance)."""
    cells = np.empty(len(values), dtype=object)
    cells[:] = list(values)
    return pd.factorize(cells)


def _spread(per_distinct: Sequence[object], ids: np.ndarray) -> list[object]:
    """The value of each row from one value per distinct id (id -1 takes the last entry)."""
    table = np.empty(len(per_distinct), dtype=object)
    table[:] = list(per_distinct)
    return table[ids].tolist()


def validate(raw: pd.DataFrame, table: str, *, baris: Sequence[int], headers: Mapping[str, str],
             formulas: set[tuple[int, str]], lembar: str | None, col: Collector, ctx: Context,
             names: Sequence[object] | None = None) -> pd.DataFrame:
    """Check and convert one table's raw cells; returns the canonical frame (+ ``_lembar``, ``_baris``).

    ``raw`` holds object cells with canonical column names (a subset);
    ``baris`` the row number of each record as the user sees it.
    """
    from .. import wilayah

    schema = TABLES[table]
    n = len(raw)
    baris = list(baris)
    out: dict[str, Any] = {}

    def add(pos: int | None, c: str, value: object, aturan: str, tingkat: str, pesan: str) -> None:
        col.add(lembar, baris[pos] if pos is not None else None, headers.get(c, c), value, aturan, tingkat, pesan)

    skip: set[tuple[int, str]] = set()
    for pos, c in sorted(formulas):
        skip.add((pos, c))
        add(pos, c, raw[c].iloc[pos], "rumus", "galat",
            "Sel berisi rumus; kit hanya menerima nilai. Salin lalu tempel sebagai nilai (Paste Special → Values).")

    def cells(c: str) -> list[object]:
        vals = raw[c].tolist() if c in raw.columns else [None] * n
        if skip:
            vals = [None if (i, c) in skip else v for i, v in enumerate(vals)]
        return vals

    # --- kode_desa (decided once per distinct value and name: exports repeat each code thousands of times)
    name_hints = [h if isinstance(h, str) else None for h in names] if names is not None else [None] * n
    scope = ctx.kecamatan or ctx.kabupaten
    kd_cells = cells("kode_desa")
    value_ids, _ = _distinct(kd_cells)
    hint_ids, _ = _distinct(name_hints)
    pair_ids, _ = pd.factorize(value_ids.astype(np.int64) * (n + 2) + hint_ids)
    firsts = np.unique(pair_ids, return_index=True)[1]
    decided: list[tuple[object, object, tuple[str, str, str] | None, object]] = []
    for pos in firsts:
        v = kd_cells[pos]
        if value_ids[pos] < 0 or is_empty(v):
            decided.append((None, None, ("wajib_diisi", "galat", "Kode desa kosong."), v))
            continue
        text = str(int(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() else str(v)
        m = _CODE_TEXT.match(text)
        code_text, chosen_name = (m.group(1), m.group(2)) if m else (text, None)
        hint = name_hints[pos] if name_hints[pos] and name_hints[pos].strip() else chosen_name
        code, jen, err = _code_info(code_text.replace(" ", ""))
        issue: tuple[str, str, str] | None = None
        shown: object = v
        if err:
            issue = ("format_kode", "galat", err)
        elif jen is None:
            issue = ("kode_tidak_dikenal", "galat", f"Kode desa {code} tidak ada dalam daftar resmi Kepmendagri."
                     + suggest(code, hint, ctx))
        elif scope and not code.startswith(scope + "."):
            issue = ("di_luar_wilayah", "galat", f"Desa {code} ({wilayah.name(code)}) tidak berada di wilayah "
                     f"{scope} ({wilayah.name(scope)}) yang sedang diimpor.")
        elif hint and not similar(str(hint), wilayah.name(code)):
            shown = hint
            issue = ("nama_desa_berbeda", "peringatan", f"Nama '{hint}' berbeda dengan nama resmi kode {code}: "
                     f"'{wilayah.name(code)}'. Pastikan kodenya benar.")
        decided.append((None if err else code, jen, issue, shown))
    codes = _spread([d[0] for d in decided], pair_ids)
    jenis = _spread([d[1] for d in decided], pair_ids)
    flagged = np.array([d[2] is not None for d in decided], dtype=bool)[pair_ids]
    for pos in np.flatnonzero(flagged):
        code, jen, issue, shown = decided[pair_ids[pos]]
        if issue[0] == "wajib_diisi":
            if (pos, "kode_desa") not in skip:
                add(pos, "kode_desa", kd_cells[pos], *issue)
        else:
            add(pos, "kode_desa", shown, *issue)
    out["kode_desa"] = codes

    # --- other columns
    for c in schema.columns:
        if c.name == "kode_desa":
            continue
        vals = cells(c.name)
        kind = number_kind(c)
        if c.name == "tahun" or kind is not None:
            parsed = parse_column(vals, kind="count" if c.name == "tahun" else kind)
            for p in parsed.problems:
                add(p.pos, c.name, vals[p.pos], p.aturan, p.tingkat,
                    p.pesan if p.aturan != "bukan_angka" else p.pesan + " Isi hanya angka pada kolom ini.")
            arr = parsed.values.to_numpy(dtype=float, na_value=np.nan)
            bad = np.zeros(n, dtype=bool)
            bad[[p.pos for p in parsed.problems if p.tingkat == "galat"]] = True
            limit = PLAUSIBLE["count" if c.name == "tahun" else kind]
            with np.errstate(invalid="ignore"):
                huge = ~bad & ~np.isnan(arr) & (np.abs(arr) > limit)  # also ±inf
            for pos in np.flatnonzero(huge):
                add(pos, c.name, vals[pos], "angka_tidak_wajar", "galat",
                    f"Nilai {number_text(vals[pos])} jauh di luar batas wajar kolom '{c.label}' (lebih dari "
                    f"{format_angka(limit)}); periksa digit yang berlebih.")
            arr[huge] = np.nan
            bad |= huge
            missing = np.isnan(arr) & ~bad
            if not c.nullable:
                for pos in np.flatnonzero(missing):
                    if (pos, c.name) not in skip:
                        add(pos, c.name, vals[pos], "wajib_diisi", "galat", f"Kolom '{c.label}' wajib diisi.")
            ok = ~np.isnan(arr) & ~bad
            if kind == "count" or c.name == "tahun":
                frac = ok & (np.mod(arr, 1) != 0)
                for pos in np.flatnonzero(frac):
                    add(pos, c.name, vals[pos], "bukan_bilangan_bulat", "galat",
                        f"Nilai {number_text(vals[pos])} bukan bilangan bulat; kolom '{c.label}' berisi jumlah (tanpa desimal).")
                arr[frac] = np.nan
                ok &= ~frac
            if c.name == "tahun":
                out_range = ok & ((arr < c.min_value) | (arr > c.max_value))
                for pos in np.flatnonzero(out_range):
                    add(pos, c.name, vals[pos], "tahun_tidak_sah", "galat",
                        f"Tahun {int(arr[pos])} di luar rentang {int(c.min_value)}–{int(c.max_value)}.")
                if ctx.tahun is not None:
                    for pos in np.flatnonzero(ok & ~out_range & (arr != ctx.tahun)):
                        add(pos, c.name, vals[pos], "tahun_tidak_sesuai", "galat",
                            f"Tahun {int(arr[pos])} tidak sesuai dengan tahun {ctx.tahun} yang sedang diimpor/templat.")
                out[c.name] = arr
                continue
            neg = ok & (arr < 0)
            if kind == "count" or (c.min_value is not None and c.min_value >= 0):
                for pos in np.flatnonzero(neg):
                    add(pos, c.name, vals[pos], "nilai_negatif", "galat", f"Nilai negatif ({number_text(arr[pos])}) pada "
                        f"kolom '{c.label}'; jumlah tidak boleh kurang dari 0.")
            elif kind == "rupiah":
                for pos in np.flatnonzero(neg):
                    add(pos, c.name, vals[pos], "nilai_negatif", "peringatan",
                        f"Nilai Rupiah negatif ({number_text(arr[pos])}) pada kolom '{c.label}'; periksa kembali.")
            if c.max_value is not None:
                for pos in np.flatnonzero(ok & (arr > c.max_value)):
                    add(pos, c.name, vals[pos], "di_luar_rentang", "galat",
                        f"Nilai {number_text(arr[pos])} melebihi batas {number_text(c.max_value)} untuk kolom '{c.label}'."
                        + (" Indeks ditulis sebagai pecahan 0–1, mis. 0,6532." if c.max_value == 1 else ""))
            out[c.name] = arr
            continue
        # text columns: each distinct value is checked once (exports repeat each value thousands of times)
        ids, uniques = _distinct(vals)
        checked = [None if is_empty(u) else _check_text(c, u) for u in uniques]
        res = _spread([r[0] if r is not None else None for r in checked] + [None], ids)
        empty = np.array([r is None for r in checked] + [True], dtype=bool)[ids]  # id -1 (NA) is the last entry
        flagged = np.array([r is not None and r[1] is not None for r in checked] + [False], dtype=bool)[ids]
        for pos in np.flatnonzero((empty & (not c.nullable)) | flagged):
            if empty[pos]:
                if (pos, c.name) not in skip:
                    add(pos, c.name, vals[pos], "wajib_diisi", "galat", f"Kolom '{c.label}' wajib diisi.")
            else:
                add(pos, c.name, vals[pos], *checked[ids[pos]][1])
        out[c.name] = res

    # Text columns as object (None where empty), numbers as float arrays: one conversion to the schema's dtypes.
    frame = coerce(pd.DataFrame({c.name: pd.Series(out[c.name], dtype=object) if isinstance(out[c.name], list)
                                 else out[c.name] for c in schema.columns}), table)
    frame = frame.assign(_lembar=lembar, _baris=baris, _jenis_desa=jenis)

    # --- row rules
    if table == "layanan":
        for ind, p, q in _pairs():
            a, b = frame[p], frame[q]
            over = (a > b).fillna(False).to_numpy(dtype=bool)
            for pos in np.flatnonzero(over):
                add(pos, p, show(a.iloc[pos]), "pembilang_melebihi_penyebut", "galat",
                    f"{TABLES['layanan'].column(p).label} ({number_text(a.iloc[pos])}) melebihi "
                    f"{TABLES['layanan'].column(q).label} ({number_text(b.iloc[pos])}) — indikator "
                    f"{labels.nama_indikator(ind)} ({ind}).")
        numerator_without_denominator(frame, add)
    if table == "apbdes":
        kel = (frame["_jenis_desa"] == "kelurahan").to_numpy(dtype=bool)
        for pos in np.flatnonzero(kel):
            add(pos, "kode_desa", frame["kode_desa"].iloc[pos], "kelurahan_apbdes", "galat",
                f"{frame['kode_desa'].iloc[pos]} adalah kelurahan; kelurahan tidak memiliki APBDes.")
        spend = frame["kode_rekening"].str.startswith("5").fillna(False).to_numpy(dtype=bool)
        no_keg = frame["kode_kegiatan"].isna().to_numpy(dtype=bool)
        for pos in np.flatnonzero(spend & no_keg & frame["kode_rekening"].notna().to_numpy(dtype=bool)):
            if (pos, "kode_kegiatan") in skip:
                continue
            raw_keg = cells("kode_kegiatan")[pos]
            if is_empty(raw_keg):
                add(pos, "kode_kegiatan", None, "wajib_diisi", "galat",
                    f"Baris belanja {frame['kode_rekening'].iloc[pos]} harus punya kode kegiatan (BB.SS.KK).")
        over = (frame["realisasi"] > frame["anggaran"] + 0.5).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(over):
            add(pos, "realisasi", show(frame["realisasi"].iloc[pos]), "realisasi_melebihi_anggaran", "peringatan",
                f"Realisasi {number_text(frame['realisasi'].iloc[pos])} melebihi anggaran "
                f"{number_text(frame['anggaran'].iloc[pos])}.")
    if table == "status_desa":
        mean = (frame["iks"] + frame["ike"] + frame["ikl"]) / 3
        off = ((mean - frame["idm"]).abs() > 0.001).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(off):
            add(pos, "idm", show(frame["idm"].iloc[pos]), "jumlah_tidak_sesuai", "peringatan",
                f"IDM {format_angka(frame['idm'].iloc[pos], 4)} tidak sama dengan (IKS + IKE + IKL) / 3 = "
                f"{format_angka(mean.iloc[pos], 4)}.")
    if table == "usulan":
        odd = (frame["anggaran_disetujui"].notna() & ~frame["status"].isin(["didanai_apbdes", "didanai_pihak_lain"])
               ).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(odd):
            add(pos, "anggaran_disetujui", show(frame["anggaran_disetujui"].iloc[pos]), "isian_tidak_konsisten",
                "peringatan", "Anggaran disetujui terisi padahal status usulan bukan 'didanai'.")
    return frame


def numerator_without_denominator(frame: pd.DataFrame, add: Any) -> None:
    """A peringatan for every layanan row giving a numerator whose denominator is empty: the
    indicator cannot be computed for that desa-year (each numerator–denominator pair once, even
    when several indicators share it). ``add(pos, column, value, aturan, tingkat, pesan)``."""
    seen: set[tuple[str, str]] = set()
    for ind, p, q in _pairs():
        if (p, q) in seen or p not in frame.columns or q not in frame.columns:
            continue
        seen.add((p, q))
        names = [f"{labels.nama_indikator(i)} ({i})" for i, pp, qq in _pairs() if (pp, qq) == (p, q)]
        lone = (frame[p].notna() & frame[q].isna()).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(lone):
            add(pos, q, None, "pembilang_tanpa_penyebut", "peringatan",
                f"{TABLES['layanan'].column(p).label} terisi ({number_text(frame[p].iloc[pos])}) tetapi "
                f"{TABLES['layanan'].column(q).label} kosong; indikator {', '.join(names)} tidak dapat dihitung "
                "untuk desa dan tahun ini. Isi penyebutnya, atau kosongkan pembilangnya bila datanya memang tidak ada.")


def _check_text(c, v: object) -> tuple[object, tuple[str, str, str] | None]:  # noqa: ANN001 - schemas.Column
    """(normalised value, finding or None) for one non-empty cell of a text column."""
    s = show(v).strip() if not isinstance(v, str) else v.strip()
    if c.name == "kode_kegiatan":
        k = sk.normalize_kode_kegiatan(s)
        if k is None:
            return None, ("format_kode", "galat", f"Kode kegiatan '{s}' tidak sesuai format BB.SS.KK (mis. 02.01.05).")
        return k, None
    if c.name == "kode_rekening":
        k = sk.normalize_kode_rekening(s) or (s.rstrip(".") if re.fullmatch(c.pattern or ".*", s.rstrip(".")) else None)
        if k is None:
            return None, ("format_kode", "galat", f"Kode rekening '{s}' tidak dikenali (mis. 5.1.1.01, 4.2.1.01, 6.1.1.01).")
        return k, None
    if c.allowed is not None:
        k = sk.normalize_sumber_dana(s) if c.name == "sumber_dana" else None
        if k is None:
            lower = {a.lower().replace(" ", "").replace("_", ""): a for a in c.allowed}
            k = lower.get(s.lower().replace(" ", "").replace("_", ""))
        if k is None:
            return None, ("nilai_tidak_diizinkan", "galat",
                          f"Nilai '{s}' tidak diizinkan pada kolom '{c.label}'; pilih salah satu: {', '.join(c.allowed)}.")
        return k, None
    return s, None


def similar(a: str, b: str) -> bool:
    """Two village names that are the same name (``Desa``/``Kel.`` prefixes, case and punctuation aside)."""
    from rapidfuzz import fuzz

    def norm(s: str) -> str:
        return re.sub(r"^(desa|kelurahan|ds|kel)\s+", "", re.sub(r"[^a-z0-9 ]", " ", s.lower()).strip()).replace(" ", "")

    return fuzz.ratio(norm(a), norm(b)) >= 80


def check_duplicates(frame: pd.DataFrame, table: str, col: Collector, headers: Mapping[str, str]) -> None:
    """A galat for every row whose key (desa and year, plus the line for sets) repeats an earlier row."""
    key = list(TABLES[table].key)
    usable = frame.dropna(subset=["kode_desa", "tahun"])
    dup = usable[usable.duplicated(key, keep=False)]
    if dup.empty:
        return
    for _, grp in dup.groupby(key, dropna=False, sort=False):
        first = grp.iloc[0]
        for _, r in grp.iloc[1:].iterrows():
            what = "desa dan tahun" if table in ROW_TABLES else "desa, tahun, kegiatan, rekening, sumber dana dan uraian"
            col.add(r["_lembar"], int(r["_baris"]), headers.get("kode_desa", "kode_desa"), r["kode_desa"], "duplikat",
                    "galat", f"Baris ganda: {what} sama dengan baris {int(first['_baris'])}"
                             f"{' lembar ' + str(first['_lembar']) if first['_lembar'] != r['_lembar'] else ''}. "
                             "Hapus salah satu atau gabungkan.")


#: The first word of a "Jumlah/Total" row (skipped as data, checked against the column sums).
TOTAL_WORD = re.compile(r"^\s*(jumlah|total|sub\s*total)\b", re.IGNORECASE)


def table_from_sheet(sheet: Sheet, table: str, h: int, cmap: dict[int, str], col: Collector, ctx: Context,
                     prefilled_keys: bool) -> pd.DataFrame | None:
    """Validate one canonical sheet (header at row index ``h``)."""
    lembar = sheet.name
    header_row = sheet.rows[h]
    headers = {name: str(header_row[j]).strip() for j, name in cmap.items()}
    schema = TABLES[table]
    ok = True
    # Merged cells in the header or the data area hide values: refuse them.
    for r0, c0, r1, c1, coord in sheet.merged:
        if r1 >= h:
            where = "judul kolom" if r0 <= h else "data"
            col.add(lembar, r0 + 1, None, coord, "sel_digabung", "galat",
                    f"Sel {coord} digabung (merge) pada bagian {where}; pisahkan gabungan sel (Unmerge) agar setiap "
                    "kolom punya judul dan setiap sel punya nilainya sendiri.")
            ok = False
    seen: dict[str, int] = {}
    for j, name in sorted(cmap.items()):
        if name in seen:
            col.add(lembar, h + 1, str(header_row[j]), None, "kolom_ganda", "galat",
                    f"Judul kolom '{header_row[j]}' muncul dua kali (kolom {seen[name] + 1} dan {j + 1}).")
            ok = False
        seen[name] = j
    present = set(cmap.values())
    for c in schema.columns:
        if c.name not in present and not c.nullable:
            col.add(lembar, h + 1, c.label, None, "kolom_hilang", "galat",
                    f"Kolom wajib '{c.label}' (nama kanonik {c.name}) tidak ditemukan pada baris judul {h + 1}.")
            ok = False
    known = {_hnorm(k) for k in _header_lookup()[table]}
    from rapidfuzz import process
    for j, v in enumerate(header_row):
        if j in cmap or is_empty(v):
            if j not in cmap and is_empty(v) and any(not is_empty(r[j]) for r in sheet.rows[h + 1:h + 200] if j < len(r)):
                col.add(lembar, h + 1, f"kolom {j + 1}", None, "judul_kosong", "galat",
                        f"Kolom {j + 1} berisi data tetapi tidak berjudul (mungkin judul sel digabung); beri judul "
                        "sesuai templat.")
                ok = False
            continue
        hit = process.extractOne(_hnorm(v), [c.label for c in schema.columns], processor=_hnorm)
        saran = f" Maksud Anda '{hit[0]}'?" if hit and hit[1] >= 70 else ""
        col.add(lembar, h + 1, str(v), None, "kolom_tidak_dikenal", "peringatan",
                f"Kolom '{v}' tidak dikenal dan diabaikan.{saran}")
    if not ok:
        return None
    width = max(cmap) + 1
    key_like = {"kode_desa", "nama_desa", "tahun"}
    value_cols = [j for j, name in cmap.items() if name not in key_like]
    recs: list[list[object]] = []
    rows_no: list[int] = []
    formulas: set[tuple[int, str]] = set()
    totals: list[tuple[int, list[object]]] = []
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        row = row + [None] * (width - len(row)) if len(row) < width else row
        if all(is_empty(row[j]) for j in value_cols):
            continue  # empty row, or a village with nothing reported
        kode_j = next(j for j, name in cmap.items() if name == "kode_desa")
        texts = [str(v) for v in row if isinstance(v, str)]
        if (is_empty(row[kode_j]) or TOTAL_WORD.match(str(row[kode_j]))) and any(TOTAL_WORD.match(t) for t in texts):
            totals.append((i, row))
            continue
        pos = len(recs)
        recs.append([row[j] for j in sorted(cmap)])
        rows_no.append(i + 1)
        for j in sorted(cmap):
            if (i, j) in sheet.formulas:
                formulas.add((pos, cmap[j]))
    names_order = [cmap[j] for j in sorted(cmap)]
    raw = pd.DataFrame(recs, columns=names_order, dtype=object) if recs else pd.DataFrame(columns=names_order,
                                                                                          dtype=object)
    if prefilled_keys and table in SETS_TABLES and ctx.tahun is not None and "tahun" in raw.columns:
        # Free rows of a template: an empty year is the template's year (see the Petunjuk sheet).
        raw["tahun"] = [ctx.tahun if is_empty(v) else v for v in raw["tahun"]]
    name_hints = raw["nama_desa"].tolist() if "nama_desa" in raw.columns else None
    frame = validate(raw.drop(columns=["nama_desa"], errors="ignore"), table, baris=rows_no, headers=headers,
                     formulas={f for f in formulas if f[1] != "nama_desa"}, lembar=lembar, col=col, ctx=ctx,
                     names=name_hints)
    for i, row in totals:
        _check_totals(i, row, cmap, frame, table, col, lembar, headers)
    return frame


def _check_totals(i: int, row: list[object], cmap: dict[int, str], frame: pd.DataFrame, table: str, col: Collector,
                  lembar: str | None, headers: Mapping[str, str]) -> None:
    """A 'Jumlah/Total' row: skipped, but its figures must equal the column sums."""
    schema = TABLES[table]
    bad = False
    for j, name in cmap.items():
        if name in ("kode_desa", "nama_desa", "tahun") or j >= len(row) or is_empty(row[j]):
            continue
        c = schema.column(name)
        kind = number_kind(c)
        if kind is None:
            continue
        written = parse_column([row[j]], kind=kind).values.iloc[0]
        if written is pd.NA:
            continue
        total = float(frame[name].sum(skipna=True))
        if abs(float(written) - total) > 0.5:
            bad = True
            col.add(lembar, i + 1, headers.get(name, name), show(row[j]), "jumlah_tidak_sesuai", "galat",
                    f"Baris jumlah menulis {number_text(row[j])}, tetapi jumlah baris-baris datanya "
                    f"{number_text(total)}.")
    if not bad:
        col.add(lembar, i + 1, None, None, "baris_jumlah", "peringatan",
                "Baris jumlah/total dilewati (tidak diimpor); angkanya sesuai dengan jumlah baris data.")
