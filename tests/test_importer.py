"""Tests of p3pd_lib.importer: templates and canonical files in, strict validation, nothing lost.

Every malformed input is built here, in a temporary folder; the store is a
temporary data dir (never the project's data/). "Unchanged" means the sha256
of every file under the data dir is the same before and after.
"""

from __future__ import annotations

import hashlib
import html
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from p3pd_lib import importer
from p3pd_lib.cli import main
from p3pd_lib.history import read_history, raw_manifest
from p3pd_lib.importer import check_files, import_files, plan_changes
from p3pd_lib.store import load_dataset, save_dataset
from p3pd_lib.template import write_template

KEC = "33.07.01"  # Wadaslintang, Wonosobo: 33.07.01.1007 is a kelurahan, the rest are desa
DESA1, DESA2, KEL = "33.07.01.2001", "33.07.01.2002", "33.07.01.1007"
L_PENDUDUK = "Jumlah penduduk (jiwa)"


def tree_hash(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path → digest)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def blank_template(tmp_path_factory) -> Path:
    return write_template(KEC, 2025, tmp_path_factory.mktemp("tpl") / "templat.xlsx")


def _row_of(ws, kode: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == kode:
            return r
    raise AssertionError(kode)


def _col_of(ws, label: str) -> int:
    for c in range(1, ws.max_column + 1):
        if ws.cell(row=1, column=c).value == label:
            return c
    raise AssertionError(label)


def fill(blank: Path, out: Path, layanan=None, apbdes=None, status=None, edit=None) -> Path:
    """A copy of the blank template with values set by header label (layanan/status: {kode: {label: v}})."""
    wb = load_workbook(blank)
    for sheet, data in (("Layanan", layanan or {}), ("Status Desa", status or {})):
        ws = wb[sheet]
        for kode, values in data.items():
            r = _row_of(ws, kode)
            for label, v in values.items():
                ws.cell(row=r, column=_col_of(ws, label), value=v)
    ws = wb["APBDes"]
    for i, line in enumerate(apbdes or [], start=2):
        for label, v in line.items():
            ws.cell(row=i, column=_col_of(ws, label), value=v)
    if edit:
        edit(wb)
    wb.save(out)
    return out


GOOD_LAYANAN = {
    DESA1: {L_PENDUDUK: 2500, "Jumlah rumah tangga (RT)": 700, "Balita stunting (anak)": 30, "Balita diukur (anak)": 150},
    KEL: {L_PENDUDUK: 8000},
}
GOOD_APBDES = [
    {"Kode desa/kelurahan (Kemendagri)": f"{DESA1} – Kaligowong", "Kode kegiatan (BB.SS.KK)": "02.02.01.",
     "Nama kegiatan": "Posyandu", "Kode rekening": "5.2.2.01.", "Uraian": "Honor kader", "Sumber dana": "DDS",
     "Anggaran akhir (Rp)": 12_000_000, "Realisasi (Rp)": 11_500_000},
    {"Kode desa/kelurahan (Kemendagri)": f"{DESA1} – Kaligowong", "Kode rekening": "4.2.1.01", "Uraian": "Dana Desa",
     "Sumber dana": "DDS", "Anggaran akhir (Rp)": "964.073.000"},
]
GOOD_STATUS = {DESA1: {"IKS (0–1)": 0.6, "IKE (0–1)": 0.5, "IKL (0–1)": 0.7, "IDM (0–1)": 0.6,
                       "Status IDM": "Berkembang"}}


@pytest.fixture(scope="module")
def _base_store(tmp_path_factory, blank_template) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("base")
    src = fill(blank_template, folder / "awal.xlsx", GOOD_LAYANAN, GOOD_APBDES, GOOD_STATUS)
    res = import_files([src], folder / "data")
    assert res.accepted, res.findings
    return folder / "data", src


@pytest.fixture
def store(tmp_path, _base_store) -> Path:
    """A data dir holding one accepted template (so 'unchanged' is checked on a real store)."""
    shutil.copytree(_base_store[0], tmp_path / "data")
    shutil.copy(_base_store[1], tmp_path / "awal.xlsx")
    return tmp_path / "data"


# --------------------------------------------------------------------------- round trip

def test_round_trip_template_values_reach_the_store(store):
    ds = load_dataset(store)
    lay = ds.layanan.set_index("kode_desa")
    assert int(lay.loc[DESA1, "penduduk"]) == 2500 and int(lay.loc[DESA1, "balita_stunting"]) == 30
    assert int(lay.loc[KEL, "penduduk"]) == 8000 and pd.isna(lay.loc[KEL, "rumah_tangga"])  # empty is not zero
    assert len(ds.layanan) == 2  # villages left empty are not reported
    ap = ds.apbdes.sort_values("kode_rekening").reset_index(drop=True)
    assert ap["kode_rekening"].tolist() == ["4.2.1.01", "5.2.2.01"]
    assert ap["anggaran"].tolist() == [964_073_000.0, 12_000_000.0]
    assert ap["kode_kegiatan"].tolist()[1] == "02.02.01" and pd.isna(ap["kode_kegiatan"].iloc[0])
    assert ap["realisasi"].iloc[1] == 11_500_000 and pd.isna(ap["realisasi"].iloc[0])
    assert ds.status_desa["status_idm"].tolist() == ["Berkembang"]
    assert ds.meta.get("simulasi") is False
    assert set(ds.wilayah["kode_kabupaten"]) == {"33.07"}


def test_raw_copy_manifest_and_history(store):
    man = raw_manifest(store)
    assert len(man) == 1
    copy = store / man["salinan"].iloc[0]
    assert copy.exists() and hashlib.sha256(copy.read_bytes()).hexdigest() == man["sha256"].iloc[0]
    hist = read_history(store)
    assert set(hist["tabel"]) == {"layanan", "apbdes", "status_desa"}
    assert set(hist["tindakan"]) == {"ditambah"}
    assert read_history(store, kode_desa=KEL)["tabel"].tolist() == ["layanan"]
    assert len(read_history(store, kode_desa=KEC)) == 4
    assert read_history(store, tabel="apbdes")["baris"].tolist() == [2]


def test_same_file_twice_changes_nothing(store, tmp_path):
    before = tree_hash(store)
    src = tmp_path / "awal.xlsx"
    res = import_files([src], store)
    assert res.accepted
    assert set(res.changes["tindakan"]) == {"tidak_berubah"}
    assert tree_hash(store) == before


def test_conflict_kept_unless_ganti_and_empty_cells_never_erase(store, tmp_path, blank_template):
    newer = fill(blank_template, tmp_path / "baru.xlsx",
                 {DESA1: {L_PENDUDUK: 2600}, DESA2: {L_PENDUDUK: 1800}})
    before = load_dataset(store).layanan
    res = import_files([newer], store)
    assert res.accepted  # a conflict is not an error in the file
    act = dict(zip(res.changes["kode_desa"], res.changes["tindakan"]))
    assert act == {DESA1: "konflik", DESA2: "ditambah"}
    f = res.findings[res.findings["aturan"] == "konflik_data"]
    assert len(f) == 1 and f["tingkat"].iloc[0] == "peringatan" and "--ganti" in f["pesan"].iloc[0]
    lay = load_dataset(store).layanan.set_index("kode_desa")
    assert int(lay.loc[DESA1, "penduduk"]) == 2500 and int(lay.loc[DESA2, "penduduk"]) == 1800
    # with --ganti the newer value wins; the columns it left empty keep the stored values
    res = import_files([newer], store, replace=True)
    act = dict(zip(res.changes["kode_desa"], res.changes["tindakan"]))
    assert act == {DESA1: "diganti", DESA2: "tidak_berubah"}
    lay = load_dataset(store).layanan.set_index("kode_desa")
    assert int(lay.loc[DESA1, "penduduk"]) == 2600 and int(lay.loc[DESA1, "balita_diukur"]) == 150
    assert len(lay) == len(before) + 1
    hist = read_history(store, kode_desa=DESA1, tabel="layanan")
    assert hist["tindakan"].tolist() == ["ditambah", "diganti"]


def test_new_columns_for_a_stored_row_complete_it(store, tmp_path, blank_template):
    more = fill(blank_template, tmp_path / "lengkap.xlsx", {DESA1: {"Bayi sasaran (anak)": 40}})
    res = import_files([more], store)
    assert res.changes.set_index("kode_desa").loc[DESA1, "tindakan"] == "dilengkapi"
    lay = load_dataset(store).layanan.set_index("kode_desa")
    assert int(lay.loc[DESA1, "bayi_sasaran"]) == 40 and int(lay.loc[DESA1, "penduduk"]) == 2500


def test_apbdes_set_replaced_only_with_ganti(store, tmp_path, blank_template):
    lines = [dict(GOOD_APBDES[0], **{"Anggaran akhir (Rp)": 13_000_000})]
    src = fill(blank_template, tmp_path / "apbdes_baru.xlsx", apbdes=lines)
    res = import_files([src], store)
    assert res.changes.query("tabel == 'apbdes'")["tindakan"].tolist() == ["konflik"]
    assert len(load_dataset(store).apbdes) == 2
    import_files([src], store, replace=True)
    ap = load_dataset(store).apbdes
    assert ap["anggaran"].tolist() == [13_000_000.0]  # the whole desa-year set was replaced


def test_dry_run_writes_nothing(store, tmp_path, blank_template):
    before = tree_hash(store)
    src = fill(blank_template, tmp_path / "cek.xlsx", {DESA2: {L_PENDUDUK: 10}})
    res = check_files([src], store)
    assert res.dry_run and res.accepted and res.changes["tindakan"].tolist() == ["ditambah"]
    assert res.files["status"].tolist() == ["diperiksa"]
    assert tree_hash(store) == before


def test_first_import_into_an_empty_folder_creates_the_store(tmp_path, blank_template):
    data = tmp_path / "kosong"
    src = fill(blank_template, tmp_path / "x.xlsx", {DESA2: {L_PENDUDUK: 10}})
    import_files([src], data)
    ds = load_dataset(data)
    assert ds.layanan["kode_desa"].tolist() == [DESA2] and ds.apbdes.empty


def test_demo_store_is_never_mixed_with_real_data(tmp_path, blank_template):
    data = tmp_path / "demo"
    from p3pd_lib.schemas import empty_frame
    save_dataset({t: empty_frame(t) for t in ("wilayah", "layanan", "apbdes", "status_desa")}, data,
                 meta={"simulasi": True})
    before = tree_hash(data)
    src = fill(blank_template, tmp_path / "x.xlsx", {DESA2: {L_PENDUDUK: 10}})
    with pytest.raises(importer.ImportRefused, match="SIMULASI"):
        import_files([src], data)
    assert tree_hash(data) == before


# --------------------------------------------------------------------------- malformed inputs

def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _tpl_edit(blank: Path, out: Path, fn) -> Path:
    return fill(blank, out, edit=fn)


def case_missing_sheet(tmp, blank):
    p = _tpl_edit(blank, tmp / "tanpa_lembar.xlsx", lambda wb: wb.remove(wb["Status Desa"]))
    return p, {"aturan": "lembar_hilang", "lembar": "Status Desa"}


def case_missing_column(tmp, blank):
    p = _csv(tmp / "apbdes.csv", "kode_desa,tahun,kode_kegiatan,kode_rekening,uraian,sumber_dana\n"
                                 f"{DESA1},2025,02.01.05,5.2.2.01,Honor,DDS\n")
    return p, {"aturan": "kolom_hilang", "baris": 1, "kolom": "Anggaran akhir (Rp)"}


def case_merged_header(tmp, blank):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["kode_desa", "tahun", "Jumlah penduduk", None])
    ws.append([DESA1, 2025, 100, 30])
    ws.merge_cells("C1:D1")
    p = tmp / "gabung.xlsx"
    wb.save(p)
    return p, {"aturan": "sel_digabung", "lembar": "Data", "baris": 1, "nilai": "C1:D1"}


