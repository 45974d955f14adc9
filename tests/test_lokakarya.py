"""Tests of p3pd_lib.lokakarya: the library support of the workshop notebooks."""

from __future__ import annotations

import re
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import indicators, lokakarya, paths
from p3pd_lib.errors import ParameterError
from p3pd_lib.lokakarya import Exercise, check_answer

CAT = indicators.load_catalogue()


# --------------------------------------------------------------------------- parameters


def test_check_parameters_defaults_and_empty_data_dir():
    p = lokakarya.check_parameters(kode_kecamatan=" 33.07.02 ", tahun=2023, data_dir="", mode_jawaban=True)
    assert (p.kode_kecamatan, p.tahun, p.data_dir, p.mode_jawaban) == ("33.07.02", 2023, None, True)
    assert list(lokakarya.WorkshopParams.model_fields) == ["kode_kecamatan", "tahun", "data_dir", "mode_jawaban"]


@pytest.mark.parametrize("kode, words", [
    ("33.07", "kode kabupaten/kota"),
    ("33.07.01.2001", "kode desa/kelurahan"),
    ("33", "kode provinsi"),
    ("Wadaslintang", "bukan kode kecamatan"),
])
def test_check_parameters_refuses_non_kecamatan_codes(kode, words):
    with pytest.raises(ParameterError, match="bukan kode kecamatan") as info:
        lokakarya.check_parameters(kode_kecamatan=kode, tahun=2024)
    assert words in str(info.value)


def test_check_parameters_other_errors_are_indonesian():
    with pytest.raises(ParameterError, match="tahun 1990 di luar rentang"):
        lokakarya.check_parameters(kode_kecamatan="33.07.01", tahun=1990)
    with pytest.raises(ParameterError, match="tahun: harus bilangan bulat"):
        lokakarya.check_parameters(kode_kecamatan="33.07.01", tahun="dua ribu")
    with pytest.raises(ParameterError, match="Parameter tidak dikenal: kode_desa"):
        lokakarya.check_parameters(kode_kecamatan="33.07.01", kode_desa="x")


# --------------------------------------------------------------------------- answers


def test_parse_number_accepts_indonesian_and_english_decimals():
    assert lokakarya.parse_number("18,1") == 18.1
    assert lokakarya.parse_number("18.1 %") == 18.1
    assert lokakarya.parse_number(7) == 7.0
    assert lokakarya.parse_number("tujuh") is None
    assert lokakarya.parse_number(True) is None


def test_check_answer_number_tolerance_trap_and_units():
    ex = Exercise("02.1", "02", "?", "angka", 28.18, "Ingat Σ/Σ.", toleransi=0.051,
                  jebakan=((20.0, "Itu rata-rata persentase desa."),), desimal=1)
    assert check_answer(ex, "28,2").benar is True
    assert check_answer(ex, 28.1).benar is False
    wrong = check_answer(ex, 20)
    assert wrong.benar is False and "rata-rata persentase desa" in wrong.pesan
    units = check_answer(ex, 0.2818)
    assert units.benar is False and "satuannya" in units.pesan
    assert "Belum tepat" in check_answer(ex, "tidak tahu").pesan


def test_check_answer_not_answered_and_answer_mode():
    ex = Exercise("01.1", "01", "?", "angka", 16, "Lihat tabel desa.")
    empty = check_answer(ex, None)
    assert empty.benar is None and "belum dijawab" in empty.pesan and "Lihat tabel desa." in empty.pesan
    filled = check_answer(ex, None, mode_jawaban=True)
    assert filled.benar is True and filled.pesan.startswith("Benar") and "16" in filled.pesan
    # A participant's own answer is still checked in answer mode.
    assert check_answer(ex, 15, mode_jawaban=True).benar is False


