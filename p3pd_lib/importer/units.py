"""Submissions ("units") per kind of input, and the reading of all inputs of one call.

:func:`read_all` reads and validates every input into units, nothing written:
a filled template or canonical CSV/Excel is one unit per file; all the
Siskeudes tables of one call (folder, zip, files, ``.columns`` files) form ONE
unit; a Penjabaran APBDes sheet or PDF is one unit; Kemendesa's IDM files are
read by :mod:`.idm_files`.
"""

from __future__ import annotations

from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from .. import penjabaran, siskeudes as sk, siskeudes_desa, siskeudes_export as sx
from ..schemas import TABLES
from ..template import DAFTAR_SHEET, INFO_SHEET, PETUNJUK_SHEET, TEMPLATE_KIND, TEMPLATE_SHEETS
from .idm_files import gather_rumusan, idm_list_unit, is_json, rumusan_unit
from .reading import Sheet, clear_preloaded, preload, read_grid
from .results import Collector, Context, Unit, is_empty
from .validation import check_duplicates, detect_table, similar, suggest, table_from_sheet, validate


def _template_info(sheets: list[Sheet]) -> dict[str, Any] | None:
    for s in sheets:
        if s.name == INFO_SHEET:
            info = {str(r[0]).strip(): r[1] for r in s.rows if r and r[0] is not None and len(r) > 1}
            if info.get("jenis") == TEMPLATE_KIND:
                return info
    return None


def _canonical_unit(path: Path, sheets: list[Sheet], fmt: str, col: Collector, ctx: Context) -> Unit:
    unit = Unit([path], "templat")
    info = _template_info(sheets)
    local = dc_replace(ctx)
    if info is not None:
        try:
            t_year = int(info.get("tahun"))
        except (TypeError, ValueError):
            t_year = None
        if ctx.tahun is not None and t_year is not None and t_year != ctx.tahun:
            col.add(INFO_SHEET, None, "tahun", t_year, "tahun_tidak_sesuai", "galat",
                    f"Templat ini untuk tahun {t_year}, tetapi yang diimpor tahun {ctx.tahun}.")
        local.tahun = t_year if t_year is not None else ctx.tahun
        kec = str(info.get("kode_kecamatan") or "") or None
        if ctx.kecamatan and kec and ctx.kecamatan != kec:
            col.add(INFO_SHEET, None, "kode_kecamatan", kec, "di_luar_wilayah", "galat",
                    f"Templat ini untuk kecamatan {kec}, tetapi yang diimpor kecamatan {ctx.kecamatan}.")
        local.kecamatan = ctx.kecamatan or kec
        names = {s.name for s in sheets}
        for t, title in TEMPLATE_SHEETS.items():
            if title not in names:
                col.add(title, None, None, None, "lembar_hilang", "galat",
                        f"Lembar '{title}' tidak ada di templat. Jangan menghapus atau mengganti nama lembar; "
                        "lembar yang tidak diisi biarkan kosong.")
    else:
        unit.jenis = "tabel kanonik"
    skip_names = {PETUNJUK_SHEET, DAFTAR_SHEET, INFO_SHEET} if info is not None else set()
    by_title = {v: k for k, v in TEMPLATE_SHEETS.items()}
    frames: dict[str, list[pd.DataFrame]] = {}
    headers_all: dict[str, dict[str, str]] = {}
    for s in sheets:
        if s.name in skip_names:
            continue
        if not s.rows or all(all(is_empty(v) for v in r) for r in s.rows):
            continue
        hint = by_title.get(s.name or "") or (path.stem.lower() if path.stem.lower() in TABLES else None)
        found = detect_table(s, hint)
        if found is None:
            if info is not None and s.name in by_title:
                col.add(s.name, None, None, None, "kolom_hilang", "galat",
                        f"Judul kolom lembar '{s.name}' tidak dikenali (kolom kode desa tidak ditemukan); jangan "
                        "mengubah baris judul templat.")
            elif fmt == "xlsx":
                col.add(s.name, None, None, None, "lembar_diabaikan", "peringatan",
                        f"Lembar '{s.name}' diabaikan: tidak ada baris judul dengan kolom kode desa.")
            continue
        table, h, cmap = found
        if info is not None and s.name in by_title and by_title[s.name] != table:
            table = by_title[s.name]
            cmap = {j: n for j, n in cmap.items() if n in TABLES[table].names or n == "nama_desa"}
        frame = table_from_sheet(s, table, h, cmap, col, local, info is not None)
        if frame is not None:
            frames.setdefault(table, []).append(frame)
            headers_all[table] = {name: str(s.rows[h][j]).strip() for j, name in cmap.items()}
    if not frames and not any(f["tingkat"] == "galat" for f in col.items):
        col.add(None, None, None, None, "tidak_ada_data", "galat",
                "Tidak ada tabel yang dikenali: baris judul harus memuat kolom kode desa dan kolom data sesuai "
                "templat (lihat lembar Petunjuk), atau berkas Siskeudes (Ta_RAB, Penjabaran APBDes).")
    if info is not None and frames and all(len(f) == 0 for parts in frames.values() for f in parts):
        col.add(None, None, None, None, "tidak_ada_data", "peringatan",
                "Templat belum diisi: tidak ada baris data pada lembar mana pun.")
    for table, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True)
        check_duplicates(frame, table, col, headers_all.get(table, {}))
        unit.tables[table] = frame
    return unit


