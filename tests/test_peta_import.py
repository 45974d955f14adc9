"""`p3pd peta impor`: boundary files of every format in, matched, stored; bad files refused with nothing stored.

The fixtures are built here with geopandas: a grid of square desa (≈ 1 km) for the real desa of
Kecamatan Kalikajar (33.07.07, Wonosobo), with BIG-style columns, written in the CRS and format
each test needs.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from p3pd_lib import wilayah
from p3pd_lib.cli import main
from p3pd_lib.peta import import_boundaries, read_boundaries, read_mapping
from p3pd_lib.peta.storage import mapping_path

KEC = "33.07.07"
LON, LAT, STEP = 109.90, -7.35, 0.01


def _desa() -> pd.DataFrame:
    w = wilayah.wilayah_table("33")
    return w[w["kode_kecamatan"] == KEC].reset_index(drop=True)


def big_layer(columns: tuple[str, ...] = ("KDEPUM", "WADMKD", "WADMKC", "WADMKK")) -> gpd.GeoDataFrame:
    """Square desa on a grid in WGS84 with BIG RBI-style columns."""
    d = _desa()
    side = int(np.ceil(np.sqrt(len(d))))
    boxes = [shapely.box(LON + (i % side) * STEP, LAT - (i // side) * STEP, LON + (i % side + 1) * STEP,
                         LAT - (i // side - 1) * STEP) for i in range(len(d))]
    full = {"KDEPUM": d["kode_desa"], "WADMKD": d["nama_desa"], "WADMKC": d["nama_kecamatan"],
            "WADMKK": d["nama_kabupaten"]}
    return gpd.GeoDataFrame({c: full[c] for c in columns}, geometry=boxes, crs="EPSG:4326")


def tree_hash(folder: Path) -> str:
    """One hash over every file (path and bytes) under ``folder``."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "processed").mkdir(parents=True)
    (folder / "processed" / "catatan.txt").write_text("ada isi lama\n")
    return folder


def _stored_codes(data_dir: Path) -> list[str]:
    return sorted(read_boundaries("desa", data_dir)["kode"])


# --- formats and CRS ------------------------------------------------------------------------------


def test_unzipped_shapefile_in_utm49s_is_reprojected_stored_and_archived(tmp_path, data_dir):
    layer = big_layer()
    shp = tmp_path / "batas" / "ADMINISTRASIDESA_AR.shp"
    shp.parent.mkdir()
    layer.to_crs("EPSG:32749").to_file(shp)
    res = import_boundaries(shp, data_dir)
    assert res.accepted and res.n_tersimpan == len(layer) and res.n_perlu_dicek == 0
    stored = read_boundaries("desa", data_dir)
    assert stored.crs.to_epsg() == 4326
    assert sorted(stored["kode"]) == sorted(layer["KDEPUM"])
    assert (stored["cara_cocok"] == "kode").all() and not stored["simulasi"].any()
    back = stored.set_index("kode").geometry
    original = layer.set_index("KDEPUM").geometry
    # Back in WGS84, each desa lies where it was drawn (≈ 1 m, after the 5 m simplification at most 1e-4°).
    assert max(back[k].hausdorff_distance(original[k]) for k in original.index) < 1e-4
    assert set(stored["berkas_sumber"]) == {shp.name}
    assert set(stored["sha256_sumber"]) == {hashlib.sha256(shp.read_bytes()).hexdigest()}
    assert stored["tanggal_impor"].str.match(r"^\d{4}-\d\d-\d\dT").all()
    archived = {p.name.split("_", 1)[1]: p.read_bytes() for p in (data_dir / "raw").glob("*_ADMIN*")}
    for ext in (".shp", ".shx", ".dbf", ".prj"):
        assert archived[shp.stem + ext] == shp.with_suffix(ext).read_bytes(), ext