def test_check_answer_text_and_sets():
    t = Exercise("03.3", "03", "?", "teks", "Berkembang", alternatif=("berkembang (idm)",))
    assert check_answer(t, "  berkembang ").benar is True
    assert check_answer(t, "Berkembang (IDM)").benar is True
    assert check_answer(t, "Maju").benar is False
    s = Exercise("04.3", "04", "?", "himpunan", {2023, 2024})
    assert check_answer(s, [2024, 2023]).benar is True
    assert check_answer(s, "2023, 2024").benar is True
    part = check_answer(s, [2023])
    assert part.benar is False and "terlewat (1 lagi)" in part.pesan
    assert "berlebih" in check_answer(s, "2022 2023 2024").pesan
    none = Exercise("06.2", "06", "?", "himpunan", set())
    assert check_answer(none, "tidak ada").benar is True
    assert check_answer(none, []).benar is True


def test_feedback_renders_html_escaped():
    fb = check_answer(Exercise("x", "01", "?", "teks", "<b>"), "<b>")
    assert fb.benar is True and "&lt;b&gt;" in fb._repr_html_() and str(fb) == fb.pesan


def test_exercise_rejects_unknown_kind_and_formats_answers():
    with pytest.raises(ParameterError):
        Exercise("x", "01", "?", "pilihan", "a")
    assert Exercise("x", "01", "?", "angka", 1234.56, desimal=1).jawaban_teks() == "1.234,6"
    assert Exercise("x", "01", "?", "himpunan", set()).jawaban_teks() == "(tidak ada)"


# --------------------------------------------------------------------------- teaching tables (hand-built)


def _values(rows):
    return pd.DataFrame(rows, columns=["kode_desa", "tahun", "indikator", "sektor", "pembilang", "penyebut", "nilai"])


def test_mean_vs_ratio_by_hand_and_colour_change():
    # KES02 (target 90, higher is better, yellow from 80): 7/10 = 70 % and 81/100 = 81 %.
    v = _values([
        ("a", 2024, "KES02", "KES", 7, 10, 70.0),
        ("b", 2024, "KES02", "KES", 81, 100, 81.0),
        ("c", 2024, "KES02", "KES", None, 50, None),      # no numerator: left out of both
        ("x", 2024, "KES02", "KES", 0, 1000, 0.0),        # not an official desa: left out of both
    ])
    r = lokakarya.mean_vs_ratio(v, ["a", "b", "c"], CAT).iloc[0]
    assert r["n_desa"] == 2
    assert r["sigma_sigma"] == pytest.approx(88 / 110 * 100)      # 80.0 → kuning
    assert r["rata_rata_desa"] == pytest.approx(75.5)              # → merah
    assert r["selisih"] == pytest.approx(75.5 - 80.0)
    assert (r["kelas_sigma"], r["kelas_rata_rata"], bool(r["kelas_berbeda"])) == ("kuning", "merah", True)


def test_mean_vs_ratio_equal_sizes_agree():
    v = _values([("a", 2024, "KES01", "KES", 5, 50, 10.0), ("b", 2024, "KES01", "KES", 15, 50, 30.0)])
    r = lokakarya.mean_vs_ratio(v, ["a", "b"], CAT).iloc[0]
    assert r["sigma_sigma"] == pytest.approx(20.0) and r["selisih"] == pytest.approx(0.0)
    assert not r["kelas_berbeda"]


def test_one_case_points_and_small_denominators():
    assert lokakarya.one_case_points(8) == 12.5
    with pytest.raises(ParameterError):
        lokakarya.one_case_points(0)
    cap = pd.DataFrame({"kode_desa": ["a", "b", "c"], "nama_desa": ["A", "B", "C"], "indikator": ["SOS01"] * 3,
                        "pembilang": [6, 60, None], "penyebut": [8, 80, 4], "nilai": [75.0, 75.0, None],
                        "stabil": [False, True, False]})
    s = lokakarya.small_denominators(cap)
    assert s["kode_desa"].tolist() == ["a"] and s["satu_kasus"].tolist() == [12.5]