def _resolve_desa(ident: dict[str, Any], ctx: Context, col: Collector, lembar: str | None) -> str | None:
    """Official code of the village a Penjabaran report is about."""
    from .. import wilayah

    if ctx.kode_desa:
        if ident.get("desa") and not similar(ident["desa"], wilayah.name(ctx.kode_desa)):
            col.add(lembar, None, "judul", ident["desa"], "nama_desa_berbeda", "peringatan",
                    f"Judul laporan menyebut desa '{ident['desa']}', tetapi kode yang diberikan {ctx.kode_desa} adalah "
                    f"{wilayah.name(ctx.kode_desa)}.")
        return ctx.kode_desa
    nama = ident.get("desa")
    if not nama:
        col.add(lembar, None, "judul", None, "desa_tidak_diketahui", "galat",
                "Nama desa tidak ditemukan pada judul laporan; sebutkan kodenya dengan --desa KODE.")
        return None
    dalam = ctx.kecamatan or ctx.kabupaten
    if dalam is None and ident.get("kabupaten"):
        dalam = wilayah.match(ident["kabupaten"], "kabupaten")
    if dalam is not None and dalam.count(".") == 1 and ident.get("kecamatan"):
        dalam = wilayah.match(ident["kecamatan"], "kecamatan", dalam=dalam) or dalam
    if dalam is None:
        col.add(lembar, None, "judul", nama, "desa_tidak_diketahui", "galat",
                f"Desa '{nama}' tidak dapat dipastikan tanpa kecamatannya; sebutkan --kecamatan KODE atau --desa KODE.")
        return None
    code = wilayah.match(nama, "desa", dalam=dalam)
    if code is None:
        col.add(lembar, None, "judul", nama, "kode_tidak_dikenal", "galat",
                f"Desa '{nama}' tidak ditemukan di {wilayah.name(dalam)} ({dalam})." + suggest(None, nama, Context(
                    kecamatan=dalam if dalam.count(".") == 2 else None,
                    kabupaten=dalam if dalam.count(".") == 1 else None)) + " Sebutkan kodenya dengan --desa KODE.")
    return code