def test_zipped_shapefile_in_dgn95_tm3(tmp_path, data_dir):
    folder = tmp_path / "shp"
    folder.mkdir()
    big_layer().to_crs("EPSG:23835").to_file(folder / "desa.shp")  # DGN95 / Indonesia TM-3 zone 49.1
    zpath = tmp_path / "batas_desa_wonosobo.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"RBI/{p.name}")
    res = import_boundaries(zpath, data_dir)
    assert res.accepted, res.findings
    assert _stored_codes(data_dir) == sorted(big_layer()["KDEPUM"])
    assert list((data_dir / "raw").glob("*_batas_desa_wonosobo.zip"))[0].read_bytes() == zpath.read_bytes()
    b = read_boundaries("desa", data_dir).total_bounds
    assert abs(b[0] - LON) < 1e-4 and abs(b[3] - (LAT + STEP)) < 1e-4


def test_geopackage_matched_by_names_writes_the_mapping_file(tmp_path, data_dir):
    gpkg = tmp_path / "desa.gpkg"
    layer = big_layer(("WADMKD", "WADMKC", "WADMKK"))
    layer.loc[0, "WADMKD"] = "DESA " + layer.loc[0, "WADMKD"].upper()  # prefix and case as often written
    layer.to_file(gpkg, layer="desa_ar")
    res = import_boundaries(gpkg, data_dir)
    assert res.accepted and res.n_tersimpan == len(layer), res.findings
    assert _stored_codes(data_dir) == sorted(_desa()["kode_desa"])
    mapping = read_mapping(data_dir)
    assert set(mapping["cara"]) == {"otomatis"} and len(mapping) == len(layer)
    row = mapping[mapping["nama_sumber"] == layer.loc[0, "WADMKD"]].iloc[0]
    assert row["kode"] == _desa().loc[0, "kode_desa"]


def test_geojson_with_undotted_kemendagri_codes(tmp_path, data_dir):
    layer = big_layer(("KDEPUM", "WADMKD")).rename(columns={"KDEPUM": "KODE_DESA"})
    layer["KODE_DESA"] = layer["KODE_DESA"].str.replace(".", "", regex=False)  # 3307072001
    path = tmp_path / "desa.geojson"
    layer.to_file(path, driver="GeoJSON")
    res = import_boundaries(path, data_dir)
    assert res.accepted and res.n_tersimpan == len(layer)
    assert _stored_codes(data_dir) == sorted(_desa()["kode_desa"])


def test_bps_codes_are_never_sliced_into_kemendagri_codes(tmp_path, data_dir):
    layer = big_layer(("WADMKD", "WADMKC", "WADMKK"))
    # A BPS column whose digits, sliced the Kemendagri way, would give ANOTHER official desa.
    other = _desa()["kode_desa"].str.replace(".", "", regex=False).tolist()
    layer["KDEBPS"] = other[1:] + other[:1]
    path = tmp_path / "desa_bps.gpkg"
    layer.to_file(path)
    res = import_boundaries(path, data_dir)
    assert res.accepted
    assert "kode_bps" in set(res.findings["aturan"])
    stored = read_boundaries("desa", data_dir).set_index("kode")
    assert (stored["cara_cocok"] == "otomatis").all()
    names = dict(zip(_desa()["kode_desa"], _desa()["nama_desa"]))
    assert all(stored.at[k, "nama"] == names[k] for k in stored.index)


def test_kecamatan_polygons_are_stored_as_kecamatan(tmp_path, data_dir):
    kec = gpd.GeoDataFrame({"KDCPUM": ["33.07.07", "33.07.08"], "WADMKC": ["Kalikajar", "Kertek"]},
                           geometry=[shapely.box(109.9, -7.4, 110.0, -7.3), shapely.box(110.0, -7.4, 110.1, -7.3)],
                           crs="EPSG:4326")
    path = tmp_path / "kec.geojson"
    kec.to_file(path, driver="GeoJSON")
    res = import_boundaries(path, data_dir)
    assert res.accepted and res.tingkat == "kecamatan"
    assert sorted(read_boundaries("kecamatan", data_dir)["kode"]) == ["33.07.07", "33.07.08"]


# --- matching: unmatched, ambiguous, corrections ---------------------------------------------------


