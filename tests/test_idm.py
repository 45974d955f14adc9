"""Official IDM files of Kemendesa: the yearly Excel list, the per-desa rumusan JSON, agenda rows.

Fixtures are built here in the real shapes: the list with a title block, undotted
10-digit codes, upper-case statuses and year-suffixed headers; the rumusan as the
IDM service returns it (``mapData.SUMMARIES``, ``mapData.ROW`` with subtotal rows
``IKS 2024`` … ``STATUS IDM 2024`` after each dimension's indicators, ``IDENTITAS``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from p3pd_lib import idm
from p3pd_lib.agenda import AGENDA_COLUMNS
from p3pd_lib.importer import check_files, import_files, read_files
from p3pd_lib.schemas import TABLES
from p3pd_lib.store import Dataset, load_dataset, load_table, save_dataset

KEC = "33.07.03"  # Sapuran, Wonosobo
DESA = ["33.07.03.2001", "33.07.03.2002", "33.07.03.2005"]

# (no, name, score, dimension): 6 IKS, 3 IKE, 2 IKL indicators (a small but real-shaped rumusan)
INDICATORS = [
    (1, "Skor Akses ke Pendidikan Dasar SD/MI < 3 km", 5, "IKS"),
    (2, "Skor Kegiatan PAUD", 2, "IKS"),
    (3, "Skor Tingkat aktifitas posyandu", 1, "IKS"),
    (4, "Skor Tingkat Kepesertaan BPJS", 3, "IKS"),
    (5, "Skor Memiliki kebiasaan gotong royong", 1, "IKS"),
    (6, "Skor Akses ke air minum", 2, "IKS"),
    (7, "Skor Akses ke listrik", 1, "IKE"),
    (8, "Skor Terdapat pasar", 4, "IKE"),
    (9, "Skor Akses Internet", 5, "IKE"),
    (10, "Skor Mayoritas penduduk desa memiliki jamban", 2, "IKL"),
    (11, "Skor Potensi rawan bencana", 4, "IKL"),
]


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rumusan(kode10: str = "3307032005", tahun: int = 2024, scores: dict[int, int] | None = None,
            iks_override: str | None = None, status: str | None = None, wrap: str = "mapData") -> dict:
    """A rumusan response in the service's shape; subtotals computed from the scores unless overridden."""
    scores = scores or {}
    rows, sums = [], {"IKS": [], "IKE": [], "IKL": []}
    cell = 0
    for dim in ("IKS", "IKE", "IKL"):
        for no, name, skor, d in INDICATORS:
            if d != dim:
                continue
            s = scores.get(no, skor)
            sums[dim].append(s)
            cell += 1
            rows.append({"NO": no, "INDIKATOR": name, "SKOR": s, "KETERANGAN": f"Keadaan {no}",
                         "KEGIATAN": f"Kegiatan untuk indikator {no}" if s < 5 else None,
                         "NILAI": "0.0029" if s < 5 else None, "PUSAT": "Kemendesa" if no % 2 else None,
                         "PROV": None, "KAB": "Dinas PMD" if no == 3 else "", "DESA": "Pemdes", "CSR": None,
                         "LAINNYA": None, "ROW_CELL": cell})
        val = sum(sums[dim]) / (5 * len(sums[dim]))
        text = iks_override if dim == "IKS" and iks_override else f"{val:.4f}"
        rows.append({"NO": None, "INDIKATOR": f"{dim} {tahun}", "SKOR": text, "KETERANGAN": None, "KEGIATAN": None,
                     "NILAI": None, "PUSAT": None, "PROV": None, "KAB": None, "DESA": None, "CSR": None,
                     "LAINNYA": None, "ROW_CELL": cell + 1})
    idm_value = sum(sum(v) / (5 * len(v)) for v in sums.values()) / 3
    st = status or idm.parse_rumusan  # placeholder replaced below
    from p3pd_lib.classify import idm_status

    st = status or idm_status([idm_value]).iloc[0].upper()
    rows.append({"NO": None, "INDIKATOR": f"IDM {tahun}", "SKOR": f"{idm_value:.4f}"})
    rows.append({"NO": None, "INDIKATOR": f"STATUS IDM {tahun}", "SKOR": st})
    data = {"SUMMARIES": {"SKOR_SAAT_INI": round(idm_value, 4), "STATUS": st, "TARGET_STATUS": "MAJU",
                          "SKOR_MINIMAL": "0.7073", "PENAMBAHAN": 0.05, "TAHUN": tahun},
            "ROW": rows,
            "IDENTITAS": [{"nama_provinsi": "JAWA TENGAH", "id_prov": "33", "id_kabupaten": "3307",
                           "nama_kab_kota": "WONOSOBO", "id_kecamatan": "330703", "nama_kecamatan": "SAPURAN",
                           "id_desa": kode10, "nama_desa": "SUROJOYO"}]}
    if wrap == "mapData":
        return {"status": 200, "error": False, "mapData": data}
    return {"data": {"idm": data}}  # OpenSID's cached shape


