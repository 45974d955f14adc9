"""Tests of p3pd_lib.siskeudes and of importing Siskeudes exports (database tables, Penjabaran APBDes)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from p3pd_lib import penjabaran, siskeudes as sk
from p3pd_lib.history import mapping_path, read_history, read_mapping, write_mapping
from p3pd_lib.importer import check_files, import_files
from p3pd_lib.store import load_dataset


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- codes

@pytest.mark.parametrize("raw, expected", [("02.01.05.", "02.01.05"), ("2.1.5", "02.01.05"), (" 01.03.04 ", "01.03.04"),
                                           ("02.01", None), ("5.1.1.01", None), ("", None), (None, None)])
def test_normalize_kode_kegiatan(raw, expected):
    assert sk.normalize_kode_kegiatan(raw) == expected


def test_identify_tables_by_columns_or_name():
    assert sk.identify_table(["Tahun", "NoBukti", "Kd_Keg", "Rincian", "Debet", "Kredit"]) == "Ta_JurnalUmumRinci"
    assert sk.identify_table(["Tahun", "NoBukti", "Posted"]) == "Ta_JurnalUmum"
    assert sk.identify_table(["KD_DESA", "NAMA_DESA"]) == "Ref_Desa"
    assert sk.identify_table(["a", "b"], name_hint="Ta_Kegiatan") == "Ta_Kegiatan"


# --------------------------------------------------------------------------- database tables (pure)

def _rab(rows):
    return pd.DataFrame(rows, columns=["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran", "AnggaranPAK",
                                       "AnggaranStlhPAK"], dtype=object)


def test_final_budget_after_pak_else_original():
    rab = _rab([["2024", "01.2001.", "01.2001.02.01.05.", "5.2.2.01.", "1.000.000", "0", "1.200.000"],
                ["2024", "01.2001.", "01.2001.02.01.05.", "5.2.2.02.", "500000", "0", ""],
                ["2024", "01.2002.", "01.2002.02.01.05.", "5.2.2.01.", "700000", "0", "0"]])
    lines = sk.budget_lines({"Ta_RAB": rab}).lines
    # 01.2001. had a PAK: its filled AnggaranStlhPAK wins, an empty one falls back to Anggaran;
    # 01.2002. had none (all 0): Anggaran is the final budget.
    assert lines["anggaran"].tolist() == [1_200_000.0, 500_000.0, 700_000.0]


def test_revenue_lines_have_no_kegiatan_and_a_default_source_of_funds():
    rab = _rab([["2024", "01.2001.", "01.2001.00.00.00.", "4.2.1.01.", "900000000", "", ""],
                ["2024", "01.2001.", "01.2001.00.00.00.", "4.2.3.01.", "500000000", "", ""]])
    lines = sk.budget_lines({"Ta_RAB": rab}).lines
    assert lines["kode_kegiatan"].isna().all()
    assert lines["sumber_dana"].tolist() == ["DDS", "ADD"]


def test_realisation_only_from_posted_journals_net_of_corrections():
    rab = _rab([["2024", "01.2001.", "01.2001.02.01.05.", "5.2.2.01.", "1000000", "", ""],
                ["2024", "01.2001.", "01.2001.00.00.00.", "4.2.1.01.", "9000000", "", ""]])
    jr = pd.DataFrame([["2024", "J1", "01.2001.02.01.05.", "5.2.2.01.", "300000", "0"],
                       ["2024", "J1", "01.2001.02.01.05.", "5.2.2.01.", "0", "50000"],  # correction
                       ["2024", "J2", "01.2001.02.01.05.", "5.2.2.01.", "999999", "0"],  # not posted
                       ["2024", "J1", "01.2001.00.00.00.", "4.2.1.01.", "0", "4500000"]],
                      columns=["Tahun", "NoBukti", "Kd_Keg", "Rincian", "Debet", "Kredit"], dtype=object)
    ju = pd.DataFrame([["2024", "J1", "-1"], ["2024", "J2", "0"]], columns=["Tahun", "NoBukti", "Posted"], dtype=object)
    res = sk.budget_lines({"Ta_RAB": rab, "Ta_JurnalUmumRinci": jr, "Ta_JurnalUmum": ju})
    assert res.lines["realisasi"].tolist() == [250_000.0, 4_500_000.0]
    assert res.findings == []


def test_journal_without_posting_status_warns():
    rab = _rab([["2024", "01.2001.", "01.2001.02.01.05.", "5.2.2.01.", "1000000", "", ""]])
    jr = pd.DataFrame([["2024", "J1", "01.2001.02.01.05.", "5.2.2.01.", "300000", "0"]],
                      columns=["Tahun", "NoBukti", "Kd_Keg", "Rincian", "Debet", "Kredit"], dtype=object)
    res = sk.budget_lines({"Ta_RAB": rab, "Ta_JurnalUmumRinci": jr})
    assert [f["aturan"] for f in res.findings] == ["status_posting_tidak_diketahui"]
    assert res.lines["realisasi"].tolist() == [300_000.0]


def test_missing_ta_rab_is_an_error():
    res = sk.budget_lines({"Ta_Kegiatan": pd.DataFrame({"Kd_Keg": [], "Nama_Kegiatan": []})})
    assert res.findings[0]["aturan"] == "tabel_siskeudes_hilang" and res.findings[0]["tingkat"] == "galat"


# --------------------------------------------------------------------------- Penjabaran (pure)

def _penjabaran_grid(subtotal_kegiatan="Rp 10.500.000"):
    return [
        ["PEMERINTAH DESA KALIGOWONG", None, None, None],
        ["KECAMATAN WADASLINTANG KABUPATEN WONOSOBO", None, None, None],
        ["PENJABARAN APBDesa TAHUN ANGGARAN 2025", None, None, None],
        [None, None, None, None],
        ["KODE REKENING", "URAIAN", "ANGGARAN (Rp)", "SUMBER DANA"],
        ["1", "2", "3", "4"],
        ["4", "PENDAPATAN", "1.509.073.000,00", None],
        ["4.2", "Pendapatan Transfer", "1.509.073.000,00", None],
        ["4.2.1.01", "Dana Desa", "Rp 964.073.000", "DDS"],
        ["4.2.3.01", "Alokasi Dana Desa", "545.000.000", "ADD"],
        ["01", "BIDANG PENYELENGGARAAN PEMERINTAHAN DESA", "24.000.000", None],
        ["01.01", "Sub Bidang Siltap", "24.000.000", None],
        ["01.01.01", "Penyediaan Penghasilan Tetap Kepala Desa", "24.000.000", None],
        ["5.1", "Belanja Pegawai", "24.000.000", None],
        ["5.1.1.01. [01.01.01]", "Penghasilan Tetap Kepala Desa", "24.000.000,00", "ADD"],
        [None, "- Siltap Kades 12 bulan x 2.000.000", "24.000.000", None],  # sub-detail: never summed
        ["02", "BIDANG PELAKSANAAN PEMBANGUNAN DESA", "10.500.000", None],
        ["02.02", "Sub Bidang Kesehatan", "10.500.000", None],
        ["02.02.01", "Penyelenggaraan Posyandu", subtotal_kegiatan, None],
        ["5.2.2.01.", "Honor kader", "6.000.000", "DDS"],
        ["5.2.2.02. [02.02.01]", "Makanan tambahan", "4.500.000", "DDS"],
        [None, "JUMLAH BELANJA", "34.500.000", None],
        [None, "SURPLUS / (DEFISIT)", "1.474.573.000", None],
    ]


def test_penjabaran_only_detail_lines_are_kept():
    p = penjabaran.parse_penjabaran(_penjabaran_grid())
    assert p.findings == []
    assert p.identitas == {"tahun": 2025, "desa": "KALIGOWONG", "kecamatan": "WADASLINTANG",
                           "kabupaten": "Kabupaten WONOSOBO"}
    lines = p.lines
    assert lines["kode_rekening"].tolist() == ["4.2.1.01", "4.2.3.01", "5.1.1.01", "5.2.2.01", "5.2.2.02"]
    assert lines["anggaran"].sum() == 964_073_000 + 545_000_000 + 24_000_000 + 10_500_000
    assert lines["kode_kegiatan"].tolist()[2:] == ["01.01.01", "02.02.01", "02.02.01"]
    assert lines["nama_kegiatan"].iloc[3] == "Penyelenggaraan Posyandu"
    assert lines["baris"].tolist() == [9, 10, 15, 20, 21]


def test_penjabaran_subtotal_that_does_not_add_up_is_an_error():
    p = penjabaran.parse_penjabaran(_penjabaran_grid(subtotal_kegiatan="11.000.000"))
    bad = [f for f in p.findings if f["aturan"] == "jumlah_tidak_sesuai"]
    assert len(bad) == 1 and bad[0]["baris"] == 19 and bad[0]["tingkat"] == "galat"
    assert "02.02.01" in bad[0]["pesan"] and "Rp 10.500.000" in bad[0]["pesan"]


def test_penjabaran_without_header_is_an_error():
    p = penjabaran.parse_penjabaran([["a", "b"], ["1", "2"]])
    assert p.findings[0]["aturan"] == "kolom_hilang"


# --------------------------------------------------------------------------- importing files

def _write_xlsx(path: Path, grid) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Penjabaran"
    for row in grid:
        ws.append(row)
    wb.save(path)
    return path


def test_import_penjabaran_excel_finds_desa_and_year_from_the_title(tmp_path):
    src = _write_xlsx(tmp_path / "penjabaran.xlsx", _penjabaran_grid())
    res = import_files([src], tmp_path / "data")
    assert res.accepted, res.findings
    ap = load_dataset(tmp_path / "data").apbdes
    assert set(ap["kode_desa"]) == {"33.07.01.2001"} and set(ap["tahun"]) == {2025}
    assert ap["anggaran"].sum() == 1_543_573_000
    assert ap.loc[ap["kode_rekening"] == "4.2.1.01", "sumber_dana"].tolist() == ["DDS"]


def test_import_penjabaran_errors_name_sheet_row_and_column(tmp_path):
    data = tmp_path / "data"
    src = _write_xlsx(tmp_path / "penjabaran.xlsx", _penjabaran_grid(subtotal_kegiatan="11.000.000"))
    res = import_files([src], data)
    assert not res.accepted and not data.exists()
    f = res.findings.iloc[0]
    assert (f["berkas"], f["lembar"], f["baris"], f["kolom"], f["aturan"]) == (
        "penjabaran.xlsx", "Penjabaran", 19, "ANGGARAN (Rp)", "jumlah_tidak_sesuai")


def test_import_penjabaran_year_mismatch(tmp_path):
    src = _write_xlsx(tmp_path / "penjabaran.xlsx", _penjabaran_grid())
    res = check_files([src], tmp_path / "data", tahun=2024)
    assert "tahun_tidak_sesuai" in set(res.findings["aturan"]) and not res.accepted


def _csv(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


@pytest.fixture
def siskeudes_files(tmp_path) -> list[Path]:
    d = tmp_path / "ekspor"
    d.mkdir()
    return [
        _csv(d / "Ta_RAB.csv", [["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran", "AnggaranPAK",
                                 "AnggaranStlhPAK"],
                                ["2024", "01.2001.", "01.2001.01.01.01.", "5.1.1.01.", "24000000", "0", "0"],
                                ["2024", "01.2001.", "01.2001.02.02.01.", "5.2.2.01.", "10000000", "0", "0"],
                                ["2024", "01.2001.", "01.2001.00.00.00.", "4.2.1.01.", "900000000", "0", "0"],
                                ["2024", "01.2002.", "01.2002.02.01.05.", "5.2.2.01.", "5000000", "0", "0"]]),
        _csv(d / "Ta_Kegiatan.csv", [["Tahun", "Kd_Keg", "ID_Keg", "Nama_Kegiatan", "Sumberdana"],
                                     ["2024", "01.2001.01.01.01.", "01.01.01.", "Siltap Kades", "ADD"],
                                     ["2024", "01.2001.02.02.01.", "02.02.01.", "Posyandu", "DDS"],
                                     ["2024", "01.2002.02.01.05.", "02.01.05.", "PAUD", "DDS"]]),
        _csv(d / "Ref_Desa.csv", [["Kd_Kec", "Kd_Desa", "Nama_Desa"], ["01", "01.2001.", "KALIGOWONG"],
                                  ["01", "01.2002.", "Desa Sumber Sari"]]),
        _csv(d / "Ref_Kecamatan.csv", [["Kd_Kec", "Nama_Kecamatan"], ["01", "Kec. Wadaslintang"]]),
    ]


def test_import_siskeudes_tables_and_mapping_file(tmp_path, siskeudes_files):
    data = tmp_path / "data"
    res = import_files(siskeudes_files, data, kabupaten="33.07")
    assert res.accepted, res.findings
    ap = load_dataset(data).apbdes
    assert sorted(set(ap["kode_desa"])) == ["33.07.01.2001", "33.07.01.2002"]
    assert ap["anggaran"].sum() == 939_000_000
    assert ap.loc[ap["kode_kegiatan"] == "02.02.01", "nama_kegiatan"].tolist() == ["Posyandu"]
    assert ap["realisasi"].isna().all()  # no journals given: not yet known
    m = read_mapping(data)
    assert m[["kd_desa", "kode_desa", "cara"]].values.tolist() == [
        ["01.2001.", "33.07.01.2001", "kode"], ["01.2002.", "33.07.01.2002", "kode"]]  # code and name agree
    hist = read_history(data)
    assert set(hist["jenis_berkas"]) == {"siskeudes"} and len(hist) == 2
    # the second import needs no region: the saved mapping is used, and nothing changes
    before = tree_hash(data)
    res = import_files(siskeudes_files, data)
    assert res.accepted and set(res.changes["tindakan"]) == {"tidak_berubah"}
    assert tree_hash(data) == before


def test_corrected_mapping_is_used_on_the_next_import(tmp_path, siskeudes_files):
    data = tmp_path / "data"
    import_files(siskeudes_files, data, kabupaten="33.07")
    m = read_mapping(data)
    m.loc[m["kd_desa"] == "01.2002.", ["kode_desa", "nama_desa", "cara"]] = ["33.07.01.2003", "Sumberejo", "manual"]
    write_mapping(m, data)
    res = import_files(siskeudes_files, data)
    assert res.accepted
    assert "33.07.01.2003" in set(load_dataset(data).apbdes["kode_desa"])


def test_uncertain_village_goes_to_the_mapping_file_with_candidates(tmp_path, siskeudes_files):
    data = tmp_path / "data"
    _csv(siskeudes_files[2], [["Kd_Kec", "Kd_Desa", "Nama_Desa"], ["01", "01.2001.", "Kaligowong"],
                              ["01", "01.2002.", "Sumbrsr Lama"]])
    res = import_files(siskeudes_files, data, kecamatan="33.07.01")
    # the export is accepted; only the uncertain village waits for the user
    assert res.accepted, res.findings
    assert set(load_dataset(data).apbdes["kode_desa"]) == {"33.07.01.2001"}
    f = res.findings[res.findings["aturan"] == "pemetaan_perlu_diperiksa"].iloc[0]
    assert (f["berkas"], f["lembar"], f["baris"], f["kolom"], f["nilai"], f["tingkat"]) == (
        "Ref_Desa.csv", "Ref_Desa", 3, "Nama_Desa", "Sumbrsr Lama", "peringatan")
    assert "33.07.01.2002 Sumbersari" in f["pesan"]
    m = read_mapping(data).set_index("kd_desa")
    assert m.loc["01.2002.", "cara"] == "periksa" and "33.07.01.2002 Sumbersari" in m.loc["01.2002.", "kandidat"]
    # the user confirms the candidate: the next import adds that village and leaves the other unchanged
    m.loc["01.2002.", "cara"] = "manual"
    write_mapping(m.reset_index(), data)
    res = import_files(siskeudes_files, data)
    assert res.accepted
    assert sorted(set(load_dataset(data).apbdes["kode_desa"])) == ["33.07.01.2001", "33.07.01.2002"]
    assert sorted(set(res.changes["tindakan"])) == ["ditambah", "tidak_berubah"]


def test_siskeudes_without_region_or_mapping_asks_for_it(tmp_path, siskeudes_files):
    res = check_files(siskeudes_files, tmp_path / "data")
    f = res.findings[res.findings["aturan"] == "pemetaan_kd_desa"]
    assert len(f) == 2 and "--kecamatan" in f["pesan"].iloc[0]
    assert not mapping_path(tmp_path / "data").exists()


def test_siskeudes_bad_amount_names_table_row_and_column(tmp_path, siskeudes_files):
    with open(siskeudes_files[0], encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    rows[3][4] = "sembilan ratus juta"
    _csv(siskeudes_files[0], rows)
    res = import_files(siskeudes_files, tmp_path / "data", kabupaten="33.07")
    f = res.findings[res.findings["aturan"] == "bukan_angka"].iloc[0]
    assert (f["berkas"], f["lembar"], f["baris"], f["kolom"], f["nilai"]) == (
        "Ta_RAB.csv", "Ta_RAB", 4, "Anggaran", "sembilan ratus juta")
    assert not res.accepted


def test_import_penjabaran_saved_as_csv_with_semicolons(tmp_path):
    src = _csv(tmp_path / "penjabaran.csv", _penjabaran_grid())
    res = import_files([src], tmp_path / "data", kecamatan="33.07.01")
    assert res.accepted, res.findings
    assert res.files["jenis"].tolist() == ["penjabaran APBDes"]
    assert load_dataset(tmp_path / "data").apbdes["anggaran"].sum() == 1_543_573_000


def test_import_penjabaran_unknown_village_suggests_closest_name(tmp_path):
    grid = _penjabaran_grid()
    grid[0] = ["PEMERINTAH DESA KALIGOWANG", None, None, None]
    res = check_files([_write_xlsx(tmp_path / "p.xlsx", grid)], tmp_path / "data", kecamatan="33.07.01",
                      kode_desa=None)
    assert res.accepted  # a close spelling is matched (tolerant search inside the kecamatan)
    grid[0] = ["PEMERINTAH DESA ANTAH BERANTAH", None, None, None]
    res = check_files([_write_xlsx(tmp_path / "q.xlsx", grid)], tmp_path / "data", kecamatan="33.07.01")
    f = res.findings[res.findings["aturan"] == "kode_tidak_dikenal"]
    assert len(f) == 1 and "Yang paling mirip" in f["pesan"].iloc[0] and not res.accepted


def test_unknown_source_of_funds_warns_once_per_value():
    rab = pd.DataFrame([["2024", "01.2001.", "01.2001.02.01.05.", "5.2.2.01.", "1000", "0", "0", "Hibah X"],
                        ["2024", "01.2001.", "01.2001.02.01.05.", "5.2.2.02.", "2000", "0", "0", "Hibah X"],
                        ["2024", "01.2001.", "01.2001.00.00.00.", "4.2.1.01.", "5000", "0", "0", ""]],
                       columns=["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran", "AnggaranPAK",
                                "AnggaranStlhPAK", "SumberDana"], dtype=object)
    res = sk.budget_lines({"Ta_RAB": rab})
    assert [(f["aturan"], f["baris"], f["nilai"]) for f in res.findings] == [("sumber_dana_tidak_dikenal", 2, "Hibah X")]
    assert res.lines["sumber_dana"].tolist() == [None, None, "DDS"]  # revenue: implied by the account