def test_unmatched_and_ambiguous_features_go_to_the_mapping_file_and_corrections_are_used(tmp_path, data_dir):
    layer = big_layer(("WADMKD", "WADMKC", "WADMKK"))
    names = _desa()["nama_desa"].tolist()
    layer.loc[0, "WADMKD"] = "Qwertyuiop"                 # matches nothing
    layer.loc[2, "WADMKD"] = names[1]                     # two features named like desa no. 1: ambiguous
    path = tmp_path / "desa.gpkg"
    layer.to_file(path)
    res = import_boundaries(path, data_dir)
    assert res.accepted and res.n_perlu_dicek == 3
    warn = res.findings[res.findings["aturan"] == "tidak_cocok"]
    assert sorted(warn["fitur"].tolist()) == [1, 2, 3] and set(warn["kolom"]) == {"WADMKD"}
    assert "Qwertyuiop" in set(warn["nilai"])
    stored = _stored_codes(data_dir)
    assert len(stored) == len(layer) - 3
    mapping = pd.read_csv(mapping_path(data_dir), dtype="string", keep_default_na=False)
    todo = mapping[mapping["cara"] == "perlu_dicek"]
    assert len(todo) == 3 and (todo["kode"] == "").all()
    twin = todo[todo["nama_sumber"] == names[1]]
    assert twin["kandidat"].str.contains(_desa().loc[1, "kode_desa"], regex=False).all()
    # The user fills in the right codes (as in Excel) and imports the same file again.
    fixed = {"Qwertyuiop": _desa().loc[0, "kode_desa"]}
    mapping.loc[mapping["nama_sumber"] == "Qwertyuiop", ["kode", "cara"]] = [fixed["Qwertyuiop"], "manual"]
    mapping.to_csv(mapping_path(data_dir), index=False)
    again = import_boundaries(path, data_dir)
    assert again.accepted and again.n_perlu_dicek == 2
    assert fixed["Qwertyuiop"] in _stored_codes(data_dir)
    assert read_boundaries("desa", data_dir).set_index("kode").at[fixed["Qwertyuiop"], "cara_cocok"] == "manual"


def test_a_wrong_code_in_the_mapping_file_is_a_clear_error(tmp_path, data_dir):
    layer = big_layer(("WADMKD", "WADMKC", "WADMKK"))
    layer.loc[0, "WADMKD"] = "Qwertyuiop"
    path = tmp_path / "desa.gpkg"
    layer.to_file(path)
    import_boundaries(path, data_dir)
    mapping = pd.read_csv(mapping_path(data_dir), dtype="string", keep_default_na=False)
    mapping.loc[mapping["nama_sumber"] == "Qwertyuiop", ["kode", "cara"]] = ["33.07.99.2001", "manual"]
    mapping.to_csv(mapping_path(data_dir), index=False)
    before = tree_hash(data_dir)
    res = import_boundaries(path, data_dir)
    assert not res.accepted
    bad = res.findings[res.findings["aturan"] == "pemetaan_tidak_sah"].iloc[0]
    assert bad["nilai"] == "33.07.99.2001" and "pemetaan_batas.csv" in bad["pesan"] and bad["fitur"] == 1
    assert tree_hash(data_dir) == before


def test_invalid_rings_are_repaired_and_reported(tmp_path, data_dir):
    layer = big_layer()
    x0, y0 = LON, LAT
    layer.loc[0, "geometry"] = shapely.Polygon([(x0, y0), (x0 + STEP, y0 + STEP), (x0 + STEP, y0), (x0, y0 + STEP)])  # bow-tie
    assert not layer.geometry.iloc[0].is_valid
    path = tmp_path / "desa.gpkg"
    layer.to_file(path)
    res = import_boundaries(path, data_dir)
    assert res.accepted
    fixed = res.findings[res.findings["aturan"] == "geometri_diperbaiki"]
    assert fixed["fitur"].tolist() == [1] and "Self-intersection" in fixed["pesan"].iloc[0]
    assert read_boundaries("desa", data_dir).is_valid.all()


# --- bad input: refused, nothing stored -------------------------------------------------------------


def _points_file(tmp_path: Path) -> Path:
    p = tmp_path / "titik_desa.geojson"
    gpd.GeoDataFrame({"WADMKD": ["A"]}, geometry=[shapely.Point(110, -7)], crs="EPSG:4326").to_file(p, driver="GeoJSON")
    return p