def _penjabaran_unit(path: Path, sheet: Sheet, col: Collector, ctx: Context) -> Unit:
    unit = Unit([path], "penjabaran APBDes")
    lembar = sheet.name
    p = penjabaran.parse_penjabaran(sheet.rows)
    col.extend(p.findings, lembar)
    tahun = p.identitas.get("tahun")
    if ctx.tahun is not None and tahun is not None and int(tahun) != ctx.tahun:
        col.add(lembar, None, "judul", tahun, "tahun_tidak_sesuai", "galat",
                f"Judul laporan menyebut tahun anggaran {tahun}, tetapi yang diimpor tahun {ctx.tahun}.")
    tahun = ctx.tahun if ctx.tahun is not None else tahun
    if tahun is None:
        col.add(lembar, None, "judul", None, "tahun_tidak_diketahui", "galat",
                "Tahun anggaran tidak ditemukan pada judul laporan; sebutkan dengan --tahun YYYY.")
    code = _resolve_desa(p.identitas, ctx, col, lembar)
    if p.lines.empty:
        if not any(f["tingkat"] == "galat" for f in col.items):
            col.add(lembar, None, None, None, "tidak_ada_data", "galat", "Laporan tidak memuat baris rincian anggaran.")
        return unit
    raw = p.lines.drop(columns=["baris"]).assign(kode_desa=code, tahun=tahun).astype(object)
    headers = {"kode_desa": "judul (desa)", "tahun": "judul (tahun)", "anggaran": "ANGGARAN", "kode_rekening": "KODE",
               "kode_kegiatan": "KODE", "uraian": "URAIAN", "sumber_dana": "SUMBER DANA", "nama_kegiatan": "URAIAN"}
    local = dc_replace(ctx, tahun=None)  # the year was checked against the title above
    frame = validate(raw, "apbdes", baris=p.lines["baris"].tolist(), headers=headers, formulas=set(),
                     lembar=lembar, col=col, ctx=local)
    check_duplicates(frame, "apbdes", col, headers)
    unit.tables["apbdes"] = frame
    return unit


def _penjabaran_pdf_unit(path: Path, col: Collector, ctx: Context) -> Unit:
    """A Penjabaran APBDes printed to PDF: its text layer read into the same parser."""
    grid, problem = penjabaran.read_pdf_grid(path)
    if problem is not None:
        col.add(None, None, None, None, "pdf_tidak_terbaca", "galat", problem)
        return Unit([path], "penjabaran APBDes (PDF)")
    unit = _penjabaran_unit(path, Sheet(None, grid), col, ctx)
    unit.jenis = "penjabaran APBDes (PDF)"
    return unit