def test_sector_overview_counts_by_hand():
    cap = pd.DataFrame({"sektor": ["KES", "KES", "KES", "ADM"], "indikator": ["KES01", "KES01", "KES02", "ADM01"],
                        "kelas": ["merah", "kuning", "merah", "abu"]})
    wv = pd.DataFrame({"tingkat": ["kecamatan", "kabupaten", "kecamatan"], "sektor": ["KES", "KES", "ADM"],
                       "indikator": ["KES02", "KES01", "ADM01"], "kelas": ["merah", "merah", "hijau"]})
    o = lokakarya.sector_overview(cap, wv).set_index("sektor")
    assert o.loc["KES", ["n_indikator", "hijau", "kuning", "merah", "abu", "kecamatan_merah"]].tolist() == [2, 0, 1, 2, 0, 1]
    assert o.loc["ADM", ["abu", "kecamatan_merah"]].tolist() == [1, 0]
    assert list(o.index) == ["KES", "ADM"]


def test_data_sources_cover_every_catalogue_indicator():
    t = lokakarya.data_sources(CAT)
    ind = t[t["sektor"] != "Lainnya"]
    assert set(ind["indikator"]) == set(CAT.ids)
    assert not ind["sistem_data"].str.contains("belum dicatat").any()
    assert (t["sektor"] == "Lainnya").sum() == len(lokakarya.SUMBER_LAIN)


def test_colour_counts_and_idm_counts():
    c = lokakarya.colour_counts(pd.DataFrame({"kelas": ["abu", "merah", "merah"]}))
    assert c.set_index("kelas")["jumlah"].to_dict() == {"hijau": 0, "kuning": 0, "merah": 2, "abu": 1}
    i = lokakarya.idm_counts(pd.DataFrame({"status_idm": ["Maju", "Tertinggal"], "status_idm_resmi": ["Maju", pd.NA]}))
    assert i.set_index("status").loc["Tertinggal"].tolist() == [1, 0]
    assert i["dihitung"].sum() == 2 and i["resmi"].sum() == 1


# --------------------------------------------------------------------------- bands and the slider


def _kes02(values):
    return pd.DataFrame({"kode_desa": [f"d{i}" for i in range(len(values))], "tahun": 2024, "indikator": "KES02",
                         "nilai": values, "stabil": True})


def test_band_change_summary_by_hand():
    # Target 90: 78 merah → kuning at band 15; 85 kuning; 95 hijau; 60 merah stays merah.
    r = lokakarya.band_change_summary(_kes02([78.0, 85.0, 95.0, 60.0]), CAT, 15, 5)
    assert (r.n_nilai, r.n_berubah, r.n_desa_berubah, r.n_ke_lebih_baik, r.n_ke_lebih_buruk) == (4, 1, 1, 1, 0)
    assert r.sebelum == {"hijau": 1, "kuning": 1, "merah": 2, "abu": 0}
    assert r.sesudah == {"hijau": 1, "kuning": 2, "merah": 1, "abu": 0}
    assert "1 dari 4 nilai berubah warna" in r.pesan
    assert r.table()["selisih"].tolist() == [0, 1, -1, 0]
    narrower = lokakarya.band_change_summary(_kes02([78.0, 85.0, 95.0, 60.0]), CAT, 4, 5)
    assert (narrower.n_berubah, narrower.n_ke_lebih_buruk) == (1, 1)  # 85 leaves the 4-point band


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=12),
       st.integers(min_value=10, max_value=30))
def test_widening_the_band_never_worsens_a_colour(values, naik):
    r = lokakarya.band_change_summary(_kes02(values), CAT, naik, 5)
    assert r.n_ke_lebih_buruk == 0
    assert sum(r.sebelum.values()) == sum(r.sesudah.values()) == r.n_nilai == len(values)
    same = lokakarya.band_change_summary(_kes02(values), CAT, 10, 5)
    assert same.n_berubah == 0


