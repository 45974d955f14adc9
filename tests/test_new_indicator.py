"""Adding an indicator is an edit of parameters/indikator.yaml alone (no Python, no test changes).

The test copies the parameters folder, adds an indicator on two NEW count columns and checks that the
layanan schema, the Excel template, the importer's coercion, the values, the Σ/Σ aggregation, the
traffic light and the data dictionary all pick it up.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from p3pd_lib import analysis, classify, indicators, paths, schemas, template

NEW = {
    "id": "PEND04", "sektor": "PEND", "nama": "Anak 7–12 tahun membaca lancar", "name_en": "Children 7-12 reading fluently",
    "pembilang": "anak_7_12_membaca", "penyebut": "anak_7_12", "faktor": 100, "satuan": "persen", "arah": "higher",
    "target": 80, "sumber_target": "Usulan lokakarya (uji)", "tag_target": "proposed", "min_penyebut": 10,
}
WIL = pd.DataFrame({
    "kode_desa": ["11.01.01.2001", "11.01.01.2002"], "nama_desa": ["Alue", "Blang"], "jenis": "desa",
    "kode_kecamatan": "11.01.01", "nama_kecamatan": "Kec", "kode_kabupaten": "11.01", "nama_kabupaten": "Kab",
    "kode_provinsi": "11", "nama_provinsi": "Aceh",
})


@pytest.fixture()
def with_new_indicator(tmp_path, monkeypatch):
    folder = tmp_path / "parameters"
    shutil.copytree(paths.PARAMETERS_DIR, folder)
    file = folder / "indikator.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["kolom"]["anak_7_12_membaca"] = {"label": "Anak 7–12 th membaca lancar (anak)", "keterangan": "Pembilang PEND04."}
    data["kolom"]["anak_7_12"] = {"label": "Anak 7–12 th (anak)", "keterangan": "Penyebut PEND04."}
    data["indikator"].append(NEW)
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("P3PD_PARAMETERS_DIR", str(folder))
    return data


def test_schema_template_and_importer_follow_the_catalogue(with_new_indicator):
    names = schemas.TABLES["layanan"].names
    assert {"anak_7_12_membaca", "anak_7_12"} <= set(names)
    assert {"anak_7_12_membaca", "anak_7_12"} <= set(schemas.empty_frame("layanan").columns)
    sheet = [c.name for c in template.sheet_columns("layanan")]
    assert sheet[-2:] == ["anak_7_12_membaca", "anak_7_12"]
    raw = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024], "anak_7_12_membaca": ["12"], "anak_7_12": ["16"]})
    coerced = schemas.coerce(raw, "layanan")
    assert coerced.loc[0, "anak_7_12_membaca"] == 12 and str(coerced["anak_7_12"].dtype) == "Int64"


def test_values_aggregation_classes_and_dictionary_pick_it_up(with_new_indicator):
    cat = indicators.load_catalogue()
    assert cat.ids[-1] == "PEND04" and len(cat) == len(with_new_indicator["indikator"])
    lay = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024, 2024],
                        "anak_7_12_membaca": [12, 30], "anak_7_12": [16, 40]})
    values = indicators.desa_values(lay, cat)
    new = values[values["indikator"] == "PEND04"].set_index("kode_desa")
    assert new.loc["11.01.01.2001", "nilai"] == 75.0 and new.loc["11.01.01.2001", "satuan"] == "persen"
    agg = indicators.aggregate(values, WIL, "kecamatan", cat)
    row = agg[agg["indikator"] == "PEND04"].iloc[0]
    assert (row["pembilang"], row["penyebut"], row["nilai"]) == (42, 56, 75.0)
    classified = classify.traffic_light(agg, cat)
    assert classified.loc[classified["indikator"] == "PEND04", "kelas"].tolist() == ["kuning"]  # 75 ≥ 80 − 10
    kamus = analysis._catalogue(None, None)  # what views show as the data dictionary (kamus)
    assert kamus.set_index("id").loc["PEND04", "sumber_target"] == "Usulan lokakarya (uji)"