def _siskeudes_unit(parts: list[sx.ExportTable], skipped: list[tuple[Path, str]], paths: list[Path], ctx: Context,
                    saved_mapping: pd.DataFrame, collectors: dict[Path, Collector]) -> Unit:
    """One submission from all the Siskeudes tables given in one call (folder, zip or files)."""
    unit = Unit(list(dict.fromkeys(paths)), "siskeudes")
    source: dict[str, Path] = {}
    by_table: dict[str, list[sx.ExportTable]] = {}
    for t in parts:
        by_table.setdefault(t.name, []).append(t)
        source.setdefault(t.name, t.berkas)
    main = next((source[t] for t in sk.BUDGET_TABLES if t in source), unit.paths[0])

    def col_for(tabel: str | None) -> Collector:
        return collectors[source.get(tabel or "", main)]

    merged: dict[str, pd.DataFrame] = {}
    for name, tables in by_table.items():
        merged[name], overlaps = sx.combine(name, tables)
        col_for(name).extend(overlaps)

    res = sk.budget_lines(merged)
    for f in res.findings:
        col_for(f["lembar"]).extend([f])
    lines = res.lines
    for path, label in skipped:
        collectors[main].add(label, None, None, path.name, "tabel_dilewati", "info",
                             f"'{label}' bukan tabel yang diperlukan untuk APBDes; dilewati.")
    if lines.empty:
        return unit
    kabupaten = ctx.kabupaten
    if kabupaten is None and ctx.kecamatan is None:
        kabupaten = siskeudes_desa.kabupaten_from_pemda(merged.get("Ta_Pemda"))
        if kabupaten is not None:
            from .. import wilayah

            col_for("Ta_Pemda").add("Ta_Pemda", None, "Kd_Kab", kabupaten, "kabupaten_dari_ta_pemda", "info",
                                    f"Kabupaten dikenali dari Ta_Pemda: {wilayah.name(kabupaten)} ({kabupaten}).")
    # Village mapping: Ref_Desa names (if given) and the saved mapping file.
    kd_codes = sorted(k for k in lines["kd_desa"].dropna().astype(str).unique() if k)
    pick = sk.pick_column
    if "Ref_Desa" in merged:
        rd = merged["Ref_Desa"]
        ref = pd.DataFrame({
            "kd_desa": rd[pick(rd, "kddesa")].map(lambda s: str(s).strip()),
            "nama_desa": rd[pick(rd, "namadesa")],
            "kd_kec": rd[pick(rd, "kdkec")] if pick(rd, "kdkec") else None,
            "baris": rd["_baris"],
        })
        ref = ref[ref["kd_desa"].isin(kd_codes)].drop_duplicates("kd_desa")
        known = set(ref["kd_desa"])
        missing = [k for k in kd_codes if k not in known]
        ref = pd.concat([ref, pd.DataFrame({"kd_desa": missing, "nama_desa": None, "kd_kec": None, "baris": None})],
                        ignore_index=True)
    else:
        ref = pd.DataFrame({"kd_desa": kd_codes, "nama_desa": None, "kd_kec": None, "baris": None})
    ref_kec = None
    if "Ref_Kecamatan" in merged:
        rk = merged["Ref_Kecamatan"]
        ref_kec = pd.DataFrame({"kd_kec": rk[pick(rk, "kdkec")], "nama_kecamatan": rk[pick(rk, "namakecamatan")]})
    used, found = siskeudes_desa.match_kd_desa(ref, saved_mapping, kecamatan=ctx.kecamatan, kabupaten=kabupaten,
                                               ref_kecamatan=ref_kec)
    for f in found:
        col_for(f["lembar"] if f["lembar"] in source else None).extend([f])
    unit.mapping = used
    sure = used[used["cara"].astype(str).str.lower().ne("periksa") & used["kode_desa"].notna()]
    to_code = dict(zip(sure["kd_desa"].astype(str), sure["kode_desa"].astype(str)))
    budget = next((t for t in sk.BUDGET_TABLES if t in merged), "Ta_RAB")
    rab_name = pick(merged[budget], "kddesa") or "Kd_Desa"
    raw = pd.DataFrame({
        "kode_desa": lines["kd_desa"].astype(str).map(to_code),
        "tahun": lines["tahun"], "kode_kegiatan": lines["kode_kegiatan"], "nama_kegiatan": lines["nama_kegiatan"],
        "kode_rekening": lines["kode_rekening"], "uraian": lines["uraian"], "sumber_dana": lines["sumber_dana"],
        "anggaran": lines["anggaran"], "realisasi": lines["realisasi"],
    }, dtype=object)
    if "Ta_JurnalUmumRinci" not in merged:
        raw["realisasi"] = None
    if ctx.kecamatan is not None:  # a kabupaten's database imported for one kecamatan: the others wait
        outside = raw["kode_desa"].notna() & ~raw["kode_desa"].astype(str).str.startswith(ctx.kecamatan + ".")
        if outside.any():
            col_for(budget).add(budget, None, rab_name, None, "desa_di_luar_kecamatan", "info",
                                f"{raw.loc[outside, 'kode_desa'].nunique()} desa di luar kecamatan {ctx.kecamatan} "
                                "dilewati (impor tanpa --kecamatan untuk seluruh kabupaten).")
            raw.loc[outside, "kode_desa"] = None
    unmapped = raw["kode_desa"].isna().to_numpy()
    headers = {"kode_desa": rab_name, "tahun": "Tahun", "kode_kegiatan": "Kd_Keg", "kode_rekening": "Kd_Rincian",
               "anggaran": "AnggaranStlhPAK/Anggaran", "realisasi": "Debet/Kredit (jurnal)", "sumber_dana": "SumberDana",
               "nama_kegiatan": "Nama_Kegiatan", "uraian": "Nama_Obyek"}
    # Findings of the generic checks go to the budget table (or the journal for lines found only there).
    frames_out = []
    for tabel in (budget, "Ta_JurnalUmumRinci"):
        mask = (lines["_tabel"] == tabel).to_numpy() & ~unmapped
        if mask.any():
            frames_out.append(validate(raw[mask].reset_index(drop=True), "apbdes",
                                       baris=lines.loc[mask, "_baris"].tolist(), headers=headers, formulas=set(),
                                       lembar=tabel, col=col_for(tabel), ctx=ctx))
    if frames_out:
        frame = pd.concat(frames_out, ignore_index=True)
        check_duplicates(frame, "apbdes", col_for(budget), headers)
        unit.tables["apbdes"] = frame
    return unit