def test_band_scenarios_rows():
    t = lokakarya.band_scenarios(_kes02([78.0, 85.0]), CAT, {"a": {"kuning_naik": 15}, "b": {"kuning_naik": 10}})
    assert t[["skenario", "n_berubah"]].values.tolist() == [["a", 1], ["b", 0]]


def test_band_slider_updates_its_count_when_moved():
    box = lokakarya.band_slider(_kes02([78.0, 85.0, 95.0]), CAT)
    naik, turun = box.sliders
    assert (naik.value, turun.value) == (10, 5)
    assert "0 dari 3 nilai berubah warna" in box.hasil.value
    naik.value = 15
    assert "1 dari 3 nilai berubah warna" in box.hasil.value and "1 desa/kelurahan" in box.hasil.value


# --------------------------------------------------------------------------- belanja


def test_explain_kegiatan_code_reads_like_the_kit():
    r = lokakarya.explain_kegiatan_code("02.04.06.")
    assert (r["kode"], r["bidang"], r["sub_bidang"], r["sektor"]) == (
        "02.04.06", "Pelaksanaan Pembangunan Desa", "Kawasan permukiman", "AIR")
    assert lokakarya.explain_kegiatan_code("02.02.90", "Pembangunan jamban sehat")["sektor"] == "AIR"
    siltap = lokakarya.explain_kegiatan_code("01.01.01")
    assert siltap["sektor"] is None and siltap["label_sektor"] == "bukan layanan dasar"
    assert siltap["kelompok"] == "Siltap & tunjangan"
    with pytest.raises(ParameterError, match="bukan kode kegiatan"):
        lokakarya.explain_kegiatan_code("abc")


def test_rules_by_year_shows_the_direction_change():
    t = lokakarya.rules_by_year().set_index("aturan")
    assert t.loc["BLT", ["2022", "2023", "2024", "2025"]].tolist() == ["≥ 40 %", "10–25 %", "≤ 25 %", "≤ 15 %"]
    assert t.loc["PERSONEL", "2024"] == "≤ 30 %" and t.loc["OPERASIONAL", "2022"] == "–"


def test_rules_by_year_from_a_literal_table():
    rules = pd.DataFrame({
        "aturan": ["BLT", "BLT"], "nama_aturan": ["BLT Dana Desa"] * 2, "tahun": [2030, 2031],
        "basis": ["dana_desa"] * 2, "batas_bawah": [10, None], "batas_atas": [None, 20],
        "dasar_hukum": ["x"] * 2, "tag": ["sourced"] * 2, "catatan": [""] * 2,
    })
    t = lokakarya.rules_by_year(rules)
    assert t[["2030", "2031"]].values.tolist() == [["≥ 10 %", "≤ 20 %"]]
    j = lokakarya.judge_share_by_year("BLT", 15, rules)
    assert j["patuh"].tolist() == [True, True]


def test_judge_share_by_year_bounds_are_inclusive():
    by_year = lambda x: dict(lokakarya.judge_share_by_year("BLT", x)[["tahun", "patuh"]].values.tolist())  # noqa: E731
    assert by_year(20) == {2022: False, 2023: True, 2024: True, 2025: False}
    assert by_year(40)[2022] and by_year(25)[2024] and by_year(15)[2025] and not by_year(25.01)[2024]
    with pytest.raises(ParameterError, match="Aturan 'ZAKAT' tidak ada"):
        lokakarya.judge_share_by_year("ZAKAT", 10)


def test_breaches_by_year_and_rule_rows():
    a = pd.DataFrame({"kode_desa": ["a", "b", "a", "b"], "tahun": [2023, 2023, 2024, 2024],
                      "aturan": ["BLT", "BLT", "BLT", "PERSONEL"], "patuh": [False, False, True, pd.NA]})
    w = lokakarya.breaches_by_year(a).set_index("aturan")
    assert w.loc["BLT", ["2023", "2024"]].tolist() == ["2", "0"]
    assert w.loc["PERSONEL", "2024"] == "–"
    assert len(lokakarya.rule_rows(a, "BLT")) == 3 and len(lokakarya.rule_rows(a, "BLT", 2024)) == 1


