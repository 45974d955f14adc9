"""Kemendesa's official IDM files into tables: the yearly list into ``status_desa``, rumusan JSON into ``idm_rumusan``.

The parsing itself is :mod:`p3pd_lib.idm` (pure); here the files are checked
against the official region list and the region being imported, and turned
into submissions (:class:`~.results.Unit`).
"""

from __future__ import annotations

import re
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from .reading import Sheet
from .results import Collector, Context, Unit, is_empty
from .validation import TOTAL_WORD, check_duplicates, validate


def is_json(path: Path) -> bool:
    """A JSON file (an IDM rumusan): named ``.json`` or starting with ``{``."""
    if path.suffix.lower() == ".json":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"{")


def _official_desa(code: str | None, ctx: Context) -> tuple[str, str] | None:
    """(aturan, pesan) when ``code`` is not an official desa of the region being imported, else None."""
    from .. import wilayah

    if code is None:
        return "format_kode", "Kode desa tidak terbaca (harus 10 angka, mis. 3307032005)."
    if not wilayah.is_official(code):
        return "kode_tidak_dikenal", f"Kode desa {code} tidak ada dalam daftar resmi Kepmendagri."
    scope = ctx.kecamatan or ctx.kabupaten
    if scope and not code.startswith(scope + "."):
        return "di_luar_wilayah", f"Desa {code} tidak berada di wilayah {scope} yang sedang diimpor."
    return None


def rumusan_unit(path: Path, col: Collector, ctx: Context, max_bytes: int) -> Unit:
    """One Kemendesa IDM rumusan (JSON) into ``idm_rumusan`` rows; subtotal disagreements are warnings."""
    import json

    from .. import idm

    unit = Unit([path], "rumusan IDM")
    size = path.stat().st_size
    if size > max_bytes:
        col.add(None, None, None, None, "berkas_terlalu_besar", "galat",
                f"Berkas berukuran {size / 1024 / 1024:.1f} MB, melebihi batas {max_bytes / 1024 / 1024:.0f} MB.")
        return unit
    try:
        obj = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        col.add(None, None, None, None, "berkas_rusak", "galat",
                f"Berkas JSON tidak dapat dibaca ({type(exc).__name__}); unduh ulang rumusan IDM-nya.")
        return unit
    m = re.search(r"(?<!\d)(\d{10})(?!\d)", path.stem)
    p = idm.parse_rumusan(obj, kode_desa=ctx.kode_desa or (m.group(1) if m else None), tahun=ctx.tahun)
    col.extend(p.findings)
    if p.rows.empty or any(f["tingkat"] == "galat" for f in p.findings):
        return unit
    bad = _official_desa(p.kode_desa, ctx)
    if bad is not None:
        col.add(None, None, "IDENTITAS.id_desa", p.kode_desa, bad[0], "galat", bad[1])
        return unit
    unit.tables["idm_rumusan"] = p.rows  # coerced once, when merged
    return unit