def case_text_in_number(tmp, blank):
    p = fill(blank, tmp / "teks.xlsx", {DESA1: {L_PENDUDUK: "banyak"}})
    return p, {"aturan": "bukan_angka", "lembar": "Layanan", "baris": 3, "kolom": L_PENDUDUK, "nilai": "banyak"}


def case_decimal_in_count(tmp, blank):
    p = _csv(tmp / "layanan.csv", f"kode_desa;tahun;penduduk\n{DESA1};2025;1.234,5\n")
    return p, {"aturan": "bukan_bilangan_bulat", "baris": 2, "kolom": "penduduk", "nilai": "1.234,5"}


def case_empty_rows_then_error(tmp, blank):
    p = _csv(tmp / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,100\n,,\n\n{DESA2},2025,-5\n")
    return p, {"aturan": "nilai_negatif", "baris": 5, "kolom": "penduduk", "nilai": "-5"}


def case_duplicate_village(tmp, blank):
    p = _csv(tmp / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,100\n{DESA1},2025,120\n")
    return p, {"aturan": "duplikat", "baris": 3, "kolom": "kode_desa", "nilai": DESA1}


def case_unknown_code(tmp, blank):
    p = _csv(tmp / "layanan.csv", "kode_desa,nama_desa,tahun,penduduk\n33.07.01.2099,Kumejing,2025,100\n")
    return p, {"aturan": "kode_tidak_dikenal", "baris": 2, "kolom": "kode_desa", "nilai": "33.07.01.2099",
               "pesan_memuat": "33.07.01.2009"}


def case_formula(tmp, blank):
    p = fill(blank, tmp / "rumus.xlsx", {DESA1: {L_PENDUDUK: "=1200+34"}})
    return p, {"aturan": "rumus", "lembar": "Layanan", "baris": 3, "kolom": L_PENDUDUK, "nilai": "=1200+34"}


def case_not_excel(tmp, blank):
    p = tmp / "palsu.xlsx"
    p.write_text("ini bukan excel\n", encoding="utf-8")
    return p, {"aturan": "bukan_excel"}


def case_truncated(tmp, blank):
    data = blank.read_bytes()
    p = tmp / "terpotong.xlsx"
    p.write_bytes(data[: len(data) // 2])
    return p, {"aturan": "berkas_rusak"}


def case_legacy_xls(tmp, blank):
    p = tmp / "lama.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    return p, {"aturan": "format_tidak_didukung"}


def case_negative_count(tmp, blank):
    p = fill(blank, tmp / "negatif.xlsx", {DESA1: {"Balita diukur (anak)": -3}})
    return p, {"aturan": "nilai_negatif", "lembar": "Layanan", "baris": 3, "kolom": "Balita diukur (anak)",
               "nilai": "-3"}


def case_numerator_above_denominator(tmp, blank):
    p = fill(blank, tmp / "melebihi.xlsx", {DESA1: {"Balita stunting (anak)": 60, "Balita diukur (anak)": 50}})
    return p, {"aturan": "pembilang_melebihi_penyebut", "lembar": "Layanan", "baris": 3,
               "kolom": "Balita stunting (anak)", "nilai": "60"}


def case_year_mismatch(tmp, blank):
    def edit(wb):
        wb["Layanan"].protection.sheet = False
        wb["Layanan"]["C3"] = 2024
        wb["Layanan"]["D3"] = 100
    p = _tpl_edit(blank, tmp / "tahun.xlsx", edit)
    return p, {"aturan": "tahun_tidak_sesuai", "lembar": "Layanan", "baris": 3, "kolom": "Tahun anggaran",
               "nilai": "2024"}


def case_kelurahan_apbdes(tmp, blank):
    line = dict(GOOD_APBDES[0], **{"Kode desa/kelurahan (Kemendagri)": KEL})
    p = fill(blank, tmp / "kelurahan.xlsx", apbdes=[line])
    return p, {"aturan": "kelurahan_apbdes", "lembar": "APBDes", "baris": 2, "nilai": KEL}


def case_total_row_wrong(tmp, blank):
    p = _csv(tmp / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,100\n{DESA2},2025,50\nJumlah,,160\n")
    return p, {"aturan": "jumlah_tidak_sesuai", "baris": 4, "kolom": "penduduk", "nilai": "160"}


def case_unknown_sumber_dana(tmp, blank):
    line = dict(GOOD_APBDES[0], **{"Sumber dana": "Hibah"})
    p = fill(blank, tmp / "sumber.xlsx", apbdes=[line])
    return p, {"aturan": "nilai_tidak_diizinkan", "lembar": "APBDes", "baris": 2, "kolom": "Sumber dana",
               "nilai": "Hibah"}


def case_no_table(tmp, blank):
    p = _csv(tmp / "acak.csv", "a,b,c\n1,2,3\n")
    return p, {"aturan": "tidak_ada_data"}


def case_too_large(tmp, blank):
    p = _csv(tmp / "besar.csv", "kode_desa,tahun,penduduk\n" + f"{DESA1},2025,100\n" * 40_000)
    return p, {"aturan": "berkas_terlalu_besar", "max_bytes": 200_000}


def case_too_many_rows(tmp, blank):
    p = _csv(tmp / "panjang.csv", "kode_desa,tahun,penduduk\n" + f"{DESA1},2025,100\n" * 5_000)
    return p, {"aturan": "berkas_terlalu_besar", "max_rows": 1_000}


CASES = [case_missing_sheet, case_missing_column, case_merged_header, case_text_in_number, case_decimal_in_count,
         case_empty_rows_then_error, case_duplicate_village, case_unknown_code, case_formula, case_not_excel,
         case_truncated, case_legacy_xls, case_negative_count, case_numerator_above_denominator, case_year_mismatch,
         case_kelurahan_apbdes, case_total_row_wrong, case_unknown_sumber_dana, case_no_table, case_too_large,
         case_too_many_rows]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[5:] for c in CASES])
def test_malformed_input_is_rejected_with_a_precise_message_and_store_unchanged(case, store, tmp_path, blank_template):
    path, exp = case(tmp_path, blank_template)
    limits = {k: exp.pop(k) for k in ("max_bytes", "max_rows") if k in exp}
    pesan_memuat = exp.pop("pesan_memuat", None)
    before, input_before = tree_hash(store), file_hash(path)
    res = import_files([path], store, **limits)
    assert not res.accepted
    assert res.files["status"].tolist() == ["ditolak"]
    assert tree_hash(store) == before, "the store must stay byte-for-byte unchanged"
    assert file_hash(path) == input_before, "the input must never be modified"
    f = res.findings
    hit = f[(f["aturan"] == exp["aturan"]) & (f["tingkat"] == "galat")]
    assert len(hit), f.to_string()
    row = hit.iloc[0]
    assert row["berkas"] == path.name
    for key in ("lembar", "baris", "kolom", "nilai"):
        if key in exp:
            assert row[key] == exp[key], (key, row.to_dict())
    words = ("tidak", "bukan", "harus", "wajib", "melebihi", "kosong", "berkas", "baris", "kolom", "sel", "lembar")
    assert len(row["pesan"]) > 15 and any(w in row["pesan"].lower() for w in words), row["pesan"]
    if pesan_memuat:
        assert pesan_memuat in row["pesan"]
    # the findings report sits next to the input (Excel + HTML)
    xlsx, htm = path.parent / f"{path.name}.temuan.xlsx", path.parent / f"{path.name}.temuan.html"
    assert xlsx.exists() and htm.exists()
    assert html.escape(importer.rule_name(exp["aturan"])) in htm.read_text(encoding="utf-8")  # plain-language rule name
    rep = pd.read_excel(xlsx)
    assert list(rep.columns) == ["Berkas", "Lembar", "Baris", "Kolom", "Nilai", "Aturan", "Tingkat", "Pesan"]
    assert "GALAT" in set(rep["Tingkat"])


def test_indonesian_and_english_number_formats_are_both_read(tmp_path):
    data = tmp_path / "data"
    p = _csv(tmp_path / "apbdes.csv",
             "kode_desa,tahun,kode_kegiatan,kode_rekening,uraian,sumber_dana,anggaran\n"
             f'{DESA1},2025,02.01.05,5.2.2.01,A,DDS,"1.234.567,5"\n'
             f'{DESA1},2025,02.01.05,5.2.2.02,B,DDS,"1,234,567.5"\n'
             f'{DESA1},2025,02.01.05,5.2.2.03,C,DDS,"Rp 1.234"\n')
    res = import_files([p], data)
    assert res.accepted, res.findings
    assert set(res.findings["aturan"]) == {"format_angka_campuran"}
    assert sorted(load_dataset(data).apbdes["anggaran"]) == [1234.0, 1234567.5, 1234567.5]


def test_a_file_with_errors_is_rejected_as_a_whole_other_files_still_import(tmp_path, blank_template):
    data = tmp_path / "data"
    bad = _csv(tmp_path / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,100\n{DESA2},2025,x\n")
    good = fill(blank_template, tmp_path / "ok.xlsx", {DESA2: {L_PENDUDUK: 5}})
    res = import_files([bad, good], data)
    assert not res.accepted
    assert dict(zip(res.files["berkas"], res.files["status"])) == {"layanan.csv": "ditolak", "ok.xlsx": "diterima"}
    lay = load_dataset(data).layanan
    assert lay["kode_desa"].tolist() == [DESA2]  # nothing of the rejected file, not even its valid row
    assert len(raw_manifest(data)) == 1  # only the accepted file is archived


def test_warnings_do_not_block(tmp_path):
    data = tmp_path / "data"
    p = _csv(tmp_path / "layanan.csv", f"kode_desa,nama_desa,tahun,penduduk,kolom_aneh\n{DESA1},Kaligowong,2025,100,x\n"
                                       f"{DESA2},Desa Salah Nama,2025,50,y\n")
    res = import_files([p], data)
    assert res.accepted
    assert set(res.findings["aturan"]) == {"kolom_tidak_dikenal", "nama_desa_berbeda"}
    assert set(res.findings["tingkat"]) == {"peringatan"}


def test_total_row_that_adds_up_is_skipped(tmp_path):
    data = tmp_path / "data"
    p = _csv(tmp_path / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,100\n{DESA2},2025,50\nTOTAL,,150\n")
    res = import_files([p], data)
    assert res.accepted and res.findings["aturan"].tolist() == ["baris_jumlah"]
    assert len(load_dataset(data).layanan) == 2


def test_many_errors_are_capped_per_rule_and_column(tmp_path):
    rows = "".join(f"{DESA1},2025,x{i}\n" for i in range(importer.MAX_SAMA + 30))
    p = _csv(tmp_path / "layanan.csv", "kode_desa,tahun,penduduk\n" + rows)
    res = check_files([p], tmp_path / "data")
    f = res.findings[res.findings["aturan"] == "bukan_angka"]
    assert len(f) == importer.MAX_SAMA + 1 and "30" in f["pesan"].iloc[-1]


def test_plan_changes_does_not_mutate_inputs():
    cur = {"layanan": pd.DataFrame({"kode_desa": [DESA1], "tahun": [2024], "penduduk": [100]})}
    new = {"layanan": pd.DataFrame({"kode_desa": [DESA1, DESA2], "tahun": [2024, 2024], "penduduk": [None, 7]})}
    snap = {k: v.copy() for k, v in {**cur, "n": new["layanan"]}.items()}
    changed, log = plan_changes(cur, new)
    assert log["tindakan"].tolist() == ["tidak_berubah", "ditambah"]
    assert changed["layanan"]["penduduk"].tolist() == [100, 7]
    pd.testing.assert_frame_equal(cur["layanan"], snap["layanan"])
    pd.testing.assert_frame_equal(new["layanan"], snap["n"])


def test_bad_parameters_raise_indonesian_errors(tmp_path):
    from p3pd_lib.errors import ParameterError
    with pytest.raises(ParameterError, match="bukan kode kecamatan"):
        check_files([tmp_path / "x.csv"], tmp_path, kecamatan="33.07")
    with pytest.raises(ParameterError, match="Tahun"):
        check_files([tmp_path / "x.csv"], tmp_path, tahun=1900)
    with pytest.raises(ParameterError, match="Tidak ada berkas"):
        import_files([], tmp_path)


def test_missing_input_file_is_a_finding(tmp_path):
    res = check_files([tmp_path / "tidak_ada.csv"], tmp_path / "data")
    assert res.findings["aturan"].tolist() == ["berkas_tidak_ada"] and not res.accepted


# --------------------------------------------------------------------------- CLI

def test_cli_impor_periksa_riwayat(tmp_path, blank_template, capsys):
    data = tmp_path / "data"
    good = fill(blank_template, tmp_path / "ok.xlsx", {DESA2: {L_PENDUDUK: 5}})
    bad = _csv(tmp_path / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,-1\n")
    assert main(["periksa", str(bad), "--data-dir", str(data)]) == 1
    out = capsys.readouterr().out
    assert "GALAT" in out and "baris 2" in out and "penduduk" in out and not data.exists()
    assert main(["impor", str(good), "--data-dir", str(data)]) == 0
    assert "1 ditambah" in capsys.readouterr().out
    assert main(["riwayat", "--data-dir", str(data), "--desa", DESA2]) == 0
    out = capsys.readouterr().out
    assert "ok.xlsx" in out and "ditambah" in out
    newer = fill(blank_template, tmp_path / "baru.xlsx", {DESA2: {L_PENDUDUK: 6}})
    assert main(["impor", str(newer), "--data-dir", str(data)]) == 0
    assert "1 konflik" in capsys.readouterr().out
    assert main(["impor", str(newer), "--data-dir", str(data), "--ganti"]) == 0
    assert "1 diganti" in capsys.readouterr().out
    assert int(load_dataset(data).layanan["penduduk"].iloc[0]) == 6


def test_cli_template_writes_the_file(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--kecamatan", KEC, "--tahun", "2025", "--output", str(out)]) == 0
    assert out.exists() and "Templat ditulis" in capsys.readouterr().out
    assert main(["template", "--kecamatan", "33.07", "--tahun", "2025", "--output", str(tmp_path / "u.xlsx")]) == 2
    assert "kecamatan" in capsys.readouterr().err


# --------------------------------------------------------------------------- parse only (dashboard upload)

def test_read_files_parses_like_import_and_writes_nothing(tmp_path, blank_template):
    from p3pd_lib.importer import merge_tables, read_files

    src = fill(blank_template, tmp_path / "isi.xlsx", GOOD_LAYANAN, GOOD_APBDES, GOOD_STATUS)
    data = tmp_path / "data"
    assert import_files([src], data, write_reports=False).accepted
    save_dataset({}, data, meta={"simulasi": True})  # now a demo store: import_files would refuse
    before, inputs = tree_hash(data), sorted(p.name for p in tmp_path.iterdir())
    parsed = read_files([src], data)
    assert parsed.accepted and parsed.errors.empty
    assert tree_hash(data) == before and sorted(p.name for p in tmp_path.iterdir()) == inputs
    stored = load_dataset(data)
    assert set(parsed.tables) == {"layanan", "apbdes", "status_desa"}
    for t in parsed.tables:
        pd.testing.assert_frame_equal(parsed.tables[t].reset_index(drop=True), stored.table(t), obj=t)
    # merge_tables: the importer's rules, new values win, wilayah extended from the official list.
    merged, log = merge_tables({}, parsed.tables)
    assert set(merged) == {"wilayah", "layanan", "apbdes", "status_desa", "usulan", "idm_rumusan"}
    assert KEC in set(merged["wilayah"]["kode_kecamatan"]) and log["tindakan"].eq("ditambah").all()
    newer = parsed.tables["layanan"].assign(penduduk=pd.array([9] * len(parsed.tables["layanan"]), dtype="Int64"))
    again, log = merge_tables(merged, {"layanan": newer})
    assert again["layanan"]["penduduk"].eq(9).all() and set(log["tindakan"]) == {"diganti"}
    assert merged["layanan"]["penduduk"].ne(9).all()  # inputs untouched


def test_read_files_rejects_bad_file_with_findings(tmp_path):
    from p3pd_lib.importer import read_files

    bad = _csv(tmp_path / "layanan.csv", f"kode_desa,tahun,penduduk\n{DESA1},2025,-1\n33.07.01.2099,2025,5\n")
    parsed = read_files([bad])
    assert not parsed.accepted and parsed.tables == {}
    assert parsed.files["status"].tolist() == ["ditolak"]
    f = parsed.errors.set_index("kolom")
    assert int(f.loc["penduduk", "baris"]) == 2 and f.loc["penduduk", "nilai"] == "-1"
    assert "tidak ada dalam daftar resmi" in " ".join(parsed.findings["pesan"])
    assert not list(tmp_path.glob("*.temuan.*"))
    with pytest.raises(importer.ParameterError):
        read_files([])


def test_findings_report_labels_every_level(tmp_path):
    findings = pd.DataFrame({"berkas": "x.csv", "lembar": None, "baris": [2, 3, None], "kolom": "kode_desa",
                             "nilai": None, "aturan": ["a", "b", "tabel_dilewati"],
                             "tingkat": ["galat", "peringatan", "info"], "pesan": ["g", "p", "i"]})
    xlsx, htm = importer.write_findings_report(findings, tmp_path / "x.csv")
    shown = pd.read_excel(xlsx, sheet_name="Temuan")
    assert shown["Tingkat"].tolist() == ["GALAT", "Peringatan", "Informasi"]
    page = htm.read_text(encoding="utf-8")
    assert '<tr class="i"><td>x.csv</td>' in page and "<td>Informasi</td>" in page