def test_kecamatan_share_is_sigma_over_sigma():
    b = pd.DataFrame({"indikator": ["BEL01", "BEL01", "BEL07"], "pembilang": [10.0, 90.0, 5.0],
                      "penyebut": [100.0, 300.0, 10.0]})
    assert lokakarya.kecamatan_share(b, "BEL01") == pytest.approx(25.0)  # not the mean of 10 % and 30 %
    assert math.isnan(lokakarya.kecamatan_share(b, "BEL02"))


# --------------------------------------------------------------------------- agenda, usulan, quality


def test_quadrant_and_agenda_counts():
    q = lokakarya.quadrant_counts(pd.DataFrame({"label_kuadran": ["Pantau", "Prioritas: realokasi belanja",
                                                                  "Tidak ada data"]}))
    assert q["label_kuadran"].tolist()[0] == "Prioritas: realokasi belanja"
    assert q.set_index("label_kuadran")["jumlah"].to_dict()["Tidak ada data"] == 1
    assert q["jumlah"].sum() == 3
    ag = pd.DataFrame({"penanggung_jawab": ["UPT Pendidikan", "Puskesmas", "UPT Pendidikan"],
                       "jenis_agenda": ["Layanan dasar"] * 3})
    assert lokakarya.agenda_by_party(ag).values.tolist()[0] == ["UPT Pendidikan", "Layanan dasar", 2]


def test_need_demand_counts_and_unmet_needs():
    from p3pd_lib import usulan

    kb = pd.DataFrame({"kode_desa": ["a", "a", "b"], "nama_desa": ["A", "A", "B"], "sektor": ["KES", "PEND", "KES"],
                       "kelas": [usulan.BELUM_TERSUARAKAN, usulan.SELARAS, usulan.BELUM_TERDANAI],
                       "n_usulan": [0, 2, 1], "n_didanai": [0, 1, 0]})
    c = lokakarya.need_demand_counts(kb).set_index("kelas")["jumlah"]
    assert c[usulan.BELUM_TERSUARAKAN] == 1 and c[usulan.SELARAS] == 1 and c.sum() == 3
    assert lokakarya.unmet_needs(kb)["kode_desa"].tolist() == ["a", "b"]


def test_match_planted_and_finding_codes():
    f = pd.DataFrame({"kode_desa": ["33.07.01.2021", "33.07.11.2013", "33.07.11.2013"], "tahun": [2024, 2023, 2022],
                      "aturan": ["kode_tidak_resmi", "baris_ganda", "baris_ganda"], "pesan": ["k", "g23", "g22"]})
    m = pd.DataFrame({"aturan": ["baris_ganda", "kode_tidak_resmi", "pencilan"],
                      "kode_desa": ["33.07.11.2013", "33.07.01.2021", "33.07.02.2009"], "tahun": [2022, 2024, 2025]})
    r = lokakarya.match_planted(f, m)
    assert r["ditemukan"].tolist() == [True, True, False]
    assert r["temuan"].tolist() == ["g22", "k", ""]  # the finding of the same year is chosen
    assert lokakarya.finding_codes(f, "baris_ganda") == {"33.07.11.2013"}
    assert lokakarya.finding_codes(f, "kode_tidak_resmi", "33.07.02") == set()


def test_notebook_css_keeps_only_scoped_rules():
    css = lokakarya.notebook_css()
    assert "td.kl-merah" in css and "table.tabel" in css
    # no page-wide rule (a selector "body", "h1" or "*"; "tbody" inside a scoped rule is fine)
    assert not re.search(r"(^|[\s,}])(body|h1)\b", css) and "@page" not in css and "* {" not in css
    assert re.search(r"(^|[\s,}])(body|h1)\b", "x } body { margin: 0 }")  # the check can fail