def idm_list_unit(path: Path, sheet: Sheet, found: tuple[int, dict[int, str]], col: Collector,
                  ctx: Context) -> Unit:
    """The yearly official IDM list into ``status_desa`` (official status in ``status_idm``)."""
    from .. import idm

    unit = Unit([path], "daftar IDM resmi")
    lembar = sheet.name
    h, cmap = found
    header = [v if not is_empty(v) else (sheet.rows[h - 1][j] if h and j < len(sheet.rows[h - 1]) else v)
              for j, v in enumerate(sheet.rows[h])]  # a two-row header names some columns in the row above
    used = {j for j, n in cmap.items() if n != "nama_desa"}
    for r0, c0, r1, c1, coord in sheet.merged:
        if r1 > h and any(c0 <= j <= c1 for j in used):
            col.add(lembar, r0 + 1, None, coord, "sel_digabung", "peringatan",
                    f"Sel {coord} digabung (merge) pada kolom data; hanya sel pertamanya yang berisi nilai. Pisahkan "
                    "gabungan sel (Unmerge) bila baris lain kehilangan nilainya.")
    tahun = idm.list_year(sheet.rows, h)
    if ctx.tahun is not None and tahun is not None and tahun != ctx.tahun and "tahun" not in cmap.values():
        col.add(lembar, None, "judul", tahun, "tahun_tidak_sesuai", "galat",
                f"Judul daftar menyebut tahun {tahun}, tetapi yang diimpor tahun {ctx.tahun}.")
        return unit
    tahun = ctx.tahun if ctx.tahun is not None else tahun
    if tahun is None and "tahun" not in cmap.values():
        col.add(lembar, None, "judul", None, "tahun_tidak_diketahui", "galat",
                "Tahun IDM tidak ditemukan pada judul daftar; sebutkan dengan --tahun YYYY.")
        return unit
    records, baris, names = [], [], []
    luar = 0
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        rec = {name: (row[j] if j < len(row) else None) for j, name in cmap.items()}
        if all(is_empty(v) for v in rec.values()):
            continue
        if is_empty(rec.get("kode_desa")) and TOTAL_WORD.match(str(rec.get("nama_desa") or "")):
            continue
        code = idm.kode_desa_dotted(rec.get("kode_desa"))
        bad = _official_desa(code, ctx)
        if bad is not None and bad[0] == "di_luar_wilayah":
            luar += 1
            continue
        if bad is not None:
            col.add(lembar, i + 1, str(header[[j for j, n in cmap.items() if n == "kode_desa"][0]]).strip(),
                    rec.get("kode_desa"), bad[0], "peringatan", bad[1] + " Baris ini dilewati.")
            continue
        rec["kode_desa"] = code
        rec.setdefault("tahun", tahun)
        if is_empty(rec["tahun"]):
            rec["tahun"] = tahun
        records.append(rec)
        baris.append(i + 1)
        names.append(rec.pop("nama_desa", None))
    if luar:
        col.add(lembar, None, None, None, "di_luar_wilayah", "peringatan",
                f"{luar} desa di luar wilayah {ctx.kecamatan or ctx.kabupaten} dilewati (daftar memuat wilayah lain).")
    if not records:
        col.add(lembar, None, None, None, "tidak_ada_data", "galat", "Daftar IDM tidak memuat baris desa yang dapat "
                "diimpor.")
        return unit
    headers = {name: str(header[j]).strip() for j, name in cmap.items()}
    headers.setdefault("tahun", "judul (tahun)")
    row_pos = {b - 1: pos for pos, b in enumerate(baris)}
    frame = validate(pd.DataFrame(records, dtype=object), "status_desa", baris=baris, headers=headers,
                     formulas={(row_pos[r], cmap[j]) for r, j in sheet.formulas
                               if r in row_pos and j in cmap and cmap[j] != "nama_desa"},
                     lembar=lembar, col=col, ctx=ctx if "tahun" in cmap.values() else dc_replace(ctx, tahun=None),
                     names=names)
    check_duplicates(frame, "status_desa", col, headers)
    unit.tables["status_desa"] = frame
    return unit


def gather_rumusan(units: Sequence[Unit], collectors: Mapping[Path, Collector]) -> list[Unit]:
    """The rumusan files of one call as one submission (one merge, not one per desa), rejected files apart.

    A desa-year given by a second file stays a submission of its own, merged
    after the first (so it is reported as a conflict or as unchanged).
    """
    good = [u for u in units if u.tables and not any(f["tingkat"] == "galat" for f in collectors[u.paths[0]].items)]
    out = [u for u in units if u not in good]
    seen: dict[tuple[str, int], Path] = {}
    first: list[Unit] = []
    for u in good:
        t = u.tables["idm_rumusan"]
        key = (str(t["kode_desa"].iloc[0]), int(t["tahun"].iloc[0]))
        if key in seen:
            out.append(u)
        else:
            seen[key] = u.paths[0]
            first.append(u)
    if first:
        frame = pd.concat([u.tables["idm_rumusan"] for u in first], ignore_index=True)
        out.insert(0, Unit([u.paths[0] for u in first], "rumusan IDM", {"idm_rumusan": frame}, origin=seen))
    return out