def write_json(path: Path, obj: dict) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def idm_list(path: Path, rows: list[list], tahun: int = 2024) -> Path:
    """The yearly list: title block, blank row, header, data (status upper case, undotted codes)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "IDM 2024"
    ws.append([f"STATUS INDEKS DESA MEMBANGUN (IDM) TAHUN {tahun}"])
    ws.append(["HASIL PEMUTAKHIRAN"])
    ws.append([])
    ws.append(["NO", "PROVINSI", "KABUPATEN", "KECAMATAN", "KODE DESA", "DESA", "IKS 2024", "IKE 2024", "IKL 2024",
               "NILAI IDM 2024", "STATUS IDM 2024", "TARGET STATUS"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


LIST_ROWS = [
    [1, "JAWA TENGAH", "WONOSOBO", "SAPURAN", "3307032001", "BOGORAN", 0.7543, 0.6, 0.5333, 0.6292, "BERKEMBANG",
     "MAJU"],
    [2, "JAWA TENGAH", "WONOSOBO", "SAPURAN", 3307032002, "KARANGSARI", 0.8, 0.7, 0.9, 0.8, "MAJU", "MANDIRI"],
    [3, "JAWA TENGAH", "WONOSOBO", "SAPURAN", "3307039999", "TIDAK ADA", 0.5, 0.5, 0.5, 0.5, "TERTINGGAL",
     "BERKEMBANG"],
]


# --------------------------------------------------------------------------- pure parsing

def test_parse_rumusan_rows_dimensions_and_actors():
    p = idm.parse_rumusan(rumusan())
    assert p.kode_desa == "33.07.03.2005" and p.tahun == 2024 and p.findings == []
    assert list(p.rows["no"]) == [n for n, *_ in INDICATORS]
    assert dict(zip(p.rows["no"], p.rows["dimensi"])) == {n: d for n, _, _, d in INDICATORS}
    r3 = p.rows[p.rows["no"] == 3].iloc[0]
    assert r3["pelaksana"] == "Pusat: Kemendesa; Kabupaten: Dinas PMD; Desa: Pemdes"
    assert r3["skor"] == 1 and r3["nilai"] == pytest.approx(0.0029) and r3["kegiatan"] == "Kegiatan untuk indikator 3"
    assert p.ringkasan["TARGET_STATUS"] == "MAJU"


def test_opensid_cache_shape_is_read_too():
    p = idm.parse_rumusan(rumusan(wrap="opensid"))
    assert len(p.rows) == len(INDICATORS) and p.findings == []


def test_subtotal_disagreements_are_findings_not_rejections():
    p = idm.parse_rumusan(rumusan(iks_override="0.9000", status="MANDIRI"))
    rules = [f["aturan"] for f in p.findings]
    assert "subtotal_berbeda" in rules and "status_berbeda" in rules
    assert all(f["tingkat"] == "peringatan" for f in p.findings)
    assert len(p.rows) == len(INDICATORS)
    iks = [f for f in p.findings if f["aturan"] == "subtotal_berbeda"][0]
    assert "0,9000" in iks["pesan"] and iks["baris"] == 7  # the IKS row follows the six IKS indicators


def test_not_a_rumusan_and_bad_scores():
    assert idm.parse_rumusan({"foo": 1}).findings[0]["aturan"] == "bukan_rumusan_idm"
    p = idm.parse_rumusan(rumusan(scores={2: 7}))
    assert [f["aturan"] for f in p.findings if f["aturan"] == "skor_tidak_sah"] == ["skor_tidak_sah"]
    assert pd.isna(p.rows.loc[p.rows["no"] == 2, "skor"].iloc[0])


def test_absurd_json_numbers_are_findings():
    obj = rumusan()
    rows = obj["mapData"]["ROW"]
    rows[0]["NILAI"] = 1e308
    rows[1]["SKOR"] = float("inf")
    rows.insert(2, {"NO": 1e23, "INDIKATOR": "Skor Palsu", "SKOR": 3})
    p = idm.parse_rumusan(obj)
    rules = {f["aturan"] for f in p.findings}
    assert {"angka_tidak_wajar", "baris_tidak_sah", "skor_tidak_sah"} <= rules
    assert pd.isna(p.rows.loc[p.rows["no"] == 1, "nilai"].iloc[0]) and pd.isna(p.rows.loc[p.rows["no"] == 2, "skor"].iloc[0])
    assert "Skor Palsu" not in set(p.rows["indikator"])


def test_list_header_tolerates_variants():
    assert idm.find_list_header([["x"], ["No", "Kode Desa", "Nama Desa", "IKS", "IKE", "IKL", "IDM"]])[0] == 1
    assert idm.find_list_header([["KODE DESA", "DESA", "IKS", "IKE"]]) is None
    two_rows = [["NO", "KODE DESA/KEL", "DESA", "INDEKS", None, None, "IDM 2023", "STATUS"],
                [None, None, None, "IKS", "IKE", "IKL", None, None]]
    assert idm.find_list_header(two_rows) == (1, {1: "kode_desa", 2: "nama_desa", 3: "iks", 4: "ike", 5: "ikl",
                                                  6: "idm", 7: "status_idm"})


# --------------------------------------------------------------------------- import

def test_import_rumusan_folder_then_load(tmp_path):
    folder = tmp_path / "rumusan"
    folder.mkdir()
    write_json(folder / "3307032005.json", rumusan("3307032005"))
    write_json(folder / "3307032001.json", rumusan("3307032001", scores={3: 4}, iks_override="0.1234"))
    data = tmp_path / "data"
    res = import_files([folder], data)
    assert res.accepted, res.findings
    assert list(res.files["status"]) == ["diterima", "diterima"]
    assert (res.findings["aturan"] == "subtotal_berbeda").sum() >= 1
    t = load_dataset(data).idm_rumusan
    assert len(t) == 2 * len(INDICATORS)
    assert set(t["kode_desa"]) == {"33.07.03.2001", "33.07.03.2005"}
    assert t.loc[(t["kode_desa"] == "33.07.03.2001") & (t["no"] == 3), "skor"].iloc[0] == 4
    assert list(t.dtypes.astype(str)) == [c.dtype for c in TABLES["idm_rumusan"].columns]
    # the same folder again changes nothing, byte for byte
    before = tree_hash(data)
    again = import_files([folder], data)
    assert again.accepted and set(again.changes["tindakan"]) == {"tidak_berubah"}
    assert tree_hash(data) == before


def test_rumusan_with_unknown_desa_is_refused_with_message(tmp_path):
    f = write_json(tmp_path / "x.json", rumusan("3307039999"))
    res = check_files([f], tmp_path / "data")
    assert not res.accepted and "kode_tidak_dikenal" in set(res.findings["aturan"])
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.parquet"))


def test_import_official_list_into_status_desa(tmp_path):
    f = idm_list(tmp_path / "IDM 2024.xlsx", LIST_ROWS)
    data = tmp_path / "data"
    res = import_files([f], data, kabupaten="33.07")
    assert res.accepted, res.findings
    assert res.files["jenis"].iloc[0] == "daftar IDM resmi"
    unknown = res.findings[res.findings["aturan"] == "kode_tidak_dikenal"]
    assert len(unknown) == 1 and unknown["baris"].iloc[0] == 7 and unknown["tingkat"].iloc[0] == "peringatan"
    s = load_dataset(data).status_desa.set_index("kode_desa")
    assert s.loc["33.07.03.2001", "status_idm"] == "Berkembang"
    assert s.loc["33.07.03.2002", "status_idm"] == "Maju"
    assert s.loc["33.07.03.2001", "iks"] == pytest.approx(0.7543)
    assert int(s.loc["33.07.03.2002", "tahun"]) == 2024


def test_official_list_outside_region_is_skipped_and_year_checked(tmp_path):
    rows = LIST_ROWS[:2] + [[4, "ACEH", "ACEH SELATAN", "BAKONGAN", "1101012001", "KEUDE BAKONGAN", 0.5, 0.5, 0.5, 0.5,
                             "TERTINGGAL", "BERKEMBANG"]]
    f = idm_list(tmp_path / "idm.xlsx", rows)
    res = read_files([f], kecamatan=KEC)
    assert res.accepted and len(res.tables["status_desa"]) == 2
    assert "di_luar_wilayah" in set(res.findings["aturan"])
    wrong = check_files([f], tmp_path / "d", tahun=2023)
    assert not wrong.accepted and "tahun_tidak_sesuai" in set(wrong.findings["aturan"])


# --------------------------------------------------------------------------- store and agenda

def test_old_store_without_table_loads_empty(tmp_path):
    w = pd.DataFrame({"kode_desa": [DESA[0]], "nama_desa": ["Bogoran"], "jenis": ["desa"], "kode_kecamatan": [KEC],
                      "nama_kecamatan": ["Sapuran"], "kode_kabupaten": ["33.07"], "nama_kabupaten": ["Wonosobo"],
                      "kode_provinsi": ["33"], "nama_provinsi": ["Jawa Tengah"]})
    save_dataset({"wilayah": w, "layanan": Dataset().layanan, "apbdes": Dataset().apbdes,
                  "status_desa": Dataset().status_desa}, tmp_path)
    assert not (tmp_path / "processed" / "idm_rumusan.parquet").exists()
    d = load_dataset(tmp_path)
    assert d.idm_rumusan.empty and list(d.idm_rumusan.columns) == TABLES["idm_rumusan"].names
    assert load_table("idm_rumusan", tmp_path).empty


def test_agenda_rows_weak_basic_service_indicators():
    rows = idm.parse_rumusan(rumusan()).rows
    w = pd.DataFrame({"kode_desa": ["33.07.03.2005"], "nama_desa": ["Surojoyo"]})
    a = idm.agenda_rows(rows, w, 2024)
    assert list(a.columns) == [*AGENDA_COLUMNS, "sumber", "alasan_sektor"]
    # weak (score <= 2) and in a sector: PAUD (PEND), posyandu (KES), air minum and jamban (AIR);
    # listrik and gotong royong are weak but not basic services
    assert dict(zip(a["indikator"], a["sektor"])) == {"IDM-2": "PEND", "IDM-3": "KES", "IDM-6": "AIR",
                                                     "IDM-10": "AIR"}
    assert set(a["jenis_agenda"]) == {"rekomendasi_idm"} and set(a["sumber"]) == {"Rumusan IDM Kemendesa 2024"}
    assert a.loc[a["indikator"] == "IDM-3", "kesenjangan"].iloc[0] == 4
    assert a["nama_desa"].eq("Surojoyo").all() and a["alasan_sektor"].notna().all()
    assert idm.agenda_rows(rows, w, 2023).empty
    assert len(idm.agenda_rows(rows, w, 2024, skor_maksimum=1)) == 1


def test_agenda_rows_missing_score_is_not_weak():
    rows = idm.parse_rumusan(rumusan()).rows
    rows = rows.assign(skor=rows["skor"].mask(rows["no"] == 3))
    a = idm.agenda_rows(rows, pd.DataFrame({"kode_desa": [], "nama_desa": []}), 2024)
    assert "IDM-3" not in set(a["indikator"])


def test_sector_map_is_checked(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("pola,sektor,alasan\nposyandu,XYZ,karena\n", encoding="utf-8")
    from p3pd_lib.errors import ParameterError

    with pytest.raises(ParameterError, match="XYZ"):
        idm.load_sector_map(bad)
    assert idm.load_sector_map()["alasan"].str.len().gt(10).all()


def test_list_with_two_row_header_and_merged_title_imports(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["DAFTAR STATUS IDM TAHUN 2023"])
    ws.merge_cells("A1:H1")
    ws.append(["NO", "PROVINSI", "KODE DESA", "NAMA DESA", "INDEKS", None, None, "NILAI IDM"])
    ws.append([None, None, None, None, "IKS", "IKE", "IKL", None])
    ws.merge_cells("C2:C3")
    ws.merge_cells("E2:G2")
    ws.append([1, "JAWA TENGAH", "33.07.03.2001", "Bogoran", "0,7543", "0,6", "0,5333", "0,6292"])
    ws.append([2, None, "3307032002", "Karangsari", 0.8, 0.7, 0.9, 0.8])
    ws.merge_cells("B4:B5")  # province merged down the data rows: not a column the import uses
    f = tmp_path / "idm2023.xlsx"
    wb.save(f)
    res = read_files([f])
    assert res.accepted, res.findings
    s = res.tables["status_desa"].set_index("kode_desa")
    assert s.loc["33.07.03.2001", "iks"] == pytest.approx(0.7543) and int(s.loc["33.07.03.2002", "tahun"]) == 2023
    assert s["status_idm"].isna().all()  # no status column in this list: the kit computes its own
    assert "sel_digabung" not in set(res.findings["aturan"])


def test_list_as_csv_with_indonesian_decimals(tmp_path):
    f = tmp_path / "idm_2024.csv"
    f.write_text("DAFTAR IDM TAHUN 2024;;;;;;\n"
                 "NO;KODE_DESA;NAMA_DESA;IKS;IKE;IKL;IDM;STATUS\n"
                 "1;3307032001;Bogoran;0,7543;0,6000;0,5333;0,6292;Berkembang\n"
                 "2;3307032002;Karangsari;0,8;0,7;0,9;0,8;sangat tertinggal\n", encoding="utf-8")
    res = read_files([f])
    assert res.accepted, res.findings
    s = res.tables["status_desa"].set_index("kode_desa")
    assert s.loc["33.07.03.2001", "idm"] == pytest.approx(0.6292)
    assert s.loc["33.07.03.2002", "status_idm"] == "Sangat Tertinggal"


def test_folder_is_one_merge_history_names_each_file_and_repeats_conflict(tmp_path):
    from p3pd_lib.history import raw_manifest, read_history

    folder = tmp_path / "r"
    folder.mkdir()
    write_json(folder / "a.json", rumusan("3307032001"))
    write_json(folder / "b.json", rumusan("3307032005"))
    write_json(folder / "c.json", rumusan("3307032001", scores={1: 4}))  # the same desa-year again, other scores
    data = tmp_path / "data"
    res = import_files([folder], data, write_reports=False)
    assert res.accepted
    conflict = res.findings[res.findings["aturan"] == "konflik_data"]
    assert list(conflict["berkas"]) == ["c.json"]
    hist = read_history(data)
    assert dict(zip(hist["kode_desa"], hist["berkas"])) == {"33.07.03.2001": "a.json", "33.07.03.2005": "b.json"}
    man = raw_manifest(data).set_index("berkas_asli")
    assert set(hist["salinan"]) == {man.loc["a.json", "salinan"], man.loc["b.json", "salinan"]}
    t = load_dataset(data).idm_rumusan
    assert t.loc[(t["kode_desa"] == "33.07.03.2001") & (t["no"] == 1), "skor"].iloc[0] == 5  # the first file's


def test_agenda_rows_plug_into_agenda_terpadu():
    from p3pd_lib.agenda import agenda_terpadu

    rows = idm.parse_rumusan(rumusan()).rows
    w = pd.DataFrame({"kode_desa": ["33.07.03.2005"], "nama_desa": ["Surojoyo"]})
    extra = idm.agenda_rows(rows, w, 2024)
    cl = pd.DataFrame({"kode_desa": ["33.07.03.2005"], "nama_desa": ["Surojoyo"], "tahun": [2024], "sektor": ["KES"],
                       "indikator": ["KES01"], "nama_indikator": ["Stunting"], "nilai": [30.0], "target": [14.0],
                       "sumber_target": ["RPJMN"], "arah": ["lower"], "kelas": ["merah"]})
    out = agenda_terpadu(cl, extra_rows=extra[AGENDA_COLUMNS])
    assert list(out["prioritas"]) == list(range(1, 1 + len(extra) + 1))
    assert out["indikator"].iloc[0] == "KES01"  # service gaps first, then the IDM recommendations
    assert set(out["jenis_agenda"].iloc[1:]) == {"rekomendasi_idm"}
    assert out["sumber_target"].iloc[1:].eq("Rumusan IDM Kemendesa 2024").all()


def test_kecamatan_view_agenda_carries_idm_recommendations(demo_dataset):
    """A desa's weak IDM indicator of a basic-service sector reaches the kecamatan's agenda, with its source."""
    from dataclasses import replace

    from p3pd_lib import analysis

    desa = demo_dataset.wilayah[demo_dataset.wilayah["kode_desa"].str.startswith("33.07.01.2")].iloc[0]["kode_desa"]
    rumusan = pd.DataFrame({
        "kode_desa": [desa, desa], "tahun": [2024, 2024], "no": [1, 2],
        "indikator": ["Skor Tingkat aktifitas posyandu", "Skor Akses ke listrik"], "dimensi": ["IKS", "IKL"],
        "skor": [1, 5], "keterangan": [None, None], "kegiatan": ["Revitalisasi posyandu", "PLTS"],
        "nilai": [0.003, 0.0], "pelaksana": ["Desa: Pemdes", None]})
    ds = replace(demo_dataset, idm_rumusan=rumusan.astype({"tahun": "Int64", "no": "Int64", "skor": "Int64"}))
    agenda = analysis.kecamatan_view(ds, "33.07.01", tahun=2024).agenda
    idm_rows = agenda[agenda["jenis_agenda"] == "rekomendasi_idm"]
    assert idm_rows["kode_desa"].tolist() == [desa]  # the strong indicator (score 5) is not on the agenda
    assert idm_rows["sumber_target"].tolist() == ["Rumusan IDM Kemendesa 2024"]
    assert "Revitalisasi posyandu" in idm_rows["keterangan"].iloc[0]
    without = analysis.kecamatan_view(demo_dataset, "33.07.01", tahun=2024).agenda
    assert len(agenda) == len(without) + 1
