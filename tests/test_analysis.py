"""The one call a view needs, on the demo kabupaten: shapes, invariants and errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from p3pd_lib import analysis, classify, cli
from p3pd_lib.errors import ParameterError

KEC = "33.07.01"


@pytest.fixture(scope="module")
def view(demo_dataset):
    return analysis.kecamatan_view(demo_dataset, KEC, tahun=2024)


def test_identity_and_villages(view, demo_dataset):
    w = demo_dataset.wilayah
    in_kec = w[w["kode_kecamatan"] == KEC]
    assert view.identitas["nama_kecamatan"] == in_kec["nama_kecamatan"].iloc[0]
    assert view.identitas["n_desa"] + view.identitas["n_kelurahan"] == len(in_kec)
    assert view.identitas["simulasi"] is True
    assert set(view.desa["kode_desa"]) == set(in_kec["kode_desa"])
    assert view.tahun == 2024 and view.tahun_tersedia == [2022, 2023, 2024, 2025]


def test_capaian_holds_only_the_kecamatan_and_year(view):
    assert view.capaian["kode_desa"].str.startswith(KEC + ".").all()
    assert set(view.capaian["tahun"]) == {2024}
    assert view.capaian["nama_desa"].notna().all() and view.capaian["nama_indikator"].notna().all()


def test_kecamatan_total_equals_sum_of_its_villages(view):
    # codes missing from the official list cannot be placed in a kecamatan: they are
    # reported by the quality checks and left out of totals
    desa = view.capaian[view.capaian["kode_desa"].isin(view.desa["kode_desa"])]
    both = desa["pembilang"].notna() & desa["penyebut"].notna() & (desa["penyebut"] > 0)
    sums = desa[both].groupby("indikator")[["pembilang", "penyebut"]].sum()
    kec = view.capaian_wilayah[view.capaian_wilayah["tingkat"] == "kecamatan"].set_index("indikator")
    for ind, row in sums.iterrows():
        assert kec.loc[ind, "pembilang"] == row["pembilang"]
        assert kec.loc[ind, "penyebut"] == row["penyebut"]
        assert kec.loc[ind, "nilai"] == pytest.approx(row["pembilang"] * 100 / row["penyebut"])
    assert set(view.capaian_wilayah["tingkat"]) == {"kecamatan", "kabupaten", "provinsi"}


def test_agenda_rows_are_the_red_values_and_breached_rules(view):
    red = int((view.capaian["kelas"] == "merah").sum())
    rules = view.aturan_belanja[view.aturan_belanja["tahun"] == 2024]
    breached = int(rules["patuh"].astype("boolean").eq(False).sum())
    usulan_rows = int((view.agenda["jenis_agenda"] == "Usulan masyarakat").sum())
    assert len(view.agenda) == red + breached + usulan_rows
    assert view.agenda["prioritas"].tolist() == list(range(1, len(view.agenda) + 1))


def test_quadrant_split_is_the_kecamatan_median_and_is_reported(view):
    k = view.kuadran.dropna(subset=["kesenjangan", "porsi_layanan_dasar"])
    assert view.kuadran_split["batas_x"] == pytest.approx(float(np.median(k["kesenjangan"].astype(float))))
    assert view.kuadran_split["batas_y"] == pytest.approx(float(np.median(k["porsi_layanan_dasar"].astype(float))))
    assert "median" in view.kuadran_split["cara_x"]


def test_given_splits_are_used(demo_dataset):
    v = analysis.kecamatan_view(demo_dataset, KEC, 2024, split_x=0.5, split_y=10.0)
    assert v.kuadran_split["batas_x"] == 0.5 and v.kuadran_split["batas_y"] == 10.0


def test_spending_composition_adds_up_to_100_per_desa(view):
    sums = view.komposisi_belanja.groupby("kode_desa")["porsi"].sum()
    assert np.allclose(sums.astype(float), 100.0)


def test_trainer_targets_and_bands_recolour(demo_dataset, view):
    easy = analysis.kecamatan_view(demo_dataset, KEC, 2024, targets={"KES01": 50.0}, bands={"kuning_naik": 30.0})
    red_before = (view.capaian["kelas"] == "merah").sum()
    red_after = (easy.capaian["kelas"] == "merah").sum()
    assert red_after < red_before
    kes01 = easy.capaian[easy.capaian["indikator"] == "KES01"]
    assert (kes01["sumber_target"] == "Diubah pengguna (mode pelatih)").all()


def test_idm_status_is_recomputed_from_the_index(view):
    st = view.status_desa
    assert st["status_idm"].tolist() == classify.idm_status(st["idm"]).tolist()


def test_long_results_cover_services_spending_and_idm(view, demo_dataset):
    long = analysis.long_results(view, demo_dataset)
    assert list(long.columns) == analysis.LONG_COLUMNS
    assert set(long["tingkat"]) == {"desa", "kecamatan", "kabupaten"}
    inds = set(long["indikator"])
    assert {"KES01", "ADM03", "BEL01", "BEL07", "BEL10", "IDM"} <= inds
    kec_bel01 = long[(long["tingkat"] == "kecamatan") & (long["indikator"] == "BEL01")].iloc[0]
    desa_bel01 = long[(long["tingkat"] == "desa") & (long["indikator"] == "BEL01")]
    assert kec_bel01["pembilang"] == pytest.approx(desa_bel01["pembilang"].sum())
    assert kec_bel01["nilai"] == pytest.approx(desa_bel01["pembilang"].sum() / desa_bel01["penyebut"].sum() * 100)


@pytest.mark.parametrize(
    "kode, tahun, pesan",
    [
        ("33.07", 2024, "bukan kode kecamatan"),
        ("33.07.99", 2024, "tidak ada dalam data"),
        ("abc", 2024, "abc"),
        (KEC, 2019, "Tahun 2019 tidak tersedia"),
    ],
)
def test_bad_requests_get_indonesian_errors(demo_dataset, kode, tahun, pesan):
    with pytest.raises(ParameterError, match=pesan):
        analysis.kecamatan_view(demo_dataset, kode, tahun)


def test_kabupaten_view_ranks_every_kecamatan(demo_dataset):
    kab = analysis.kabupaten_view(demo_dataset, "33.07", 2024)
    assert len(kab.kecamatan) == demo_dataset.wilayah["kode_kecamatan"].nunique()
    assert kab.kecamatan["peringkat"].min() == 1
    quad_counts = kab.kuadran.drop(columns="kode_kecamatan").to_numpy().sum()
    assert quad_counts == (demo_dataset.wilayah["jenis"] == "desa").sum() + (
        demo_dataset.wilayah["jenis"] == "kelurahan").sum()


def test_label_gives_indonesian_headers(view):
    shown = analysis.label(view.agenda)
    assert "Penanggung jawab" in shown.columns and "Prioritas" in shown.columns


def test_views_reuse_the_kabupaten_analysis(demo_dataset):
    a = analysis.kabupaten_analysis(demo_dataset, "33.07")
    b = analysis.kabupaten_analysis(demo_dataset, "33.07")
    assert a is b


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_cli_analisis_writes_long_results(demo_store, tmp_path, fmt):
    out = tmp_path / f"hasil.{fmt}"
    rc = cli.main(["analisis", "--kecamatan", KEC, "--tahun", "2024", "--output", str(out), "--data-dir", str(demo_store)])
    assert rc == 0 and out.exists()
    if fmt == "csv":
        df = pd.read_csv(out)
    elif fmt == "json":
        df = pd.DataFrame(json.loads(out.read_text()))
    else:
        df = pd.read_excel(out)
    assert list(df.columns) == analysis.LONG_COLUMNS
    assert (df["indikator"] == "IDM").any()


def test_cli_reports_a_bad_code_without_traceback(demo_store, capsys):
    rc = cli.main(["analisis", "--kecamatan", "99.99.99", "--data-dir", str(demo_store)])
    assert rc == 2
    assert "GALAT" in capsys.readouterr().err


def test_view_includes_demand_side_and_its_agenda_rows(view):
    kb = view.kebutuhan_usulan
    assert set(kb["kelas"]) <= {"Selaras", "Usulan belum terdanai", "Kebutuhan belum tersuarakan",
                                "Belanja tanpa kebutuhan mendesak", "Tidak mendesak"}
    # kecamatan counts per sector and class equal the count of its villages
    kec = view.usulan_wilayah[view.usulan_wilayah["tingkat"] == "kecamatan"]
    direct = kb.groupby(["sektor", "kelas"]).size()
    for (sektor, kelas), n in direct.items():
        assert kec[(kec["sektor"] == sektor) & (kec["kelas"] == kelas)]["n_desa"].iloc[0] == n
    usl = view.agenda[view.agenda["jenis_agenda"] == "Usulan masyarakat"]
    expected = kb["kelas"].isin(["Kebutuhan belum tersuarakan", "Usulan belum terdanai"]).sum()
    assert len(usl) == expected


def test_long_results_include_proposal_classes(view, demo_dataset):
    long = analysis.long_results(view, demo_dataset)
    usl = long[long["indikator"].str.startswith("USULAN_")]
    assert set(usl["tingkat"]) == {"desa", "kecamatan", "kabupaten"}
    desa = usl[usl["tingkat"] == "desa"]
    assert (desa["pembilang"] <= desa["penyebut"]).all()


def test_analysis_without_demand_side_keeps_everything_else(demo_dataset):
    full = analysis.analyse(demo_dataset)
    core = analysis.analyse(demo_dataset, demand=False)
    for name in ("values", "wilayah_values", "spending", "composition", "compliance", "spending_quality",
                 "findings", "mapped"):
        pd.testing.assert_frame_equal(getattr(core, name), getattr(full, name))
    for name in ("proposals", "need_demand", "budget_answering"):
        empty, usual = getattr(core, name), getattr(full, name)
        assert len(empty) == 0 and list(empty.columns) == list(usual.columns)
        assert (empty.dtypes == usual.dtypes).all()


def test_analysis_leaves_its_input_untouched(demo_dataset):
    before = {name: df.copy(deep=True) for name, df in demo_dataset.tables().items()}
    analysis.analyse(demo_dataset)
    for name, df in demo_dataset.tables().items():
        pd.testing.assert_frame_equal(df, before[name], obj=name)