def test_report_parameters_and_dashboard_url():
    from p3pd_lib.params import KecamatanReportParams

    assert lokakarya.report_parameters()["parameter"].tolist() == list(KecamatanReportParams.model_fields)
    assert lokakarya.dashboard_url("33.07.02", 2025, port=9000) == "http://127.0.0.1:9000/?kecamatan=33.07.02&tahun=2025"


def test_default_output_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(lokakarya.OUTPUT_ENV, raising=False)
    assert lokakarya.default_output_dir() == paths.DEFAULT_OUTPUT_DIR / "pelatihan"
    monkeypatch.setenv(lokakarya.OUTPUT_ENV, str(tmp_path))
    assert lokakarya.default_output_dir() == tmp_path.resolve()


# --------------------------------------------------------------------------- the workshop on the demo data


@pytest.fixture(scope="module")
def ws(demo_dataset, demo_manifest):
    return lokakarya.setup("33.07.01", 2024, dataset=demo_dataset, manifest=demo_manifest)


def test_setup_refuses_bad_requests(demo_dataset):
    with pytest.raises(ParameterError, match="bukan kode kecamatan"):
        lokakarya.setup("33.07", 2024, dataset=demo_dataset)
    with pytest.raises(ParameterError, match="Kecamatan 33.07.99 tidak ada dalam data"):
        lokakarya.setup("33.07.99", 2024, dataset=demo_dataset)
    with pytest.raises(ParameterError, match="Tahun 2030 tidak tersedia"):
        lokakarya.setup("33.07.01", 2030, dataset=demo_dataset)


def test_every_exercise_accepts_its_own_key_and_rejects_nothing_else(ws):
    key = lokakarya.answer_key(ws)
    assert key["id"].tolist() == list(lokakarya.EXERCISES)
    for id_ in lokakarya.EXERCISES:
        ex = ws.exercise(id_)
        assert ex.notebook == id_[:2]
        assert check_answer(ex, ex.jawaban).benar is True, id_
        assert ws.check(id_, None).benar is None  # not answer mode: an empty answer is not "Benar"
    with pytest.raises(ParameterError, match="Latihan '99.1' tidak dikenal"):
        ws.exercise("99.1")


def test_answer_mode_fills_the_key(demo_dataset, demo_manifest):
    w = lokakarya.setup("33.07.01", 2024, mode_jawaban=True, dataset=demo_dataset, manifest=demo_manifest)
    for id_ in lokakarya.EXERCISES:
        assert w.check(id_, None).pesan.startswith("Benar"), id_


def test_sigma_exercise_matches_a_hand_sum_and_traps_the_mean(ws):
    desa = set(ws.view.desa["kode_desa"])
    k = ws.view.capaian[(ws.view.capaian["indikator"] == "KES01") & ws.view.capaian["kode_desa"].isin(desa)]
    k = k.dropna(subset=["pembilang", "penyebut"])
    expected = float(k["pembilang"].sum()) / float(k["penyebut"].sum()) * 100
    ex = ws.exercise("02.1")
    assert ex.jawaban == pytest.approx(expected)
    mean = float((k["pembilang"] / k["penyebut"] * 100).mean())
    assert ex.jebakan[0][0] == pytest.approx(mean)
    if abs(mean - expected) > 0.06:
        assert "rata-rata persentase desa" in ws.check("02.1", round(mean, 2)).pesan


def test_quality_exercises_find_every_planted_problem(ws, demo_manifest):
    planted = lokakarya.planted_problems(ws)
    assert len(planted) == len(demo_manifest) > 0
    assert ws.exercise("06.5").jawaban == len(planted)
    ganda = set(planted.loc[planted["aturan"] == "baris_ganda", "kode_desa"])
    assert ws.exercise("06.3").jawaban == ganda
    kel = set(planted.loc[planted["aturan"] == "kelurahan_ber_apbdes", "kode_desa"])
    assert ws.exercise("06.4").jawaban == kel