# =========================================================================== shared steps of the entry points

def _read_units(
    paths: Sequence[Path], ctx: Context, saved_mapping: pd.DataFrame, max_bytes: int, max_rows: int,
) -> tuple[dict[Path, Collector], list[Unit], dict[Path, str | None], dict[Path, str]]:
    """Read and validate every file into submissions (units); nothing is written.

    All Siskeudes tables of one call (CSV/Excel files, zipped exports, ``.columns``
    files, other tables of the export) form ONE submission; Penjabaran APBDes
    sheets and PDFs are one submission each; the rest is canonical.
    """
    from .. import history

    collectors: dict[Path, Collector] = {p: Collector(p.name) for p in paths}
    units: list[Unit] = []
    sha: dict[Path, str | None] = {}
    jenis: dict[Path, str] = {}
    tables: list[sx.ExportTable] = []
    skipped: list[tuple[Path, str]] = []
    export_paths: list[Path] = []
    others: list[tuple[Path, list[Sheet], str]] = []
    unreadable: list[tuple[Path, list[dict[str, Any]]]] = []
    kinds = {p.stem: sx.read_columns_file(p.read_text(encoding="utf-8", errors="replace"))
             for p in paths if p.is_file() and sx.is_columns_file(p) and p.stat().st_size <= max_bytes}
    for p in paths:
        col = collectors[p]
        sha[p] = history.sha256_file(p) if p.is_file() else None
        if p.is_file() and sx.is_columns_file(p):
            export_paths.append(p)
            jenis[p] = "siskeudes (daftar kolom)"
            continue
        if p.is_file() and 0 < p.stat().st_size <= max_bytes:
            with open(p, "rb") as fh:
                head = fh.read(65536)
            if head.startswith(b"%PDF"):
                units.append(_penjabaran_pdf_unit(p, col, ctx))
                jenis[p] = units[-1].jenis
                continue
            if head.startswith(b"PK") and sx.is_export_zip(p):
                content = sx.read_zip(p, max_bytes)
                for f in content.problems:
                    col.add(f.get("lembar"), None, None, None, f["aturan"], f["tingkat"], f["pesan"])
                tables.extend(content.tables)
                skipped.extend((p, s) for s in content.skipped)
                export_paths.append(p)
                jenis[p] = "siskeudes (zip)"
                continue
            if sx.classify(p.stem)[0] == "lewati":  # another table of the export: skipped unread
                skipped.append((p, p.stem))
                export_paths.append(p)
                jenis[p] = "siskeudes (dilewati)"
                continue
            if p.suffix.lower() in (".csv", ".txt", ".tsv") and b"\x00" not in head:
                what, table = sx.classify(p.stem, sx.header_of(head))
                if what == "baca":
                    tables.append(sx.ExportTable(table, sx.read_table_text(p.read_bytes(), kinds.get(p.stem)), p,
                                                 table))
                    export_paths.append(p)
                    jenis[p] = "siskeudes"
                    continue
        sheets, fmt, problems = read_grid(p, max_bytes, max_rows)
        if problems and not sheets:
            unreadable.append((p, problems))
            continue
        for f in problems:
            col.add(f.get("lembar"), None, None, None, f["aturan"], f["tingkat"], f["pesan"])
        # Siskeudes tables and Penjabaran sheets are recognised first; the rest is canonical.
        rest: list[Sheet] = []
        penj: list[Sheet] = []
        n_tables = 0
        for s in sheets:
            if not s.rows:
                continue
            canonical = detect_table(s, None) is not None
            hint = sx.sheet_hint(s.name, p.stem, len(sheets))
            what, table = ("lain", None) if canonical else sx.classify(hint, s.rows[0])
            if what == "baca":
                tables.append(sx.ExportTable(table, sx.table_from_rows(s.rows, kinds.get(hint)), p, s.name or table))
                n_tables += 1
            elif what == "lewati":
                skipped.append((p, hint))
                n_tables += 1
            elif not canonical and penjabaran.find_penjabaran_header(s.rows) is not None:
                penj.append(s)
            else:
                rest.append(s)
        if penj:
            for s in penj:
                units.append(_penjabaran_unit(p, s, col, ctx))
            jenis[p] = "penjabaran APBDes"
        if n_tables:
            export_paths.append(p)
            jenis[p] = "siskeudes"
            # A workbook of Siskeudes tables: its other sheets (a user table, notes) are skipped too.
            skipped.extend((p, s.name or p.name) for s in rest if detect_table(s, None) is None)
            rest = [s for s in rest if detect_table(s, None) is not None]
        if rest and (penj or n_tables or any(detect_table(s, None) for s in rest)):
            u = _canonical_unit(p, rest, fmt, col, ctx)
            units.append(u)
            jenis.setdefault(p, u.jenis)
        elif not penj and not n_tables:
            others.append((p, rest, fmt))
    if tables or skipped:
        # A file of the export that is no table the kit knows (a user table, a note, a picture) is skipped.
        for p in [p for p, _, _ in others] + [p for p, _ in unreadable]:
            skipped.append((p, p.name))
            export_paths.append(p)
            jenis[p] = "siskeudes (dilewati)"
        units.append(_siskeudes_unit(tables, skipped, export_paths, ctx, saved_mapping, collectors))
    else:
        for p, problems in unreadable:
            for f in problems:
                collectors[p].add(f.get("lembar"), None, None, None, f["aturan"], f["tingkat"], f["pesan"])
            units.append(Unit([p], "tidak terbaca"))
            jenis[p] = "tidak terbaca"
        for p, rest, fmt in others:
            u = _canonical_unit(p, rest, fmt, collectors[p], ctx)
            units.append(u)
            jenis.setdefault(p, u.jenis)
    return collectors, units, sha, jenis


