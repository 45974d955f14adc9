"""Acceptance tests: a Siskeudes database export in its real shape goes in with one import.

The export is built here the way an mdb-to-CSV dump delivers it (column names as
in Siskeudes 2.0 / Permendagri 20/2018): every table of the database, not only
the budget, a ``.columns`` file beside each table, machine-formatted Currency
values, several postings in ``Ta_Anggaran``, stale summaries, names written
"PEMERINTAH DESA ...", empty journals, a user table; then zipped, as a folder, as
all its files, and as Excel exports of the tables.
"""

from __future__ import annotations

import csv
import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from p3pd_lib.cli import main as cli_main
from p3pd_lib.history import read_mapping
from p3pd_lib.importer import check_files, import_files, read_files
from p3pd_lib.store import load_dataset

# Villages: Kd_Desa, Kd_Kec, Nama_Desa as Siskeudes holds them, and the official code expected.
DESA = [
    ("01.2001.", "01", "PEMERINTAH DESA KALIGOWONG", "33.07.01.2001"),  # code + prefixed name
    ("03.2005.", "03", "Desa Surojoyo", "33.07.03.2005"),  # another kecamatan
    ("01.2002.", "01", "SUMBER SARI", "33.07.01.2002"),  # spelled with a space
    ("01.2099.", "01", "KAMPUNG SUMBEREJO", "33.07.01.2003"),  # local code not official: matched by name
]

# Ta_RABRinci items: (Kd_Desa, Tahun, kegiatan id, Kd_Rincian, SumberDana, Anggaran, AnggaranStlhPAK)
ITEMS = []
for kd, _, _, _ in DESA:
    pak = kd == "03.2005."  # this village revised its budget (PAK)
    for tahun in (["2020", "2024"] if kd == "01.2001." else ["2024"]):
        ITEMS += [
            (kd, tahun, "00.00.00.", "4.2.1.01.", "DDS", 600_000_000, 650_000_000 if pak else 0),
            (kd, tahun, "00.00.00.", "4.2.1.01.", "DDS", 300_000_000, 300_000_000 if pak else 0),
            (kd, tahun, "00.00.00.", "4.2.3.01.", "ADD", 450_000_000, 450_000_000 if pak else 0),
            (kd, tahun, "01.01.01.", "5.1.1.01.", "ADD", 24_000_000, 24_000_000 if pak else 0),
            (kd, tahun, "01.01.01.", "5.1.1.01.", "ADD", 12_000_000, 12_000_000 if pak else 0),
            (kd, tahun, "02.02.01.", "5.2.2.01.", "DDS", 6_000_000, 9_000_000 if pak else 0),
            (kd, tahun, "02.02.01.", "5.2.2.01.", "PAD", 1_500_000, 1_500_000 if pak else 0),
            (kd, tahun, "02.02.01.", "5.2.2.02.", "DDS", 4_500_000, 4_500_000 if pak else 0),
        ]


def expected_totals() -> dict[tuple[str, int], float]:
    """The source's own total per official village and year: line level, after PAK where there was one."""
    official = {kd: code for kd, _, _, code in DESA}
    out: dict[tuple[str, int], float] = {}
    for kd, tahun, _, _, _, ang, stlh in ITEMS:
        pak = any(i[6] for i in ITEMS if i[0] == kd and i[1] == tahun)
        key = (official[kd], int(tahun))
        out[key] = out.get(key, 0.0) + (stlh if pak else ang)
    return out


def _money(x: float) -> str:
    return f"{x:.4f}"  # how mdb-export writes a Currency value