def _csv_file(tmp_path: Path) -> Path:
    p = tmp_path / "daftar_desa.geojson"
    p.write_text("kode_desa,nama_desa\n33.07.07.2001,Kalikajar\n")
    return p


def _table_file(tmp_path: Path) -> Path:
    p = tmp_path / "daftar_desa.xlsx"
    p.write_bytes(b"PK\x03\x04")
    return p


def _outside(tmp_path: Path) -> Path:
    layer = big_layer()
    layer.loc[3, "geometry"] = shapely.affinity.translate(layer.geometry.iloc[3], xoff=-100)  # in the Atlantic
    p = tmp_path / "desa.gpkg"
    layer.to_file(p)
    return p


def _swapped_axes(tmp_path: Path) -> Path:
    layer = big_layer()
    swapped = layer.set_geometry(shapely.transform(layer.geometry.values, lambda xy: xy[:, ::-1]))
    p = tmp_path / "desa_tertukar.gpkg"
    swapped.to_file(p)
    return p


def _duplicate(tmp_path: Path) -> Path:
    layer = big_layer()
    layer.loc[5, "KDEPUM"] = layer.loc[4, "KDEPUM"].replace(".", "")  # the same code, written undotted
    p = tmp_path / "desa.gpkg"
    layer.to_file(p)
    return p


def _no_prj(tmp_path: Path) -> Path:
    shp = tmp_path / "desa.shp"
    big_layer().to_crs("EPSG:32749").to_file(shp)
    shp.with_suffix(".prj").unlink()
    return shp


def _no_columns(tmp_path: Path) -> Path:
    layer = big_layer(("KDEPUM",)).rename(columns={"KDEPUM": "OBJECTID"})
    layer["OBJECTID"] = np.arange(len(layer))
    p = tmp_path / "poligon.gpkg"
    layer.to_file(p)
    return p


BAD = [
    (_points_file, "bukan_poligon", None, "Point"),
    (_csv_file, "bukan_berkas_batas", None, None),
    (_table_file, "bukan_berkas_batas", None, ".xlsx"),
    (_outside, "di_luar_indonesia", 4, None),
    (_swapped_axes, "di_luar_indonesia", 1, None),
    (_duplicate, "kode_ganda", 6, None),
    (_no_prj, "crs_tidak_ada", None, ".prj"),
    (_no_columns, "tanpa_kode_nama", None, "OBJECTID"),
]


@pytest.mark.parametrize("make, aturan, fitur, fragment", BAD, ids=[b[1] + "-" + b[0].__name__ for b in BAD])
def test_bad_input_is_refused_with_a_clear_finding_and_nothing_is_stored(tmp_path, data_dir, make, aturan, fitur,
                                                                          fragment):
    path = make(tmp_path)
    before = tree_hash(data_dir)
    res = import_boundaries(path, data_dir)
    assert not res.accepted
    galat = res.findings[res.findings["tingkat"] == "galat"]
    assert aturan in set(galat["aturan"]), galat
    row = galat[galat["aturan"] == aturan].iloc[0]
    assert path.name in row["berkas"] and path.name in res.summary_text()
    if fitur is not None:
        assert row["fitur"] == fitur and str(fitur) in row["pesan"]
    if fragment is not None:
        assert fragment in row["pesan"]
    if aturan == "kode_ganda":
        assert row["kolom"] == "KDEPUM" and row["nilai"] == big_layer().loc[4, "KDEPUM"]
    assert tree_hash(data_dir) == before, "tidak boleh ada yang tersimpan"
    assert "DITOLAK" in res.summary_text()


def test_check_only_writes_nothing(tmp_path, data_dir):
    path = tmp_path / "desa.gpkg"
    big_layer().to_file(path)
    before = tree_hash(data_dir)
    res = import_boundaries(path, data_dir, dry_run=True)
    assert res.accepted and res.n_tersimpan == len(big_layer()) and res.stored is None
    assert tree_hash(data_dir) == before


