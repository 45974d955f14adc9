"""Reading numbers written the Indonesian or the English way (pure functions).

Indonesian files write ``1.234.567,5`` (dot groups thousands, comma marks
decimals); English ones ``1,234,567.5``. Amounts often carry ``Rp``, spaces or
accounting parentheses for negatives: ``Rp 964.073.000``, ``964.073.000,00``,
``(1.500)``.

Each value is read by its own signature when it has one: several groups
(``1.234.567``), both separators (``1.234,5``) or a decimal part that is not
three digits long (``0,75``, ``12.5``). A value with a single separator followed
by exactly three digits (``1.234`` or ``1,234``) is *ambiguous* and is decided
by context:

- in whole-number columns (counts, Rupiah) the separator groups thousands
  (``1.234`` → 1234), because the other reading (1,234 people or Rupiah with
  three decimals) is never a valid value;
- in decimal columns (indices 0–1) the other values of the same column decide:
  Indonesian evidence (a decimal comma, dot-grouped thousands) reads ``1.234``
  as 1234 and ``1,234`` as 1.234; English evidence the reverse; with no
  evidence the separator is read as the decimal mark and a warning is given.

A column that mixes both conventions gives one warning; each of its values is
still read by its own signature.

>>> parse_value("Rp 964.073.000")
964073000.0
>>> parse_value("964.073.000,00"), parse_value("1,234.5"), parse_value("1.234,5")
(964073000.0, 1234.5, 1234.5)
>>> parse_value("1.234"), parse_value("1.234", kind="decimal", locale="en")
(1234.0, 1.234)
>>> parse_value("(1.500)"), parse_value("") is None
(-1500.0, True)
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from numbers import Number
from typing import Iterable, Literal

import numpy as np
import pandas as pd

Kind = Literal["count", "rupiah", "decimal"]
Locale = Literal["id", "en"]

KINDS: tuple[str, ...] = ("count", "rupiah", "decimal")

_STRIP = re.compile(r"^(?:rp\.?|idr)\s*|\s*(?:rp\.?|idr)$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f']+")
_INT = re.compile(r"\d+")
_AMBIG_DOT = re.compile(r"\d{1,3}\.\d{3}")
_AMBIG_COMMA = re.compile(r"\d{1,3},\d{3}")
_ID_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3}){2,}")
_EN_GROUPS = re.compile(r"\d{1,3}(?:,\d{3}){2,}")
_ID_DECIMAL = re.compile(r"(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")
_EN_DECIMAL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+")


@dataclass(frozen=True)
class Problem:
    """One value that could not be read, or was read with a caveat."""

    pos: int
    aturan: str
    tingkat: str
    pesan: str


@dataclass(frozen=True)
class ParsedColumn:
    """Result of :func:`parse_column`: values (``Float64``) and the problems found."""

    values: pd.Series
    problems: list[Problem] = field(default_factory=list)
    locale: Locale | None = None


def _clean_text(text: str) -> tuple[str, bool]:
    """(text without currency, spaces and sign decorations, negative?)."""
    t = text.strip()
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    t = _STRIP.sub("", t).strip()
    if t.startswith("-") or t.startswith("\u2212"):
        negative, t = not negative, t[1:]
    elif t.startswith("+"):
        t = t[1:]
    elif t.endswith("-") and len(t) > 1:  # accounting style "1.500-"
        negative, t = not negative, t[:-1]
    t = _STRIP.sub("", t).strip()
    return _SPACES.sub("", t), negative


def _signature(t: str) -> str:
    """'int', 'ambig_dot', 'ambig_comma', 'id', 'en' or 'bad' for a cleaned text."""
    if _INT.fullmatch(t):
        return "int"
    if _AMBIG_DOT.fullmatch(t):
        return "ambig_dot"
    if _AMBIG_COMMA.fullmatch(t):
        return "ambig_comma"
    if _ID_GROUPS.fullmatch(t) or _ID_DECIMAL.fullmatch(t):
        return "id"
    if _EN_GROUPS.fullmatch(t) or _EN_DECIMAL.fullmatch(t):
        return "en"
    return "bad"


def _convert(t: str, sig: str, kind: str, locale: Locale | None) -> float:
    if sig == "int":
        return float(t)
    if sig == "id":
        return float(t.replace(".", "").replace(",", "."))
    if sig == "en":
        return float(t.replace(",", ""))
    # Ambiguous: one separator followed by exactly three digits.
    if kind != "decimal":
        return float(t.replace(".", "").replace(",", ""))
    sep = "." if sig == "ambig_dot" else ","
    thousands = (locale == "id" and sep == ".") or (locale == "en" and sep == ",")
    return float(t.replace(sep, "")) if thousands else float(t.replace(sep, "."))


def parse_value(value: object, kind: Kind = "rupiah", locale: Locale | None = None) -> float | None:
    """One value as a float (``None`` when empty); ``ValueError`` in Indonesian if unreadable.

    ``kind`` is ``count``, ``rupiah`` or ``decimal`` (see the module doc for how
    it settles ``1.234``); ``locale`` (``id``/``en``) is the column's convention
    when known.
    """
    if kind not in KINDS:
        raise ValueError(f"Jenis angka '{kind}' tidak dikenal; pilih {', '.join(KINDS)}.")
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool):
        raise ValueError(f"Nilai '{value}' adalah nilai logika (TRUE/FALSE), bukan angka.")
    if isinstance(value, Number):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        raise ValueError(
            f"Nilai '{value}' terbaca sebagai tanggal/waktu, bukan angka (Excel kadang mengubah angka "
            "seperti 1.12 menjadi tanggal; format sel sebagai Angka lalu ketik ulang)."
        )
    text = str(value)
    if not text.strip() or text.strip() in {"-", "–"}:
        return None
    t, negative = _clean_text(text)
    sig = _signature(t)
    if sig == "bad":
        raise ValueError(f"Nilai '{text.strip()}' bukan angka.")
    number = _convert(t, sig, kind, locale)
    return -number if negative else number


def _column_locale(sigs: Iterable[str]) -> tuple[Locale | None, bool]:
    """(locale of the column's unambiguous values, whether both conventions occur)."""
    s = set(sigs)
    has_id, has_en = "id" in s, "en" in s
    if has_id and not has_en:
        return "id", False
    if has_en and not has_id:
        return "en", False
    return None, has_id and has_en


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip() in {"", "-", "–"}


def parse_column(values: Iterable[object], kind: Kind = "rupiah") -> ParsedColumn:
    """Read a whole column of raw cell values (numbers, texts, dates, empties).

    Returns the values as ``Float64`` (``<NA>`` where empty or unreadable) and
    a list of :class:`Problem` (``pos`` = position in the input). Problems are
    ``bukan_angka`` (galat) for unreadable values, ``format_angka_campuran`` and
    ``format_angka_ambigu`` (peringatan). Whole-number checks and signs are the
    caller's business. The input is not modified.

    >>> r = parse_column(["1.234,5", "2,5", "abc", None], kind="decimal")
    >>> r.values.tolist(), r.locale, [p.aturan for p in r.problems]
    ([1234.5, 2.5, <NA>, <NA>], 'id', ['bukan_angka'])
    """
    if kind not in KINDS:
        raise ValueError(f"Jenis angka '{kind}' tidak dikenal; pilih {', '.join(KINDS)}.")
    raw = list(values)
    n = len(raw)
    out = np.full(n, np.nan)
    mask = np.zeros(n, dtype=bool)
    problems: list[Problem] = []
    texts: list[tuple[int, str, str, bool, str]] = []  # pos, cleaned, signature, negative, original
    # Fast path for the bulk of machine exports: plain integers and dot decimals that are not 3 digits long.
    fast_en = False
    done = np.zeros(n, dtype=bool)
    if n > 1000 and pd.api.types.infer_dtype(raw, skipna=True) in (
            "floating", "integer", "mixed-integer-float", "empty"):
        # Every cell already a number or empty (amounts parsed before): one vectorised step, no text at all.
        try:
            nums = np.array(raw, dtype=float)  # None becomes NaN
        except TypeError:  # pd.NA
            nums = np.array([np.nan if v is pd.NA else v for v in raw], dtype=float)
        finite = np.isfinite(nums)
        out[finite] = nums[finite]
        mask |= finite
        done |= finite | np.isnan(nums)
    elif n > 1000:
        ser = pd.Series(raw, dtype=object)
        types = ser.map(type)
        is_str = types.eq(str).to_numpy()
        # Cells that already hold numbers (typed CSV/Excel exports): finite ones are taken as they are and
        # NaN is empty, as in the loop below; infinities stay for the loop, which reports them.
        is_num = types.isin([int, float, np.int64, np.float64]).to_numpy()
        if is_num.any():
            nums = ser[is_num].astype(float).to_numpy()
            num_idx = np.flatnonzero(is_num)
            finite = np.isfinite(nums)
            out[num_idx[finite]] = nums[finite]
            mask[num_idx[finite]] = True
            done[num_idx[finite]] = True
            done[num_idx[np.isnan(nums)]] = True
        if is_str.any():
            st = ser[is_str].astype(str)
            plain = st.str.fullmatch(r"-?\d+").to_numpy(dtype=bool)
            dec = st.str.fullmatch(r"-?\d+\.(?:\d{1,2}|\d{4,})").to_numpy(dtype=bool)
            ok = plain | dec
            idx = np.flatnonzero(is_str)[ok]
            out[idx] = pd.to_numeric(st[ok]).to_numpy(dtype=float)
            mask[idx] = True
            done[idx] = True
            fast_en = bool(dec.any())
    for i in np.flatnonzero(~done).tolist():
        v = raw[i]
        if _is_missing(v):
            continue
        if isinstance(v, bool):
            problems.append(Problem(i, "bukan_angka", "galat", f"Nilai '{v}' adalah nilai logika (TRUE/FALSE), bukan angka."))
            continue
        if isinstance(v, Number):
            f = float(v)  # type: ignore[arg-type]
            if math.isfinite(f):
                out[i], mask[i] = f, True
            else:
                problems.append(Problem(i, "bukan_angka", "galat", f"Nilai '{v}' bukan angka yang sah."))
            continue
        if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
            problems.append(Problem(
                i, "bukan_angka", "galat",
                f"Nilai '{v}' terbaca sebagai tanggal/waktu, bukan angka (Excel kadang mengubah angka seperti "
                "1.12 menjadi tanggal; format sel sebagai Angka lalu ketik ulang).",
            ))
            continue
        text = str(v)
        t, negative = _clean_text(text)
        texts.append((i, t, _signature(t), negative, text.strip()))
    sigs = [s for _, _, s, _, _ in texts] + (["en"] if fast_en else [])
    locale, mixed = _column_locale(sigs)
    warned_ambiguous = False
    for i, t, sig, negative, original in texts:
        if sig == "bad":
            problems.append(Problem(i, "bukan_angka", "galat", f"Nilai '{original}' bukan angka."))
            continue
        number = _convert(t, sig, kind, locale)
        out[i], mask[i] = (-number if negative else number), True
        if kind == "decimal" and sig.startswith("ambig") and locale is None and not warned_ambiguous:
            warned_ambiguous = True
            problems.append(Problem(
                i, "format_angka_ambigu", "peringatan",
                f"Nilai '{original}' dapat dibaca dua cara; dibaca sebagai {_plain(out[i])} (tanda pemisah dianggap "
                "koma desimal). Tulis dengan dua angka di belakang koma atau tanpa pemisah ribuan.",
            ))
        elif kind != "decimal" and sig == "ambig_comma" and locale != "en" and not warned_ambiguous:
            warned_ambiguous = True
            problems.append(_ambiguous_comma(i, original, out[i], sum(1 for _, _, g, _, _ in texts if g == sig)))
    if mixed:
        first = next((i for i, _, s, _, _ in texts if s in ("id", "en")), 0)
        problems.append(Problem(
            first, "format_angka_campuran", "peringatan",
            "Kolom ini mencampur format angka Indonesia (1.234,5) dan Inggris (1,234.5); setiap nilai dibaca "
            "menurut tandanya sendiri. Periksa kembali dan seragamkan formatnya.",
        ))
    values_arr = pd.array(out, dtype="Float64")
    values_arr[~mask] = pd.NA
    return ParsedColumn(pd.Series(values_arr), sorted(problems, key=lambda p: p.pos), locale)


def _plain(x: float) -> str:
    """A float with a decimal comma and no trailing zeros (messages about one value)."""
    return f"{x:g}".replace(".", ",")


def _ambiguous_comma(pos: int, original: str, value: float, n: int) -> Problem:
    """The warning for "3,000" in a whole-number column: read as 3000 (comma grouping thousands,
    the English way), but in Indonesian writing it is three with a decimal comma."""
    others = f" ({n - 1} nilai lain di kolom ini ditulis serupa)" if n > 1 else ""
    return Problem(
        pos, "format_angka_ambigu", "peringatan",
        f"Nilai '{original}' dapat dibaca dua cara: {format_angka(value)} (koma sebagai pemisah ribuan) atau "
        f"{_plain(value / 1000)} (koma desimal); dibaca sebagai {format_angka(value)}{others}. "
        "Tulis angka tanpa pemisah ribuan (mis. 3000) atau dengan titik (3.000).",
    )


# --- writing numbers the Indonesian way (for every user surface) ---------------------------------

#: Text of a missing value on every user surface.
KOSONG = "–"


def format_angka(v: object, desimal: int = 0) -> str:
    """Indonesian number format: dot groups thousands, comma marks decimals ('–' when missing).

    >>> format_angka(1234567.891, 2), format_angka(-3000), format_angka(None), format_angka("x")
    ('1.234.567,89', '-3.000', '–', '–')
    """
    if _is_missing(v) or isinstance(v, bool):
        return KOSONG
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return KOSONG
    if math.isnan(f) or math.isinf(f):
        return KOSONG
    s = f"{f:,.{desimal}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]  # no "-0,0"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_persen(v: object, desimal: int = 1) -> str:
    """A percentage (0–100) as '21,6%' ('–' when missing).

    >>> format_persen(21.57), format_persen(pd.NA)
    ('21,6%', '–')
    """
    s = format_angka(v, desimal)
    return s if s == KOSONG else s + "%"


def format_rupiah(v: object) -> str:
    """Rupiah without decimals: 'Rp 1.234.567' ('–' when missing).

    >>> format_rupiah(1234567), format_rupiah(None)
    ('Rp 1.234.567', '–')
    """
    s = format_angka(v, 0)
    return s if s == KOSONG else "Rp " + s


def format_poin(v: object, desimal: int = 1) -> str:
    """A difference of percentages in points: '11,9 poin' ('–' when missing).

    >>> format_poin(11.93)
    '11,9 poin'
    """
    s = format_angka(v, desimal)
    return s if s == KOSONG else s + " poin"


def parse_numbers(s: pd.Series) -> pd.DataFrame:
    """A typed or raw text column read as numbers: ``nilai`` (float, NaN when missing), ``ada`` (cell filled) and
    ``bukan_angka`` (filled but not a finite number)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        values = s.astype("float64")
        return pd.DataFrame({"nilai": values, "ada": values.notna(), "bukan_angka": False}, index=s.index)
    text = s.astype("string").str.strip()
    filled = (text.notna() & (text != "")).astype(bool)
    values = pd.to_numeric(text.where(filled), errors="coerce").astype("Float64").astype("float64")
    finite = np.isfinite(values)
    return pd.DataFrame({"nilai": values.where(finite), "ada": filled, "bukan_angka": filled & ~finite},
                        index=s.index)


# --- short texts for findings and messages ---------------------------------------------------------


def plain(x: object) -> str:
    """Value in plain notation for the ``nilai`` column (``57``, ``1250000``, ``0.62``)."""
    if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, (bool, np.bool_)):
        return str(x)
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return str(int(x)) if float(x).is_integer() else np.format_float_positional(round(float(x), 4), trim="-")
    return str(x)


def num(x: float, decimals: int = 1) -> str:
    """Indonesian number for a message: whole numbers without decimals (1.234.567), others with ``decimals`` (12,5)."""
    return format_angka(x, 0 if float(x).is_integer() else decimals)


def rp(x: float) -> str:
    """Rupiah for a message: Rp 1.250.000 (−Rp for negatives)."""
    return ("−" if x < 0 else "") + format_rupiah(round(abs(float(x))))


def pct(x: float) -> str:
    """Percent with one decimal for a message: 62,5%."""
    return format_persen(x, 1)


def year_text(t: object) -> str:
    """A year as text for a message: ``tahun tidak diketahui`` when missing or blank, text that is no year quoted.

    Raw tables (text as read from a file) reach the checks too, so a year may still be text.

    >>> [year_text(x) for x in (2024, 2024.0, " 2024 ", "", None, "2O24")]
    ['2024', '2024', '2024', 'tahun tidak diketahui', 'tahun tidak diketahui', "tahun '2O24'"]
    """
    if isinstance(t, str):
        t = t.strip()
        if not t.isdecimal():
            return f"tahun '{t}'" if t else "tahun tidak diketahui"
    return "tahun tidak diketahui" if t is None or t is pd.NA or (isinstance(t, float) and np.isnan(t)) else str(int(t))