def _write(folder: Path, table: str, header: list[str], rows: list[list[object]], types: dict[str, str]) -> None:
    with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)
    lines = ["Name\tType\tSize"] + [f"{c}\t{types.get(c, 'Text')}\t{8 if types.get(c) == 'Currency' else 50}"
                                    for c in header]
    (folder / f"{table}.columns").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_export(folder: Path) -> Path:
    """Write a whole Siskeudes database dump (one CSV + .columns per table) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    money = {c: "Currency" for c in ("Anggaran", "AnggaranPAK", "AnggaranStlhPAK", "HrgSatuan", "HrgSatuanPAK",
                                     "Debet", "Kredit", "Pagu", "Pagu_PAK", "Jumlah", "Nilai")}
    rinci, rab, anggaran, kegiatan = [], {}, [], {}
    for n, (kd, tahun, keg, rek, sd, ang, stlh) in enumerate(ITEMS):
        kd_keg = kd + keg
        rinci.append([tahun, kd, kd_keg, rek, f"{rek}{n:02d}", n + 1, sd, f"Rincian {n}", "paket", "1.00",
                      _money(ang), _money(ang), "1.00", _money(stlh), _money(stlh), _money(stlh - ang if stlh else 0),
                      ""])
        r = rab.setdefault((tahun, kd, kd_keg, rek), [0.0, 0.0])
        r[0] += ang
        r[1] += stlh
        if keg != "00.00.00.":
            kegiatan[(tahun, kd, kd_keg)] = {"01.01.01.": "Penyediaan Siltap Kepala Desa",
                                             "02.02.01.": "Penyelenggaraan Posyandu"}[keg]
        # posting 1 (APBDes, January): the original budget of every village
        anggaran.append(["1", tahun, f"{rek}{sd}", rek, sd, _money(ang), "0.0000", "0.0000", "B", kd_keg, sd, kd,
                         f"01/15/{tahun[2:]} 00:00:00"])
        if stlh:  # posting 2 (after the PAK, July)
            anggaran.append(["2", tahun, f"{rek}{sd}", rek, sd, _money(ang), _money(stlh - ang), _money(stlh), "B",
                             kd_keg, sd, kd, f"07/01/{tahun[2:]} 00:00:00"])
    # Stale summaries: Ta_RAB of 01.2002. and the latest posting of 01.2099. were not updated.
    rab[("2024", "01.2002.", "01.2002.02.02.01.", "5.2.2.01.")][0] -= 1_500_000
    for row in anggaran:
        if row[11] == "01.2099." and row[3] == "4.2.3.01.":
            row[5] = _money(400_000_000)
    _write(folder, "Ta_RABRinci", ["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "No_Urut", "SumberDana",
                                   "Uraian", "Satuan", "JmlSatuan", "HrgSatuan", "Anggaran", "JmlSatuanPAK",
                                   "HrgSatuanPAK", "AnggaranStlhPAK", "AnggaranPAK", "Kode_SBU"],
           rinci, {**money, "No_Urut": "Long Integer", "JmlSatuan": "Double", "JmlSatuanPAK": "Double"})
    _write(folder, "Ta_RAB", ["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran", "AnggaranPAK", "AnggaranStlhPAK"],
           [[t, kd, kk, rek, _money(a), _money(s - a if s else 0), _money(s)] for (t, kd, kk, rek), (a, s) in rab.items()],
           money)
    _write(folder, "Ta_Anggaran", ["KdPosting", "Tahun", "KURincianSD", "Kd_Rincian", "RincianSD", "Anggaran",
                                   "AnggaranPAK", "AnggaranStlhPAK", "Belanja", "Kd_Keg", "SumberDana", "Kd_Desa",
                                   "TglPosting"], anggaran, {**money, "TglPosting": "DateTime"})
    # Ta_RABSub has the shape of Ta_RAB (amounts per sub-item): it must never be read as the budget.
    _write(folder, "Ta_RABSub", ["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "Nama_SubRinci",
                                 "Anggaran", "AnggaranPAK", "AnggaranStlhPAK"],
           [[t, kd, kk, rek, "01", "Sub", _money(a * 7), "0", "0"] for (t, kd, kk, rek), (a, _s) in rab.items()], money)
    _write(folder, "Ta_Kegiatan", ["Tahun", "Kd_Desa", "Kd_Bid", "Kd_Keg", "ID_Keg", "Nama_Kegiatan", "Pagu",
                                   "Pagu_PAK", "Nm_PPTKD", "NIP_PPTKD", "Lokasi", "Waktu", "Keluaran", "Sumberdana"],
           [[t, kd, kk[len(kd):len(kd) + 3], kk, kk[len(kd):], nama, "0", "0", "", "", "", "", "", "DDS"]
            for (t, kd, kk), nama in kegiatan.items()], money)
    # Empty journals: nothing posted yet.
    _write(folder, "Ta_JurnalUmum", ["Tahun", "KdBuku", "Kd_Desa", "Tanggal", "JnsBukti", "NoBukti", "Keterangan",
                                     "DK", "Debet", "Kredit", "Jenis", "Posted"], [], money)
    _write(folder, "Ta_JurnalUmumRinci", ["Tahun", "NoBukti", "Kd_Keg", "RincianSD", "NoID", "Kd_Desa", "Akun",
                                          "Kd_Rincian", "Sumberdana", "DK", "Debet", "Kredit"], [], money)
    _write(folder, "Ref_Desa", ["Kd_Kec", "Kd_Desa", "Nama_Desa"], [[kk, kd, nama] for kd, kk, nama, _ in DESA], {})
    _write(folder, "Ref_Kecamatan", ["Kd_Kec", "Nama_Kecamatan"], [["01", "WADASLINTANG"], ["03", "SAPURAN"]], {})
    _write(folder, "Ref_Rek4", ["Jenis", "Obyek", "Nama_Obyek", "Peraturan"],
           [["4.2.1.", "4.2.1.01.", "Dana Desa", ""], ["4.2.3.", "4.2.3.01.", "Alokasi Dana Desa", ""],
            ["5.1.1.", "5.1.1.01.", "Penghasilan Tetap Kepala Desa", ""], ["5.2.2.", "5.2.2.01.", "Honorarium", ""],
            ["5.2.2.", "5.2.2.02.", "Makanan dan Minuman", ""]], {})
    _write(folder, "Ta_Pemda", ["Tahun", "Kd_Prov", "Kd_Kab", "Nama_Pemda", "Nama_Provinsi", "Ibukota"],
           [["2024", "33", "07", "PEMERINTAH KABUPATEN WONOSOBO", "JAWA TENGAH", "Wonosobo"]], {})
    # Tables the kit does not need, and a user table.
    _write(folder, "Ta_Desa", ["Tahun", "Kd_Desa", "Nm_Kades", "Jbt_Kades", "Alamat", "Status", "NPWP"],
           [["2024", kd, "Kades", "Kepala Desa", "Jl. Raya", "1", "00.000"] for kd, _, _, _ in DESA], {})
    _write(folder, "Ta_Bidang", ["Tahun", "Kd_Desa", "Kd_Bid", "Nama_Bidang"], [["2024", "01.2001.", "01", "Bidang"]], {})
    _write(folder, "Ta_SPP", ["Tahun", "No_SPP", "Tgl_SPP", "Jn_SPP", "Kd_Desa", "Keterangan", "Jumlah", "Potongan"],
           [["2024", "0001/SPP/2024", "02/01/24 00:00:00", "LS", "01.2001.", "Honor", _money(500_000), "0"]], money)
    _write(folder, "Ta_AnggaranLog", ["KdPosting", "Tahun", "Kd_Desa", "No_Perdes", "TglPosting", "Kunci"],
           [["1", "2024", "01.2001.", "1/2024", "01/15/24 00:00:00", "1"]], {})
    _write(folder, "Ref_Bank_Desa", ["Tahun", "Kd_Desa", "Kd_Rincian", "NoRek_Bank", "Nama_Bank"],
           [["2024", "01.2001.", "1.1.1.01.", "123", "BPD"]], {})
    _write(folder, "Ref_Sumber", ["Kode", "Nama_Sumber", "Urut"], [["DDS", "Dana Desa", "1"]], {})
    (folder / "tblUserAkses.csv").write_text("UserID,Nama,Sandi\nadmin,Admin,xxx\n", encoding="utf-8")
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f"{folder.name}/{f.name}")
    return target


def excel_export(folder: Path, target: Path) -> Path:
    """The same tables exported to Excel (one workbook per table, numbers as numbers, no .columns)."""
    target.mkdir()
    for f in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        wb = Workbook()
        ws = wb.active
        ws.title = f.stem[:31]
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([float(v) if c in ("Anggaran", "AnggaranStlhPAK", "AnggaranPAK") and v else v
                       for c, v in zip(frame.columns, row)])
        wb.save(target / f"{f.stem}.xlsx")
    return target


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def store_totals(data: Path) -> dict[tuple[str, int], float]:
    ap = load_dataset(data).apbdes
    return {(k, int(t)): float(v) for (k, t), v in ap.groupby(["kode_desa", "tahun"])["anggaran"].sum().items()}


@pytest.fixture
def export(tmp_path) -> Path:
    return build_export(tmp_path / "siskeudes_2024")


def _assert_real_export_imported(res, data: Path) -> None:
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    assert store_totals(data) == expected_totals()
    ap = load_dataset(data).apbdes
    assert not ap.duplicated(["kode_desa", "tahun", "kode_kegiatan", "kode_rekening", "sumber_dana", "uraian"]).any()
    assert ap["realisasi"].isna().all()  # empty journals: no realisation recorded (not zero)
    posyandu = ap[(ap["kode_desa"] == "33.07.01.2001") & (ap["kode_kegiatan"] == "02.02.01") & (ap["tahun"] == 2024)]
    assert sorted(posyandu["sumber_dana"]) == ["DDS", "DDS", "PAD"]  # one line per account and source of funds
    assert set(posyandu["nama_kegiatan"]) == {"Penyelenggaraan Posyandu"}
    f = res.findings
    stale = f[f["aturan"] == "ringkasan_anggaran_berbeda"]
    assert set(stale["tingkat"]) == {"peringatan"}
    assert sorted(stale["lembar"].str.extract(r"^(Ta_\w+)")[0]) == ["Ta_Anggaran", "Ta_RAB"]
    rab = stale[stale["lembar"].str.startswith("Ta_RAB")]["pesan"].iloc[0]
    assert "SUMBER SARI (01.2002.)" in rab and "Rp 1.396.500.000" in rab and "Rp 1.398.000.000" in rab and "Rp -1.500.000" in rab
    ang = stale[stale["lembar"].str.startswith("Ta_Anggaran")]["pesan"].iloc[0]
    assert "01.2099." in ang and "Rp -50.000.000" in ang
    info = f[f["tingkat"] == "info"]
    skipped = " ".join(info.loc[info["aturan"] == "tabel_dilewati", "lembar"].astype(str))
    for t in ("Ta_SPP", "Ta_RABSub", "Ta_Desa", "Ref_Bank_Desa", "tblUserAkses"):
        assert t in skipped
    assert "jurnal_kosong" in set(info["aturan"])


def test_export_folder_goes_in_with_one_import_and_no_region(tmp_path, export):
    data = tmp_path / "data"
    res = import_files([export], data)  # the kabupaten comes from Ta_Pemda
    _assert_real_export_imported(res, data)
    m = read_mapping(data).set_index("kd_desa")
    assert m["kode_desa"].to_dict() == {kd: code for kd, _, _, code in DESA}
    assert m.loc["01.2001.", "cara"] == "kode" and m.loc["01.2099.", "cara"] == "otomatis"
    # a second import of the same folder changes nothing, byte for byte
    before = tree_hash(data)
    res = import_files([export], data)
    assert res.accepted and set(res.changes["tindakan"]) == {"tidak_berubah"}
    assert tree_hash(data) == before


def test_export_folder_archived_with_one_manifest_read_and_write(tmp_path, export, monkeypatch):
    from p3pd_lib import history

    reads, writes = [], []
    real, real_place = history.raw_manifest, history.place
    monkeypatch.setattr(history, "raw_manifest", lambda *a, **k: reads.append(1) or real(*a, **k))
    monkeypatch.setattr(history, "place",
                        lambda tmp, target: writes.append(Path(target).name) or real_place(tmp, target))
    data = tmp_path / "data"
    files = sorted(p for p in export.rglob("*") if p.is_file())
    assert len(files) > 10
    res = import_files([export], data, write_reports=False)
    # archive_raw per file would read and rewrite the manifest once per file
    assert res.accepted and len(reads) == 1 and writes.count("manifest.csv") == 1
    manifest = real(data)
    assert sorted(manifest["berkas_asli"]) == sorted(p.name for p in files)
    assert set(manifest["sha256"]) == {history.sha256_file(p) for p in files}


    zipped = zip_folder(export, tmp_path / "siskeudes_2024.zip")
    _assert_real_export_imported(import_files([zipped], tmp_path / "a", write_reports=False), tmp_path / "a")
    files = sorted(export.iterdir())
    _assert_real_export_imported(import_files(files, tmp_path / "b", write_reports=False), tmp_path / "b")
    # the dashboard upload reads the zip the same way, without writing anything
    parsed = read_files([zipped], tmp_path / "c")
    assert parsed.accepted and not (tmp_path / "c").exists()
    assert parsed.tables["apbdes"]["anggaran"].sum() == sum(expected_totals().values())


def test_export_folder_tables_read_once_and_skipped_tables_not_opened(tmp_path, export, monkeypatch):
    from p3pd_lib import siskeudes_export
    from p3pd_lib.importer import units

    grids, texts = [], []
    real_grid, real_text = units.read_grid, siskeudes_export.read_table_text
    monkeypatch.setattr(units, "read_grid", lambda p, *a: grids.append(Path(p).name) or real_grid(p, *a))
    monkeypatch.setattr(siskeudes_export, "read_table_text", lambda raw, *a: texts.append(1) or real_text(raw, *a))
    res = import_files([export], tmp_path / "data", write_reports=False)
    assert res.accepted
    # Tables of the export are parsed once as tables; none is read as a grid of cells (to look for other kinds).
    assert [g for g in grids if g.startswith(("Ta_", "Ref_"))] == []
    needed = [p for p in export.glob("*.csv") if siskeudes_export.classify(p.stem)[0] == "baca"]
    assert len(texts) == len(needed) > 3


def one_workbook(folder):
    """The one-table-per-file Excel export of ``folder`` as the sheets of ONE workbook."""
    book = Workbook()
    book.remove(book.active)
    for f in sorted(folder.glob("*.xlsx")):
        src = load_workbook(f).active
        ws = book.create_sheet(src.title)
        for row in src.iter_rows(values_only=True):
            ws.append(list(row))
    return book


def test_excel_exported_tables(tmp_path, export):
    xlsx = excel_export(export, tmp_path / "excel")
    data = tmp_path / "data"
    _assert_real_export_imported(import_files([xlsx], data, write_reports=False), data)
    # the same tables as the sheets of ONE workbook
    book = one_workbook(xlsx)
    book.save(tmp_path / "siskeudes.xlsx")
    data = tmp_path / "data_satu"
    _assert_real_export_imported(import_files([tmp_path / "siskeudes.xlsx"], data, write_reports=False), data)


def test_cli_impor_accepts_the_folder(tmp_path, export, capsys):
    data = tmp_path / "data"
    assert cli_main(["periksa", str(export), "--data-dir", str(data)]) == 0
    assert not data.exists()  # periksa writes nothing
    assert cli_main(["impor", str(export), "--data-dir", str(data), "--tanpa-laporan"]) == 0
    assert store_totals(data) == expected_totals()
    assert "diterima" in capsys.readouterr().out


def test_unrelated_tables_never_reject_the_export(tmp_path, export):
    (export / "Ta_SPP.csv").write_text("ini bukan csv yang sah\x00\x00", encoding="latin-1")
    (export / "catatan.txt").write_text("dikirim oleh operator desa", encoding="utf-8")
    (export / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(200))  # left by Windows Explorer
    res = check_files([export], tmp_path / "data")
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    skipped = set(res.findings.loc[res.findings["aturan"] == "tabel_dilewati", "lembar"])
    assert {"Ta_SPP", "catatan.txt", "Thumbs.db"} <= skipped


def test_postings_are_not_duplicates_and_the_latest_counts_without_line_level(tmp_path, export):
    for t in ("Ta_RABRinci", "Ta_RAB"):
        (export / f"{t}.csv").unlink()
        (export / f"{t}.columns").unlink()
    res = import_files([export], tmp_path / "data")
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    totals = store_totals(tmp_path / "data")
    expected = expected_totals()
    stale = ("33.07.01.2003", 2024)
    assert totals[stale] == expected[stale] - 50_000_000  # the summary is all there is: imported as posted
    assert {k: v for k, v in totals.items() if k != stale} == {k: v for k, v in expected.items() if k != stale}
    assert "posting_terakhir" in set(res.findings["aturan"])


def test_the_same_export_twice_is_not_counted_twice(tmp_path, export):
    zipped = zip_folder(export, tmp_path / "salinan.zip")
    res = check_files([export, zipped], tmp_path / "data")
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    twice = res.findings[res.findings["aturan"] == "ekspor_ganda"]
    assert set(twice["lembar"]) == {"Ta_RABRinci", "Ta_RAB", "Ta_Anggaran"} and set(twice["berkas"]) == {
        "Ta_RABRinci.csv", "Ta_RAB.csv", "Ta_Anggaran.csv"}
    parsed = read_files([export, zipped], tmp_path / "data")
    assert parsed.tables["apbdes"]["anggaran"].sum() == sum(expected_totals().values())


def test_posted_journals_give_the_realisation(tmp_path, export):
    # Spending 5.2.2.01 of Posyandu in 01.2001. (2024): two posted vouchers (one with a correction) and
    # one not yet posted; each voucher also books the cash side (1.1.1.01), which is no budget account.
    kk = "01.2001.02.02.01."
    ju = [["2024", "JU", "01.2001.", "03/01/24 00:00:00", "JU", nb, "Belanja", "D", "0", "0", "JU", posted]
          for nb, posted in (("0001/JU/2024", "1"), ("0002/JU/2024", "TRUE"), ("0003/JU/2024", "0"))]
    jr = [["2024", "0001/JU/2024", kk, "5.2.2.01.DDS", "1", "01.2001.", "5.", "5.2.2.01.", "DDS", "D",
           _money(2_000_000), "0.0000"],
          ["2024", "0001/JU/2024", kk, "", "2", "01.2001.", "1.", "1.1.1.01.", "DDS", "K", "0.0000", _money(2_000_000)],
          ["2024", "0002/JU/2024", kk, "5.2.2.01.DDS", "1", "01.2001.", "5.", "5.2.2.01.", "DDS", "D",
           _money(1_000_000), "0.0000"],
          ["2024", "0002/JU/2024", kk, "5.2.2.01.DDS", "2", "01.2001.", "5.", "5.2.2.01.", "DDS", "K",
           "0.0000", _money(250_000)],  # correction
          ["2024", "0003/JU/2024", kk, "5.2.2.01.DDS", "1", "01.2001.", "5.", "5.2.2.01.", "DDS", "D",
           _money(9_999_999), "0.0000"]]  # not posted
    money = {"Debet": "Currency", "Kredit": "Currency"}
    _write(export, "Ta_JurnalUmum", ["Tahun", "KdBuku", "Kd_Desa", "Tanggal", "JnsBukti", "NoBukti", "Keterangan",
                                     "DK", "Debet", "Kredit", "Jenis", "Posted"], ju, money)
    _write(export, "Ta_JurnalUmumRinci", ["Tahun", "NoBukti", "Kd_Keg", "RincianSD", "NoID", "Kd_Desa", "Akun",
                                          "Kd_Rincian", "Sumberdana", "DK", "Debet", "Kredit"], jr, money)
    data = tmp_path / "data"
    res = import_files([export], data, write_reports=False)
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    ap = load_dataset(data).apbdes
    line = ap[(ap["kode_desa"] == "33.07.01.2001") & (ap["tahun"] == 2024) & (ap["kode_rekening"] == "5.2.2.01")]
    # 2.000.000 + 1.000.000 − 250.000 posted, shared over the DDS and PAD lines of the account by their budget
    assert line["realisasi"].sum() == pytest.approx(2_750_000)
    assert ap.loc[ap["kode_rekening"] != "5.2.2.01", "realisasi"].fillna(0).eq(0).all()


def test_dashboard_upload_takes_the_zip(tmp_path, export):
    from p3pd_lib.dashboard import read_upload

    zipped = zip_folder(export, tmp_path / "ekspor.zip")
    parsed = read_upload([("ekspor.zip", zipped.read_bytes())])
    assert parsed.accepted
    assert parsed.tables["apbdes"]["anggaran"].sum() == sum(expected_totals().values())


def test_a_kabupaten_database_imported_for_one_kecamatan(tmp_path, export):
    data = tmp_path / "data"
    res = import_files([export], data, kecamatan="33.07.03", write_reports=False)
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    assert store_totals(data) == {k: v for k, v in expected_totals().items() if k[0].startswith("33.07.03.")}
    assert "desa_di_luar_kecamatan" in set(res.findings["aturan"])


def test_zipped_excel_export(tmp_path, export):
    xlsx = excel_export(export, tmp_path / "excel")
    zipped = zip_folder(xlsx, tmp_path / "excel.zip")
    data = tmp_path / "data"
    _assert_real_export_imported(import_files([zipped], data, write_reports=False), data)


def test_hidden_sheet_of_a_zipped_workbook_is_reported_not_read(tmp_path, export):
    # One workbook of all tables, zipped; its journal sheet is hidden and holds a posted spending line.
    xlsx = excel_export(export, tmp_path / "excel")
    book = one_workbook(xlsx)
    hidden = book["Ta_JurnalUmumRinci"]
    hidden.append(["2024", "0001/JU/2024", "01.2001.02.02.01.", "5.2.2.01.DDS", "1", "01.2001.", "5.", "5.2.2.01.",
                   "DDS", "D", 2_000_000.0, 0.0, "1"])
    hidden.sheet_state = "hidden"
    folder = tmp_path / "satu"
    folder.mkdir()
    book.save(folder / "siskeudes.xlsx")
    zipped = zip_folder(folder, tmp_path / "satu.zip")
    data = tmp_path / "data"
    res = import_files([zipped], data, write_reports=False)
    assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].to_dict("records")
    assert store_totals(data) == expected_totals()
    assert load_dataset(data).apbdes["realisasi"].isna().all()  # the hidden journal line was not read
    warned = res.findings[res.findings["aturan"] == "lembar_tersembunyi"]
    assert list(warned["tingkat"]) == ["peringatan"]
    assert "Ta_JurnalUmumRinci" in warned["lembar"].iloc[0] and "TIDAK dibaca" in warned["pesan"].iloc[0]


# --------------------------------------------------------------------------- zipped exports out of proportion

def _bomb_rows(n_blocks: int):
    block = b"01.2001.;2024;0\n" * 50_000  # 800 KB that deflate packs ~1000 times
    return (block for _ in range(n_blocks))


def test_zipped_export_out_of_proportion_refused_before_expansion(tmp_path, monkeypatch):
    bomb = tmp_path / "ekspor.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(3):  # each member under the per-member limit of 10 MB, together ~29 MB from ~30 KB
            with zf.open(f"Ta_RAB{i}.csv", "w") as fh:
                fh.write(b"Tahun;Kd_Desa;Anggaran\n")
                for chunk in _bomb_rows(12):
                    fh.write(chunk)
    assert bomb.stat().st_size < 200_000

    def must_not_open(*a, **k):
        raise AssertionError("no member of the archive may be expanded")

    monkeypatch.setattr(zipfile.ZipFile, "open", must_not_open)
    res = read_files([bomb])
    assert not res.accepted
    hit = res.findings[res.findings["aturan"] == "berkas_tidak_wajar"]
    assert len(hit) == 1 and hit["tingkat"].iloc[0] == "galat"
    assert hit["pesan"].iloc[0].startswith("Arsip .zip ini dimampatkan secara tidak wajar")


def test_workbook_bomb_inside_a_zipped_export_refused_unopened(tmp_path, monkeypatch):
    import openpyxl

    book = Workbook()
    book.active.title = "Ta_RAB"
    book.active.append(["Tahun", "Kd_Desa", "Anggaran"])
    book.save(tmp_path / "ok.xlsx")
    inner = tmp_path / "Ta_RAB.xlsx"
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as zin, zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED,
                                                                       compresslevel=9) as zout:
        for item in zin.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(item, zin.read(item.filename))
        with zout.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(60):
                fh.write(b"<row/>" * 100_000)  # 36 MB of XML in a few KB
    zipped = tmp_path / "ekspor.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(inner, "Ta_RAB.xlsx")  # the outer archive itself is in proportion

    def must_not_open(*a, **k):
        raise AssertionError("the workbook must not be expanded")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    res = check_files([zipped], tmp_path / "data")
    hit = res.findings[res.findings["aturan"] == "berkas_tidak_wajar"]
    assert not res.accepted and len(hit) == 1 and hit["lembar"].iloc[0] == "Ta_RAB.xlsx"
    assert hit["pesan"].iloc[0].startswith("Berkas Excel ini dimampatkan secara tidak wajar")