def test_kabupaten_option_leaves_out_features_of_other_kabupaten(tmp_path, data_dir):
    layer = big_layer()
    layer.loc[0, "KDEPUM"] = "33.08.01.2001"
    path = tmp_path / "desa.gpkg"
    layer.to_file(path)
    res = import_boundaries(path, data_dir, kabupaten="33.07")
    assert res.accepted and "di_luar_kabupaten" in set(res.findings["aturan"])
    assert "33.08.01.2001" not in _stored_codes(data_dir) and len(_stored_codes(data_dir)) == len(layer) - 1


# --- the command -------------------------------------------------------------------------------------


def test_cli_imports_and_refuses_in_indonesian(tmp_path, data_dir, capsys):
    path = tmp_path / "desa.gpkg"
    big_layer().to_file(path)
    assert main(["peta", "impor", str(path), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"{len(big_layer())} cocok dengan kode resmi" in out and "batas_desa.parquet" in out
    bad = _no_prj(tmp_path)
    assert main(["peta", "periksa", str(bad), "--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "GALAT" in out and "desa.shp" in out and "sistem koordinat" in out and "Traceback" not in out


def test_big_kecamatan_layer_with_namobj_is_read_as_kecamatan(tmp_path, data_dir):
    kec = gpd.GeoDataFrame({"NAMOBJ": ["Kalikajar"], "KDCPUM": ["330707"], "WADMKC": ["Kalikajar"]},
                           geometry=[shapely.box(109.9, -7.4, 110.0, -7.3)], crs="EPSG:4326")
    path = tmp_path / "ADMINISTRASIKECAMATAN_AR.gpkg"
    kec.to_file(path)
    res = import_boundaries(path, data_dir)
    assert res.accepted and res.tingkat == "kecamatan"
    assert read_boundaries("kecamatan", data_dir)["kode"].tolist() == ["33.07.07"]


def test_geopackage_with_several_polygon_layers_needs_a_layer_name(tmp_path, data_dir):
    path = tmp_path / "rbi.gpkg"
    big_layer().to_file(path, layer="ADMINISTRASIDESA_AR")
    big_layer().to_file(path, layer="salinan_lama")
    before = tree_hash(data_dir)
    res = import_boundaries(path, data_dir)
    assert not res.accepted and tree_hash(data_dir) == before
    row = res.findings.iloc[0]
    assert row["aturan"] == "lapisan_ganda" and "ADMINISTRASIDESA_AR" in row["pesan"] and "--lapisan" in row["pesan"]
    res = import_boundaries(path, data_dir, lapisan="ADMINISTRASIDESA_AR")
    assert res.accepted and res.n_tersimpan == len(big_layer())
    assert set(res.findings["lapisan"].dropna()) <= {"ADMINISTRASIDESA_AR"}


def test_zip_without_a_map_file_is_refused(tmp_path, data_dir):
    zpath = tmp_path / "dokumen.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("catatan.txt", "bukan peta")
    before = tree_hash(data_dir)
    res = import_boundaries(zpath, data_dir)
    assert not res.accepted and res.findings["aturan"].tolist() == ["bukan_berkas_batas"]
    assert "dokumen.zip" in res.findings["pesan"].iloc[0] and tree_hash(data_dir) == before


def test_a_code_not_in_the_official_list_falls_back_to_the_name(tmp_path, data_dir):
    layer = big_layer()
    layer.loc[2, "KDEPUM"] = "33.07.07.2999"
    path = tmp_path / "desa.gpkg"
    layer.to_file(path)
    res = import_boundaries(path, data_dir)
    assert res.accepted and res.n_tersimpan == len(layer)
    row = res.findings[res.findings["aturan"] == "kode_tidak_resmi"].iloc[0]
    assert (row["fitur"], row["kolom"], row["nilai"]) == (3, "KDEPUM", "33.07.07.2999")
    stored = read_boundaries("desa", data_dir).set_index("kode")
    assert stored.at[_desa().loc[2, "kode_desa"], "cara_cocok"] == "otomatis"


def test_polygonz_as_in_big_files_is_stored_flat(tmp_path, data_dir):
    layer = big_layer()
    layer = layer.set_geometry(shapely.force_3d(layer.geometry.values, 350.0))
    path = tmp_path / "desa_z.shp"
    layer.to_file(path)
    res = import_boundaries(path, data_dir)
    assert res.accepted
    assert not read_boundaries("desa", data_dir).has_z.any()
