"""The one loader of parameters/: validation in Indonesian, a cache that notices edits, a movable folder."""

from __future__ import annotations

import shutil

import pytest
import yaml

from p3pd_lib import parameter_files as pf
from p3pd_lib import paths
from p3pd_lib.errors import ParameterError


@pytest.fixture()
def params_dir(tmp_path, monkeypatch):
    """A private copy of parameters/, made the kit's parameters folder."""
    target = tmp_path / "parameters"
    shutil.copytree(paths.PARAMETERS_DIR, target)
    monkeypatch.setenv("P3PD_PARAMETERS_DIR", str(target))
    return target


def test_every_file_loads_through_the_one_loader():
    for name in [*pf._YAML_MODELS, *pf._CSV_MODELS]:
        assert pf.load(name) is not None


def test_env_var_moves_the_parameters_folder(params_dir):
    assert paths.parameter_file("indikator.yaml") == params_dir / "indikator.yaml"


def test_cache_notices_an_edited_file(params_dir):
    file = params_dir / "klasifikasi.yaml"
    assert pf.load_classification().lampu_lalu_lintas.pita_kuning_naik == 10
    text = file.read_text(encoding="utf-8").replace("pita_kuning_naik: 10", "pita_kuning_naik: 12")
    file.write_text(text, encoding="utf-8")
    assert pf.load_classification().lampu_lalu_lintas.pita_kuning_naik == 12


def test_edited_csv_is_noticed_and_copies_are_independent(params_dir):
    first = pf.load_mapping()
    first.loc[0, "alasan"] = "diubah di memori"
    assert pf.load_mapping().loc[0, "alasan"] != "diubah di memori"
    file = params_dir / "pemetaan_apbdes.csv"
    file.write_text(file.read_text(encoding="utf-8") + "09.09,,lainnya,tidak,,Baris uji,proposed\n", encoding="utf-8")
    assert "09.09" in set(pf.load_mapping()["kode"])


def test_indicator_error_names_file_indicator_and_field(params_dir):
    file = params_dir / "indikator.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["indikator"][1]["sumber_target"] = None
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        pf.load_indicator_file()
    msg = str(err.value)
    ident = data["indikator"][1]["id"]
    assert "indikator.yaml" in msg and ident in msg and "sumber_target" in msg


def test_undeclared_count_column_is_refused(params_dir):
    file = params_dir / "indikator.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["indikator"][0]["pembilang"] = "kolom_belum_ada"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match="kolom_belum_ada.*belum dinyatakan"):
        pf.load_indicator_file()


def test_csv_error_names_row_column_and_value(params_dir):
    file = params_dir / "aturan_dana_desa.csv"
    lines = file.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",30,", ",130,")
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"aturan_dana_desa.csv, baris 3, kolom batas_atas \(nilai '130'\)"):
        pf.load_dana_desa_rules()


def test_unknown_file_and_missing_file():
    with pytest.raises(ParameterError, match="tidak dikenal"):
        pf.load("tidak_ada.yaml")
    with pytest.raises(ParameterError, match="tidak ditemukan"):
        pf.load("agenda.yaml", "/tidak/ada/agenda.yaml")