def read_all(
    paths: Sequence[Path], ctx: Context, saved_mapping: pd.DataFrame, max_bytes: int, max_rows: int,
) -> tuple[dict[Path, Collector], list[Unit], dict[Path, str | None], dict[Path, str]]:
    """:func:`_read_units` for every input, with Kemendesa's IDM files (rumusan JSON, yearly list) read here."""
    from .. import history, idm

    collectors: dict[Path, Collector] = {}
    units: list[Unit] = []
    sha: dict[Path, str | None] = {}
    jenis: dict[Path, str] = {}
    rest: list[Path] = []
    rumusan: list[Unit] = []
    try:
        for p in paths:
            if not p.is_file() or p.suffix.lower() == ".zip":  # folders and zipped exports: _read_units
                rest.append(p)
                continue
            if sx.is_columns_file(p) or sx.classify(p.stem)[0] != "lain":  # a table of a Siskeudes export, by name
                rest.append(p)
                continue
            if is_json(p):
                collectors[p] = Collector(p.name)
                rumusan.append(rumusan_unit(p, collectors[p], ctx, max_bytes))
                sha[p], jenis[p] = history.sha256_file(p), "rumusan IDM"
                continue
            sheets, fmt, problems = read_grid(p, max_bytes, max_rows)
            lists = [(s, f) for s in sheets if s.rows for f in [idm.find_list_header(s.rows)] if f is not None]
            if not lists or problems:
                preload(p, (sheets, fmt, problems))
                rest.append(p)
                continue
            col = collectors[p] = Collector(p.name)
            for s, f in lists:
                units.append(idm_list_unit(p, s, f, col, ctx))
            sha[p], jenis[p] = history.sha256_file(p), "daftar IDM resmi"
        units.extend(gather_rumusan(rumusan, collectors))
        if rest:
            c2, u2, s2, j2 = _read_units(rest, ctx, saved_mapping, max_bytes, max_rows)
            collectors.update(c2)
            units.extend(u2)
            sha.update(s2)
            jenis.update(j2)
    finally:
        clear_preloaded()
    return {p: collectors[p] for p in paths if p in collectors}, units, sha, jenis