def test_band_exercise_agrees_with_the_slider(ws):
    box = lokakarya.band_slider(ws.view.capaian, ws.catalogue)
    box.sliders[0].value = 15
    n = ws.exercise("03.2").jawaban
    assert f"di {n} desa/kelurahan" in box.hasil.value


def test_setup_from_a_store_reads_the_manifest(demo_store):
    w = lokakarya.setup("33.07.01", 2024, str(demo_store))
    assert w.view.identitas["simulasi"] is True
    assert len(lokakarya.planted_problems(w)) > 0
    assert "DATA SIMULASI" in str(lokakarya.header(w)) and "Wadaslintang" in lokakarya.banner(w)


def test_trainer_guide_answers_match_the_library(demo_store):
    """docs/panduan_pelatih.md carries the answer key; it must not go stale when the data or library change."""
    guide = (paths.DOCS_DIR / "panduan_pelatih.md").read_text(encoding="utf-8")
    w = lokakarya.setup("33.07.01", 2024, str(demo_store))
    expected = lokakarya.answer_key_markdown(w)
    # The guide's prose names the case where the wrong method changes a colour: it must still hold.
    changes = lokakarya.mean_vs_ratio_all_years(w, only_colour_changes=True)
    rows = changes[(changes["indikator"] == "KES02") & (changes["tahun"] == 2023)]
    assert "KES02 tahun 2023, kuning dengan Σ/Σ tetapi merah" in guide
    assert rows[["kelas_sigma", "kelas_rata_rata"]].values.tolist() == [["kuning", "merah"]]
    assert lokakarya.guide_answer_block(guide) == expected, (
        "Kunci jawaban di docs/panduan_pelatih.md sudah usang. Ganti blok di antara penanda kunci-jawaban "
        "dengan keluaran lokakarya.answer_key_markdown(lokakarya.setup('33.07.01', 2024))."
    )


# --------------------------------------------------------------------------- usual ways of writing answers


@pytest.mark.parametrize("written", ["18%", "18 %", "18,0", "18,0 %", "18 persen", "18.0", 18])
def test_numbers_are_accepted_as_people_write_them(written):
    ex = Exercise("t.1", "02", "?", "angka", 18.0, toleransi=0.05, desimal=1)
    assert check_answer(ex, written).benar is True


@pytest.mark.parametrize("written, ok", [("2023 dan 2024", True), ("2023, 2024", True), ("2023 & 2024", True),
                                         ("2024 serta 2023", True), ("2023", False), ("2023 dan 2024 dan 2025", False)])
def test_sets_are_accepted_as_people_write_them(written, ok):
    ex = Exercise("t.2", "04", "?", "himpunan", {2023, 2024})
    assert check_answer(ex, written).benar is ok


# --------------------------------------------------------------------------- figures offline


def test_workshop_figures_carry_no_plotly_js_but_the_header_holds_one_copy():
    import plotly.graph_objects as go
    import plotly.io as pio

    before = pio.renderers.default
    try:
        script = lokakarya.offline_plotly()
        assert pio.renderers.default == f"plotly_mimetype+{lokakarya.RENDERER}"
        assert len(script) > 1_000_000 and "Plotly" in script
        assert not re.search(r'<script[^>]*src=|import "https', script[:500] + script[-500:])  # inlined, no fetch
        fig = go.Figure(go.Bar(x=["a"], y=[1]))
        bundle = fig._repr_mimebundle_()  # IPython's display protocol: what a notebook cell shows
        assert "application/vnd.plotly.v1+json" in bundle  # JupyterLab draws this
        html = bundle["text/html"]  # nbconvert keeps this
        assert "Plotly.newPlot" in html and len(html) < 50_000 and "cdn.plot.ly" not in html
    finally:
        pio.renderers.default = before
