"""Checks of what users see: no code without its name, no English or Python words, Indonesian numbers.

Each scanner returns a list of :class:`Temuan` (empty when the surface is clean):

- :func:`scan_text` — one piece of text (a cell, a label, a sentence);
- :func:`scan_html` — an HTML page or block (reports, Bahan Musdes, dashboard tabs);
- :func:`scan_figure` — a plotly figure (separators, hover templates, labels);
- :func:`scan_workbook` — an openpyxl workbook (cells, numbers stored as text, print setup).

What counts as a problem (``jenis``):

- ``kode_tanpa_nama``: a known code (indicator ``KES01``, rule ``KETAHANAN_PANGAN``,
  enumeration ``layanan_dasar``, sector ``PEND``…) with none of its names in the same
  segment (table row, paragraph, cell row, label);
- ``nilai_logika``: ``True``/``False`` (users read Ya/Tidak);
- ``nilai_kosong``: ``<NA>``, ``nan``, ``None``, ``NaT`` (users read "–");
- ``desimal_titik``: a number with a decimal point (``21.6``) instead of a comma;
- ``petunjuk_layar``: hover instructions ("arahkan tetikus") in a printed page;
- ``format_grafik``: a figure without Indonesian separators;
- ``angka_teks``: a number stored as text in a workbook;
- ``cetak``: a worksheet without print setup (A4, fit to width, repeated header row).

>>> [t.jenis for t in scan_text("Nilai KES01: 21.6 (True)")]
['kode_tanpa_nama', 'nilai_logika', 'desimal_titik']
>>> scan_text("Prevalensi stunting balita (KES01): 21,6%; sub-bidang 02.02; Rp 1.234.567")
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from . import labels

#: Kinds of findings, in the order of the module docstring.
JENIS = ("kode_tanpa_nama", "nilai_logika", "nilai_kosong", "desimal_titik", "petunjuk_layar", "format_grafik",
         "angka_teks", "cetak")

_BOOL = re.compile(r"(?<![\w-])(True|False)(?![\w-])")
_EMPTY = re.compile(r"<NA>|(?<![\w-])(?:nan|NaN|None|NaT)(?![\w-])")
# A number with one decimal point (not a chain of dotted codes, not a thousands group of three digits).
_DOT_DECIMAL = re.compile(r"(?<![\w.,])(\d+)\.(\d+)(?![\w.]|,\d)")
_HOVER = re.compile(r"arahkan (?:tetikus|kursor|mouse)|\bhover\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"%\{[^}]*\}")
_SECTORS = ("PEND", "KES", "AIR", "SOS", "ADM", "LAIN", "ATURAN")


@dataclass(frozen=True)
class Temuan:
    """One problem on a user surface: where, what kind, and the text around it."""

    tempat: str
    jenis: str
    teks: str

    def __str__(self) -> str:
        return f"{self.tempat}: {self.jenis}: {self.teks}"


@lru_cache(maxsize=1)
def _codes() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    names: dict[str, set[str]] = {}
    for kode, nama in labels.kode_dikenal().items():
        names.setdefault(kode, set()).add(nama)
        names[kode].add(labels.nama_indikator(kode, singkat=True))
    for s in _SECTORS:
        names.setdefault(s, set()).update({labels.nama_sektor(s), labels.nama_sektor(s, singkat=True)})
    clean = {k: tuple(sorted({n.lower() for n in v if n and n != k})) for k, v in names.items()}
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(clean, key=len, reverse=True)) + r")(?![\w-])")
    return pattern, clean


def _excerpt(text: str, start: int, end: int, width: int = 40) -> str:
    return text[max(0, start - width): end + width].replace("\n", " ").strip()


def scan_text(text: str, tempat: str = "teks", kecuali: Iterable[str] = ()) -> list[Temuan]:
    """Problems in one piece of text (see the module doc); strings in ``kecuali`` are ignored
    (e.g. region codes such as ``33.71`` that look like decimals)."""
    if not text:
        return []
    for k in kecuali:
        text = text.replace(k, " ")
    out: list[Temuan] = []
    pattern, names = _codes()
    low = text.lower()
    for m in pattern.finditer(text):
        if not any(n in low for n in names.get(m.group(1), ())):
            out.append(Temuan(tempat, "kode_tanpa_nama", _excerpt(text, m.start(), m.end())))
    for rx, jenis in ((_BOOL, "nilai_logika"), (_EMPTY, "nilai_kosong")):
        out.extend(Temuan(tempat, jenis, _excerpt(text, m.start(), m.end())) for m in rx.finditer(text))
    for m in _DOT_DECIMAL.finditer(text):
        whole, frac = m.group(1), m.group(2)
        if len(frac) == 3:  # 1.234: a thousands group
            continue
        if len(whole) == 2 and len(frac) == 2 and (whole.startswith("0") or frac.startswith("0")):
            continue  # 02.02 (sub-bidang), 33.07 (kabupaten): codes
        out.append(Temuan(tempat, "desimal_titik", _excerpt(text, m.start(), m.end())))
    return out


_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "caption", "figcaption", "div", "header", "footer",
           "section", "article", "td", "th", "span", "label", "button", "option", "summary", "a", "b", "i", "small", "strong"}
_SKIP = {"script", "style", "head", "template", "noscript"}


def _segments(root: Any) -> Iterable[tuple[str, str, bool]]:
    """(tag, text, printed?) segments: a table row as one, otherwise the smallest block elements."""
    def hidden_in_print(el: Any) -> bool:
        while el is not None:
            cls = (el.get("class") or "").split()
            if "layar-saja" in cls or "no-print" in cls:
                return True
            el = el.getparent()
        return False

    def text_of(el: Any) -> str:
        parts = [t for t in el.itertext() if t]
        titles = [e.get("title") for e in el.iter() if isinstance(e.tag, str) and e.get("title")]
        return " ".join(" ".join(parts).split()) + (" | " + " | ".join(titles) if titles else "")

    def walk(el: Any) -> Iterable[tuple[str, str, bool]]:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            return
        if tag == "tr" or (tag in _BLOCKS and not any(isinstance(c.tag, str) and c.tag in _BLOCKS | {"tr", "table"}
                                                     for c in el.iterdescendants())):
            yield tag, text_of(el), not hidden_in_print(el)
            return
        if el.text and el.text.strip() and tag not in ("html", "body"):
            yield tag, " ".join(el.text.split()), not hidden_in_print(el)
        for child in el:
            yield from walk(child)
            if child.tail and child.tail.strip():
                yield tag, " ".join(child.tail.split()), not hidden_in_print(el)

    yield from walk(root)


def scan_html(html: str, tempat: str = "html", cetak: bool = False, kecuali: Iterable[str] = ()) -> list[Temuan]:
    """Problems in an HTML page or block (scripts and styles skipped; ``title`` tooltips included).

    ``cetak``: the page is printed, so hover instructions outside elements of class
    ``layar-saja`` (hidden in print) are problems too.

    >>> [t.jenis for t in scan_html("<table><tr><th>KES01</th><td>nan</td></tr></table>")]
    ['kode_tanpa_nama', 'nilai_kosong']
    >>> scan_html('<tr><th title="Prevalensi stunting balita">KES01</th><td>21,6</td></tr>')
    []
    """
    import lxml.html

    if not html or not html.strip():
        return []
    root = lxml.html.fromstring(html)
    out: list[Temuan] = []
    kecuali = tuple(kecuali)
    for tag, text, printed in _segments(root):
        where = f"{tempat} <{tag}>"
        out.extend(scan_text(text, where, kecuali))
        if cetak and printed:
            out.extend(Temuan(where, "petunjuk_layar", _excerpt(text, m.start(), m.end())) for m in _HOVER.finditer(text))
    return out


_FIG_TEXT_KEYS = {"text", "name", "hovertemplate", "ticktext", "texttemplate", "x", "y", "labels", "title"}


def _figure_strings(obj: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k in ("template", "colorscale", "line", "marker", "font"):
                continue
            if isinstance(v, str):
                if k in _FIG_TEXT_KEYS:
                    yield f"{path}.{k}", v
            elif k in _FIG_TEXT_KEYS and isinstance(v, (list, tuple)) or hasattr(v, "tolist") and k in _FIG_TEXT_KEYS:
                seq = v.tolist() if hasattr(v, "tolist") else v
                for i, s in enumerate(seq):
                    if isinstance(s, str):
                        yield f"{path}.{k}[{i}]", s
            else:
                yield from _figure_strings(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _figure_strings(v, f"{path}[{i}]")


def scan_figure(fig: Any, tempat: str = "grafik") -> list[Temuan]:
    """Problems in a plotly figure (a ``Figure`` or its ``to_plotly_json()`` dict).

    The layout must set Indonesian separators (``separators=",."``), so every
    number plotly formats (hover ``%{y:.1f}``, ticks) has a decimal comma; every
    visible string (names, texts, hover templates without their placeholders,
    titles, tick labels, annotations) is scanned with :func:`scan_text`.

    >>> [t.jenis for t in scan_figure({"data": [{"type": "bar", "name": "BEL07", "text": ["21.6%"]}], "layout": {}})]
    ['format_grafik', 'kode_tanpa_nama', 'desimal_titik']
    """
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    layout = spec.get("layout") or {}
    out: list[Temuan] = []
    if layout.get("separators") != ",.":
        out.append(Temuan(f"{tempat}.layout.separators", "format_grafik",
                          f"separators={layout.get('separators')!r}, seharusnya ',.' (koma desimal, titik ribuan)"))
    for where, s in _figure_strings({"data": spec.get("data") or [], "layout": layout}, tempat):
        text = _PLACEHOLDER.sub("0", s).replace("<extra></extra>", "")
        text = re.sub(r"<[^>]+>", " ", text)
        out.extend(scan_text(text, where))
    return out


def scan_workbook(wb: Any, tempat: str = "buku kerja") -> list[Temuan]:
    """Problems in an openpyxl workbook: cell texts (a row is one segment for codes), numbers
    stored as text, truth values, and each sheet's print setup (A4, fit to one page wide,
    header row repeated on every page)."""
    out: list[Temuan] = []
    numeric_text = re.compile(r"^\s*(?:Rp\s*)?-?\d[\d.,]*\s*%?\s*$")
    for ws in wb.worksheets:
        where = f"{tempat} [{ws.title}]"
        if ws.page_setup.paperSize not in (9, "9"):
            out.append(Temuan(where, "cetak", "ukuran kertas bukan A4"))
        if not (ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
                and ws.page_setup.fitToWidth in (1, "1", None)):  # absent: the file format's default, 1 (XlsxWriter)
            out.append(Temuan(where, "cetak", "tidak diatur pas satu halaman lebar"))
        if ws.max_row > 3 and not ws.print_title_rows:
            out.append(Temuan(where, "cetak", "baris judul kolom tidak diulang di setiap halaman"))
        for row in ws.iter_rows():
            texts = []
            for cell in row:
                v = cell.value
                if isinstance(v, bool):
                    out.append(Temuan(f"{where}!{cell.coordinate}", "nilai_logika", str(v)))
                elif isinstance(v, str):
                    # (a year, or a dotted code such as 33.07.01.2001 or 0.1.0, is not a number)
                    if numeric_text.match(v) and not re.fullmatch(r"\s*(?:\d{4}|\d+(?:\.\d+){2,})\s*", v):
                        out.append(Temuan(f"{where}!{cell.coordinate}", "angka_teks", v))
                    texts.append(v)
            if texts:
                first = row[0].row
                out.extend(Temuan(t.tempat.replace(where, f"{where} baris {first}"), t.jenis, t.teks)
                           for t in scan_text(" | ".join(texts), where))
    return out


def ringkas(temuan: Iterable[Temuan], n: int = 20) -> str:
    """The first ``n`` findings, one per line (for assertion messages and logs)."""
    items = list(temuan)
    lines = [str(t) for t in items[:n]]
    if len(items) > n:
        lines.append(f"… dan {len(items) - n} temuan lain")
    return "\n".join(lines)
