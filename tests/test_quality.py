"""Tests of p3pd_lib.quality: hand-built tables with exact expected findings, clean data
without findings, and the planted problems of the demo data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import quality as q
from p3pd_lib.errors import ParameterError
from p3pd_lib.wilayah import wilayah_table

P = q.QualityParams()  # fixed thresholds: tests do not depend on edits of kualitas.yaml

CAT = pd.DataFrame({
    "id": ["KES01", "KES06"],
    "sektor": ["KES", "KES"],
    "nama": ["Prevalensi stunting balita", "Kepesertaan JKN"],
    "pembilang": ["balita_stunting", "peserta_jkn"],
    "penyebut": ["balita_diukur", "penduduk"],
    "min_penyebut": [20, 100],
})

K1, K2, K3, KEL = "33.07.01.2001", "33.07.01.2002", "33.07.01.2003", "33.07.01.1007"


@pytest.fixture(scope="module")
def wil() -> pd.DataFrame:
    w = wilayah_table(["33"])
    return w[w["kode_desa"].isin([K1, K2, K3, KEL])].reset_index(drop=True)


def findings(rows: list[tuple]) -> pd.DataFrame:
    """Expected findings frame from (kode_desa, tahun, tabel, kolom, nilai, aturan, tingkat, pesan)."""
    df = pd.DataFrame(rows, columns=list(q.FINDING_COLUMNS))
    return df.astype({c: ("Int64" if c == "tahun" else "string") for c in q.FINDING_COLUMNS})


def keyed(f: pd.DataFrame, cols=("kode_desa", "tahun", "tabel", "kolom", "nilai", "aturan", "tingkat")) -> list[tuple]:
    return [tuple(None if v is pd.NA else v for v in r) for r in f[list(cols)].itertuples(index=False)]


def layanan(rows: list[dict]) -> pd.DataFrame:
    cols = ["kode_desa", "tahun", "penduduk", "balita_stunting", "balita_diukur", "peserta_jkn"]
    df = pd.DataFrame(rows, columns=cols)
    return df.astype({"kode_desa": "string", **{c: "Int64" for c in cols[1:]}})


def lines(rows: list[tuple]) -> pd.DataFrame:
    """APBDes lines from (kode_desa, tahun, kode_rekening, uraian, anggaran, realisasi)."""
    df = pd.DataFrame(rows, columns=["kode_desa", "tahun", "kode_rekening", "uraian", "anggaran", "realisasi"])
    keg = ["02.02.01" if str(r).startswith("5") else None for r in df["kode_rekening"]]
    return df.assign(kode_kegiatan=pd.array(keg, dtype="string"), sumber_dana="DDS").astype(
        {"kode_desa": "string", "tahun": "Int64", "anggaran": "Float64", "realisasi": "Float64"})


def balanced(code: str, year: int, extra: list[tuple] | None = None) -> list[tuple]:
    """A balanced budget: 1,000 + SiLPA 50 = 900 spending + 150 outlays."""
    return [
        (code, year, "4.2.1.01", "Dana Desa", 1_000e6, 990e6),
        (code, year, "6.1.1.01", "SiLPA", 50e6, 50e6),
        (code, year, "5.1.1.01", "Siltap", 300e6, 300e6),
        (code, year, "5.2.2.01", "Posyandu", 600e6, 550e6),
        (code, year, "6.2.2.01", "Penyertaan modal BUM Desa", 150e6, 150e6),
        *(extra or []),
    ]


# --------------------------------------------------------------------------- parameters


def test_yaml_parameters_match_the_documented_defaults():
    assert q.load_params() == q.QualityParams()


def test_parameter_errors_are_indonesian(tmp_path):
    with pytest.raises(ParameterError, match="lonjakan.fakor'?: isian tidak dikenal"):
        q.QualityParams.from_mapping({"lonjakan": {"fakor": 3}})
    with pytest.raises(ParameterError, match="porsi_info'?: harus ≤ 1"):
        q.QualityParams(kelengkapan_porsi_info=1.5)
    with pytest.raises(ParameterError, match="pengali_mad'?: harus ≥ 0"):
        q.QualityParams(pencilan_pengali_mad=-1)
    bad = tmp_path / "k.yaml"
    bad.write_text("pencilan: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="pencilan.*daftar isian"):
        q.load_params(bad)


def test_partial_mapping_overrides_the_file():
    p = q.as_params({"lonjakan": {"faktor": 10}})
    assert p.lonjakan_faktor == 10 and p.pencilan_pengali_mad == q.load_params().pencilan_pengali_mad


# --------------------------------------------------------------------------- single checks


def test_numerator_exceeds_denominator_exact(wil):
    lay = layanan([
        {"kode_desa": K1, "tahun": 2024, "penduduk": 1000, "balita_stunting": 57, "balita_diukur": 40, "peserta_jkn": 900},
        {"kode_desa": K2, "tahun": 2024, "penduduk": 800, "balita_stunting": 10, "balita_diukur": 40, "peserta_jkn": 801},
        {"kode_desa": K3, "tahun": 2024, "penduduk": None, "balita_stunting": 40, "balita_diukur": 40, "peserta_jkn": 500},
    ])
    got = q.check_numerator_exceeds(lay, CAT, wilayah=wil)
    expected = findings([
        (K1, 2024, "layanan", "balita_stunting", "57", "pembilang_melebihi_penyebut", "galat",
         "Desa Kaligowong (33.07.01.2001), 2024: balita_stunting (57) lebih besar dari balita_diukur (40) (indikator KES01)."),
        (K2, 2024, "layanan", "peserta_jkn", "801", "pembilang_melebihi_penyebut", "galat",
         "Desa Sumbersari (33.07.01.2002), 2024: peserta_jkn (801) lebih besar dari penduduk (800) (indikator KES06)."),
    ])
    pd.testing.assert_frame_equal(got, expected)


def test_counts_raw_text_negative_and_fraction():
    raw = pd.DataFrame({
        "kode_desa": [K1, K2, K3, K1],
        "tahun": ["2024", "2024", "2024", "2023"],
        "balita_diukur": ["40", "12a", " ", "2,5"],
        "penduduk": [1000, -5, 700, 1000.5],
    })
    got = q.check_counts(raw)
    assert keyed(got) == [  # columns in contract order
        (K2, 2024, "layanan", "penduduk", "-5", "nilai_negatif", "galat"),
        (K1, 2023, "layanan", "penduduk", "1000.5", "bukan_angka", "galat"),
        (K2, 2024, "layanan", "balita_diukur", "12a", "bukan_angka", "galat"),
        (K1, 2023, "layanan", "balita_diukur", "2,5", "bukan_angka", "galat"),
    ]
    assert got.loc[2, "pesan"] == ("Desa 33.07.01.2002, 2024: balita_diukur berisi '12a', bukan angka; "
                                   "nilai ini dianggap tidak dilaporkan.")
    # the empty cell is not a finding of this rule (it is "not reported")


def test_invalid_counts_are_treated_as_missing_by_other_checks():
    raw = pd.DataFrame({"kode_desa": [K1], "tahun": [2024], "balita_stunting": ["-50"], "balita_diukur": ["-60"],
                        "penduduk": ["x"], "peserta_jkn": ["5"]})
    assert q.check_numerator_exceeds(raw, CAT).empty


def test_amounts():
    ap = pd.DataFrame({"kode_desa": [K1, K1], "tahun": [2024, 2024], "kode_rekening": ["5.1.1.01", "5.2.2.01"],
                       "anggaran": ["1000000", "-5"], "realisasi": ["sejuta", None]})
    assert keyed(q.check_amounts(ap)) == [
        (K1, 2024, "apbdes", "anggaran", "-5", "nilai_negatif", "galat"),
        (K1, 2024, "apbdes", "realisasi", "sejuta", "bukan_angka", "galat"),
    ]


def test_duplicates_exact(wil):
    lay = layanan([
        {"kode_desa": K1, "tahun": 2024, "penduduk": 1000, "balita_stunting": 5, "balita_diukur": 40, "peserta_jkn": 900},
        {"kode_desa": K1, "tahun": 2024, "penduduk": 1000, "balita_stunting": 6, "balita_diukur": 40, "peserta_jkn": 900},
        {"kode_desa": K1, "tahun": 2023, "penduduk": 1000, "balita_stunting": 6, "balita_diukur": 40, "peserta_jkn": 900},
        {"kode_desa": K2, "tahun": 2024, "penduduk": 800, "balita_stunting": 6, "balita_diukur": 40, "peserta_jkn": 700},
    ])
    ap = lines([
        (K2, 2024, "5.2.2.01", "Posyandu", 10e6, None),
        (K2, 2024, "5.2.2.01", "Posyandu", 10e6, None),
        (K2, 2024, "5.2.2.01", "Posyandu", 10e6, 9e6),   # differs in realisasi: not identical
        (K2, 2024, "5.2.2.02", "PMT", 10e6, None),       # same amounts, other account: not identical
        (K3, 2024, "5.2.2.01", "Posyandu", 10e6, None),  # other desa
    ])
    got = q.check_duplicates({"layanan": lay, "apbdes": ap, "wilayah": wil})
    expected = findings([
        (K1, 2024, "layanan", "kode_desa", "2", "baris_ganda", "galat",
         "Desa Kaligowong (33.07.01.2001), 2024: tercatat 2 kali di tabel layanan (kode desa + tahun harus unik; "
         "nilai berbeda pada: balita_stunting). Sisakan satu baris yang benar."),
        (K2, 2024, "apbdes", "(seluruh kolom)", "1", "baris_ganda", "galat",
         "Desa Sumbersari (33.07.01.2002), 2024: 1 baris APBDes tercatat ganda dengan isi identik (mis. 'Posyandu'); "
         "jumlahnya terhitung dua kali."),
    ])
    pd.testing.assert_frame_equal(got, expected)


def test_duplicates_status_desa_and_usulan():
    st_ = pd.DataFrame({"kode_desa": [K1, K1], "tahun": [2024, 2024], "idm": [0.7, 0.7]})
    us = pd.DataFrame({"kode_desa": [K1, K1, K1], "tahun": [2024] * 3, "forum": ["musdus"] * 3,
                       "uraian": ["Sumur bor", "Sumur bor", "Jamban"], "perkiraan_biaya": [5e6, 5e6, 5e6]})
    got = q.check_duplicates({"status_desa": st_, "usulan": us})
    assert keyed(got, ("kode_desa", "tabel", "nilai", "aturan")) == [
        (K1, "status_desa", "2", "baris_ganda"), (K1, "usulan", "1", "baris_ganda")]
    assert "isinya identik" in got.loc[0, "pesan"]


def test_duplicates_in_a_raw_text_table_with_a_blank_year_are_reported_not_a_crash():
    # A table as read from a file keeps its cells as text: a blank year was int('') and crashed the checks.
    raw = pd.DataFrame({"kode_desa": [K1, K1, K2, K2], "tahun": ["", "", "2O24", "2O24"], "idm": ["0,7"] * 4})
    got = q.check_duplicates({"status_desa": raw})
    assert keyed(got, ("kode_desa", "tabel", "nilai", "aturan")) == [
        (K1, "status_desa", "2", "baris_ganda"), (K2, "status_desa", "2", "baris_ganda")]
    assert "tahun tidak diketahui" in got.loc[0, "pesan"] and "tahun '2O24'" in got.loc[1, "pesan"]


def test_official_codes_with_suggestions():
    lay = pd.DataFrame({"kode_desa": [K1, "3307012002", "33.07.01.2007", "33.07.99.2001", "33-07", None],
                        "tahun": [2024] * 6})
    ap = lines([("33.07.01.2007", 2024, "5.1.1.01", "x", 1e6, None), ("33.07.01.2007", 2024, "5.1.1.02", "y", 1e6, None)])
    got = q.check_official_codes({"layanan": lay, "apbdes": ap})
    assert keyed(got, ("kode_desa", "tahun", "tabel", "nilai", "aturan")) == [
        ("33-07", 2024, "layanan", "33-07", "kode_tidak_resmi"),
        ("33.07.01.2007", 2024, "layanan", "33.07.01.2007", "kode_tidak_resmi"),
        ("33.07.99.2001", 2024, "layanan", "33.07.99.2001", "kode_tidak_resmi"),
        ("3307012002", 2024, "layanan", "3307012002", "kode_tidak_resmi"),
        (None, 2024, "layanan", "", "kode_tidak_resmi"),
        ("33.07.01.2007", 2024, "apbdes", "33.07.01.2007", "kode_tidak_resmi"),
    ]
    msgs = got["pesan"].tolist()
    assert "Format kode harus PP.KK.CC.DDDD" in msgs[0]
    assert "Kode resmi terdekat di kecamatan yang sama: 33.07.01.2006 (Panerusan)" in msgs[1]
    assert "Kecamatan 33.07.99 juga tidak ada" in msgs[2]
    assert "Mungkin maksudnya 33.07.01.2002 (Sumbersari)" in msgs[3]
    assert msgs[4].startswith("Baris tanpa kode desa, 2024 (1 baris di tabel layanan)")
    assert msgs[5].startswith("Kode 33.07.01.2007, 2024 (2 baris di tabel apbdes)")


def test_official_codes_explicit_list():
    lay = pd.DataFrame({"kode_desa": [K1, K2], "tahun": [2024, 2024]})
    got = q.check_official_codes({"layanan": lay}, official_codes=[K1])
    assert keyed(got, ("kode_desa", "aturan")) == [(K2, "kode_tidak_resmi")]
    assert q.check_official_codes({"layanan": lay}).empty
    assert q.check_official_codes({"layanan": lay.iloc[:0]}).empty  # no rows, no findings


def test_kelurahan_with_apbdes(wil):
    ap = lines([*balanced(KEL, 2024), *balanced(K1, 2024)])
    got = q.check_kelurahan_apbdes(ap, wilayah=wil)
    expected = findings([
        (KEL, 2024, "apbdes", "kode_desa", "5", "kelurahan_ber_apbdes", "galat",
         "Kelurahan Wadaslintang (33.07.01.1007), 2024: ada 5 baris APBDes (anggaran Rp 2.100.000.000), padahal "
         "kelurahan tidak memiliki APBDes maupun Dana Desa; baris ini tidak dipakai dalam indikator belanja."),
    ])
    pd.testing.assert_frame_equal(got, expected)


def test_kelurahan_known_only_from_wilayah():
    w = pd.DataFrame({"kode_desa": [K1], "nama_desa": ["X"], "jenis": ["kelurahan"]})
    ap = lines(balanced(K1, 2024))
    assert keyed(q.check_kelurahan_apbdes(ap, wilayah=w), ("kode_desa", "aturan")) == [(K1, "kelurahan_ber_apbdes")]
    assert q.check_kelurahan_apbdes(ap).empty


def test_realisation_above_budget(wil):
    ap = lines([
        (K1, 2024, "5.2.2.01", "Posyandu", 10_000_000, 12_500_000),
        (K1, 2024, "5.2.2.02", "PMT", 10_000_000, 10_000_500),       # within Rp 1,000 rounding
        (K1, 2024, "4.1.1.01", "PADes", 10_000_000, 15_000_000),     # revenue above estimate is fine
        (K1, 2024, "6.2.2.01", "Penyertaan modal", 10_000_000, 20_000_000),
        (K1, 2024, "5.2.2.03", "Kelas ibu", 10_000_000, None),
    ])
    got = q.check_realisation(ap, wilayah=wil, params=P)
    expected = findings([
        (K1, 2024, "apbdes", "realisasi", "12500000", "realisasi_melebihi_anggaran", "galat",
         "Desa Kaligowong (33.07.01.2001), 2024: realisasi Rp 12.500.000 melebihi anggaran Rp 10.000.000 pada "
         "rekening 5.2.2.01 'Posyandu' (kegiatan 02.02.01)."),
        (K1, 2024, "apbdes", "realisasi", "20000000", "realisasi_melebihi_anggaran", "galat",
         "Desa Kaligowong (33.07.01.2001), 2024: realisasi Rp 20.000.000 melebihi anggaran Rp 10.000.000 pada "
         "rekening 6.2.2.01 'Penyertaan modal'."),
    ])
    pd.testing.assert_frame_equal(got, expected)


def test_budget_totals():
    ap = lines(balanced(K1, 2024))
    totals = pd.DataFrame({
        "kode_desa": [K1, K1, K1, K1, K2],
        "tahun": [2024] * 5,
        "jenis": ["pendapatan", "belanja", "penerimaan_pembiayaan", "belanja", "belanja"],
        "total": [1_000e6, 950e6, 50e6 + 500, 840e6, 1e6],
        "kolom": ["anggaran", "anggaran", "anggaran", "realisasi", "anggaran"],
    })
    got = q.check_budget_totals(ap, totals, params=P)
    assert keyed(got) == [
        (K1, 2024, "apbdes", "anggaran", "950000000", "total_tidak_sesuai", "galat"),
        (K1, 2024, "apbdes", "realisasi", "840000000", "total_tidak_sesuai", "galat"),
        (K2, 2024, "apbdes", "anggaran", "1000000", "total_tidak_sesuai", "galat"),
    ]
    assert got.loc[0, "pesan"] == ("Desa 33.07.01.2001, 2024: total belanja (anggaran) tertulis Rp 950.000.000, "
                                   "sedangkan jumlah rinciannya Rp 900.000.000 (selisih Rp 50.000.000).")
    with pytest.raises(ParameterError, match="Jenis total tidak dikenal: total"):
        q.check_budget_totals(ap, totals.assign(jenis="total"), params=P)


def test_apbdes_identity(wil):
    ap = lines([
        *balanced(K1, 2024),
        *balanced(K2, 2024, extra=[(K2, 2024, "5.2.1.01", "PAUD", 100e6, None)]),  # deficit not covered
        (K3, 2024, "5.1.1.01", "Siltap", 300e6, None),                               # no revenue lines
        *[r for r in balanced(KEL, 2024) if r[2] != "6.1.1.01"],                      # kelurahan: other rule
        (K1, 2023, "4.2.1.01", "Dana Desa", 100e6 + 500, None),                        # within tolerance
        (K1, 2023, "5.1.1.01", "Siltap", 100e6, None),
    ])
    got = q.check_apbdes_identity(ap, wilayah=wil, params=P)
    expected = findings([
        (K2, 2024, "apbdes", "anggaran", "-100000000", "identitas_apbdes", "peringatan",
         "Desa Sumbersari (33.07.01.2002), 2024: APBDes tidak seimbang: pendapatan Rp 1.000.000.000 − belanja "
         "Rp 1.000.000.000 + pembiayaan netto −Rp 100.000.000 = −Rp 100.000.000; pada anggaran seharusnya 0 (defisit "
         "ditutup penerimaan pembiayaan, surplus dialokasikan ke pengeluaran pembiayaan). Periksa baris yang hilang, "
         "mis. SiLPA (6.1.1)."),
        (K3, 2024, "apbdes", "kode_rekening", "", "apbdes_tidak_lengkap", "peringatan",
         "Desa Sumberejo (33.07.01.2003), 2024: APBDes tidak memiliki baris pendapatan (4.x); identitas anggaran "
         "tidak dapat diperiksa."),
    ])
    pd.testing.assert_frame_equal(got, expected)


def _complete_rows(codes, years, over=None):
    rows = []
    for c in codes:
        for y in years:
            r = {"kode_desa": c, "tahun": y, "penduduk": 1000, "balita_stunting": 8, "balita_diukur": 40,
                 "peserta_jkn": 800}
            r.update((over or {}).get((c, y), {}))
            rows.append(r)
    return rows


def test_completeness_table_and_findings(wil):
    rows = _complete_rows([K1, K2, KEL], [2023, 2024], {
        (K1, 2024): {"balita_diukur": None},   # KES01 incomplete for K1 in 2024
    })
    lay = layanan([r for r in rows if not (r["kode_desa"] == K2 and r["tahun"] == 2024)])  # K2 silent in 2024
    table = q.completeness_table(lay, CAT, wilayah=wil)
    # expected in 33.07.01: desa K1, K2, K3 (from wilayah) + kelurahan KEL (has data) = 4
    t24 = table[table["tahun"] == 2024].set_index("indikator")
    assert t24.loc["KES01", ["n_desa", "n_lapor"]].tolist() == [4, 1]
    assert t24.loc["KES06", ["n_desa", "n_lapor"]].tolist() == [4, 2]
    got = q.check_completeness(lay, CAT, wilayah=wil, params=P)
    assert keyed(got, ("kode_desa", "tahun", "kolom", "nilai", "aturan", "tingkat")) == [
        ("33.07.01", 2023, "KES01", "0.75", "kelengkapan", "peringatan"),
        ("33.07.01", 2023, "KES06", "0.75", "kelengkapan", "peringatan"),
        ("33.07.01", 2024, "KES01", "0.25", "kelengkapan", "peringatan"),
        ("33.07.01", 2024, "KES06", "0.5", "kelengkapan", "peringatan"),
        (K2, 2024, "kode_desa", "", "desa_tidak_melapor", "peringatan"),
        (K3, 2023, "kode_desa", "", "desa_tidak_melapor", "peringatan"),
        (K3, 2024, "kode_desa", "", "desa_tidak_melapor", "peringatan"),
    ]
    assert got.loc[2, "pesan"] == (
        "Kecamatan Wadaslintang (33.07.01), 2024: KES01 (Prevalensi stunting balita) hanya dilaporkan lengkap "
        "(balita_stunting dan balita_diukur) oleh 1 dari 4 desa (25,0%); di bawah ambang 80,0%.")


def test_completeness_info_level_and_without_wilayah():
    codes = [f"33.07.01.20{i:02d}" for i in range(1, 11)]
    rows = _complete_rows(codes, [2024], {(codes[0], 2024): {"peserta_jkn": None}})
    got = q.check_completeness(layanan(rows), CAT, params=P)
    assert keyed(got, ("kode_desa", "kolom", "nilai", "tingkat")) == [("33.07.01", "KES06", "0.9", "info")]


def test_missing_values_isolated_gap_only():
    codes = [f"33.07.01.20{i:02d}" for i in range(1, 5)]
    rows = _complete_rows(codes, [2024], {
        (codes[0], 2024): {"balita_diukur": None},
        # peserta_jkn is collected by almost nobody: a kecamatan-level matter, not 3 cell findings
        (codes[1], 2024): {"peserta_jkn": None}, (codes[2], 2024): {"peserta_jkn": None},
        (codes[3], 2024): {"peserta_jkn": None},
    })
    got = q.check_missing_values(layanan(rows), CAT, params=P)
    assert keyed(got, ("kode_desa", "tahun", "kolom", "aturan")) == [(codes[0], 2024, "balita_diukur", "nilai_hilang")]


def _kabupaten(n=15, years=(2023, 2024)):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        pend = int(rng.integers(2000, 3000))
        for y in years:
            diukur = int(pend * 0.07)
            rows.append({"kode_desa": f"33.07.01.2{i + 1:03d}", "tahun": y, "penduduk": pend,
                         "balita_stunting": int(diukur * (0.20 + 0.01 * (i % 5))), "balita_diukur": diukur,
                         "peserta_jkn": int(pend * 0.85)})
    return rows


def test_outliers_rate_and_per_capita():
    rows = _kabupaten()
    rows[4]["balita_stunting"] = int(rows[4]["balita_diukur"] * 0.9)      # desa 3, 2023: rate 90 %
    rows[9]["balita_diukur"] = rows[9]["balita_diukur"] * 10             # desa 5, 2024: 10× too many measured
    got = q.check_outliers(layanan(rows), CAT, params=P)
    assert keyed(got, ("kode_desa", "tahun", "kolom", "aturan")) == [
        ("33.07.01.2003", 2023, "balita_stunting", "pencilan"),
        # its rate drops to ~2 %, under 20 points from the median: not a rate outlier
        ("33.07.01.2005", 2024, "balita_diukur", "pencilan"),
    ]
    assert got.loc[0, "pesan"].startswith("Desa 33.07.01.2003, 2023: KES01 (balita_stunting/balita_diukur) = 89,8%, jauh di atas median kabupaten 21,9%")
    assert "10,0 kali median kabupaten" in got.loc[1, "pesan"]


def test_outliers_need_enough_villages():
    rows = _kabupaten(n=5)
    rows[0]["balita_stunting"] = rows[0]["balita_diukur"]
    assert q.check_outliers(layanan(rows), CAT, params=P).empty


def test_yoy_jumps_spike_shift_and_small_values():
    def series(code, values, col="balita_diukur"):
        return [{"kode_desa": code, "tahun": 2021 + i, "penduduk": 1000, col: v} for i, v in enumerate(values)]

    rows = [
        *series(K1, [120, 118, 1180, 125]),   # spike in 2023, back in 2024: one finding
        *series(K2, [120, 118, 30, 31]),      # level shift down in 2023: one finding
        *series(K3, [5, 20, 4, 6]),           # small numbers: none
        *series(KEL, [0, 45, 50, 48]),        # the first year is the odd one out: reported at 2021
    ]
    lay = pd.DataFrame(rows).astype({"tahun": "Int64", "balita_diukur": "Int64"})
    got = q.check_yoy_jumps(lay, ["balita_diukur"], params=P)
    assert keyed(got, ("kode_desa", "tahun", "kolom", "nilai", "aturan")) == [
        (KEL, 2021, "balita_diukur", "0", "lonjakan_tahunan"),
        (K1, 2023, "balita_diukur", "1180", "lonjakan_tahunan"),
        (K2, 2023, "balita_diukur", "30", "lonjakan_tahunan"),
    ]
    assert got.loc[0, "pesan"] == ("Kelurahan 33.07.01.1007, 2021: nilai tahun pertama jauh berbeda dari dua tahun "
                                   "berikutnya (2021–2023: balita_diukur 0 lalu 45 dan 50); nilai 2021 kemungkinan "
                                   "salah ketik.")
    assert got.loc[1, "pesan"] == ("Desa 33.07.01.2001, 2023: balita_diukur naik 10,0 kali dari 118 menjadi 1.180 "
                                   "dibanding 2022; periksa apakah ini salah ketik.")


def test_yoy_two_years_blame_the_later_and_many_columns_make_one_finding():
    lay = pd.DataFrame({"kode_desa": [K1, K1], "tahun": [2023, 2024], "penduduk": [4000, 1000],
                        "rumah_tangga": [1000, 250], "balita_diukur": [300, 75]})
    got = q.check_yoy_jumps(lay, params=P)
    assert keyed(got, ("kode_desa", "tahun", "kolom", "nilai", "aturan")) == [
        (K1, 2024, "penduduk", "1000", "lonjakan_tahunan")]
    assert got.loc[0, "pesan"].startswith("Desa 33.07.01.2001, 2024: 3 kolom berubah tajam dibanding 2023: "
                                          "penduduk turun menjadi 1/4,0 kali dari 4.000 menjadi 1.000; rumah_tangga")


def test_yoy_needs_consecutive_years():
    lay = pd.DataFrame({"kode_desa": [K1, K1], "tahun": [2021, 2024], "balita_diukur": [100, 900]})
    assert q.check_yoy_jumps(lay, ["balita_diukur"], params=P).empty


# --------------------------------------------------------------------------- all checks


def _clean_tables(wil):
    w = wilayah_table(["33"])
    w = w[w["kode_kecamatan"] == "33.07.01"].reset_index(drop=True)
    desa = w.loc[w["jenis"] == "desa", "kode_desa"].tolist()
    rows = []
    rng = np.random.default_rng(1)
    for code in desa:
        pend = int(rng.integers(2000, 3000))
        for y in (2023, 2024):
            diukur = int(pend * 0.07)
            rows.append({"kode_desa": code, "tahun": y, "penduduk": pend + (y - 2023) * 10,
                         "balita_stunting": int(diukur * rng.uniform(0.15, 0.25)), "balita_diukur": diukur,
                         "peserta_jkn": int(pend * rng.uniform(0.8, 0.9))})
    ap = lines([r for code in desa for y in (2023, 2024) for r in balanced(code, y)])
    return {"wilayah": w, "layanan": layanan(rows), "apbdes": ap}


def test_clean_data_gives_no_findings(wil):
    tables = _clean_tables(wil)
    before = {k: v.copy() for k, v in tables.items()}
    got = q.run_checks(tables, CAT, params=P)
    assert got.empty, got["pesan"].tolist()
    assert list(got.columns) == list(q.FINDING_COLUMNS)
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k])  # inputs untouched


def test_run_checks_sorted_galat_first_and_typed(wil):
    tables = _clean_tables(wil)
    lay = tables["layanan"].copy()
    lay.loc[0, "balita_stunting"] = 500                  # > balita_diukur: galat (+ outlier, jump)
    lay.loc[3, "peserta_jkn"] = pd.NA                     # isolated gap: peringatan
    ap = pd.concat([tables["apbdes"], tables["apbdes"].iloc[[0]]], ignore_index=True)  # duplicate line
    got = q.run_checks({**tables, "layanan": lay, "apbdes": ap}, CAT, params=P)
    assert got.dtypes.astype(str).tolist() == ["string", "Int64", *["string"] * 6]
    levels = got["tingkat"].tolist()
    assert levels == sorted(levels, key=q.TINGKAT.index)
    rules = set(got["aturan"])
    assert {"pembilang_melebihi_penyebut", "nilai_hilang", "baris_ganda", "identitas_apbdes"} <= rules
    assert rules <= set(q.RULES)
    assert got["pesan"].str.len().min() > 20


def test_run_checks_accepts_dataset_and_partial_tables(wil):
    from p3pd_lib.store import Dataset

    tables = _clean_tables(wil)
    assert q.run_checks(Dataset(wilayah=tables["wilayah"], layanan=tables["layanan"]), CAT, params=P).empty
    assert q.run_checks({"apbdes": tables["apbdes"]}, params=P).empty
    with pytest.raises(ParameterError, match="Tabel tidak dikenal: lain"):
        q.run_checks({"lain": tables["apbdes"]})
    with pytest.raises(ParameterError, match="Dataset atau kamus"):
        q.run_checks([1, 2])


def test_summaries(wil):
    f = findings([
        (K1, 2024, "layanan", "x", "1", "nilai_negatif", "galat", "a"),
        (K1, 2024, "layanan", "y", "1", "nilai_negatif", "galat", "b"),
        (K2, 2024, "layanan", "x", "", "nilai_hilang", "peringatan", "c"),
        (K1, 2023, "layanan", "x", "", "nilai_hilang", "peringatan", "d"),
        ("33.07.01", 2024, "layanan", "KES01", "0.9", "kelengkapan", "info", "e"),
    ])
    s = q.summarize(f)
    assert s[["aturan", "tingkat", "jumlah", "n_desa"]].values.tolist() == [
        ["nilai_negatif", "galat", 2, 1], ["nilai_hilang", "peringatan", 2, 2], ["kelengkapan", "info", 1, 1]]
    assert s.loc[0, "judul"] == "Nilai negatif"
    assert q.summarize(q.empty_findings()).empty
    rules = q.rules_table()
    assert rules["aturan"].tolist() == list(q.RULES) and set(rules["tingkat"]) <= set(q.TINGKAT)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=30))
def test_numerator_rule_flags_exactly_the_rows_above(pairs):
    lay = pd.DataFrame({"kode_desa": [f"33.07.01.2{i:03d}" for i in range(len(pairs))], "tahun": 2024,
                        "balita_stunting": [a for a, _ in pairs], "balita_diukur": [b for _, b in pairs]})
    got = q.check_numerator_exceeds(lay, CAT.iloc[:1])
    assert set(got["kode_desa"]) == {c for c, (a, b) in zip(lay["kode_desa"], pairs) if a > b}


# --------------------------------------------------------------------------- demo data


MANIFEST_RULES = ("pembilang_melebihi_penyebut", "nilai_hilang", "baris_ganda", "kode_tidak_resmi",
                  "kelurahan_ber_apbdes", "realisasi_melebihi_anggaran", "pencilan", "lonjakan_tahunan")


@pytest.fixture(scope="module")
def demo_findings(demo_dataset):
    return q.run_checks(demo_dataset)


def test_demo_every_planted_problem_is_found(demo_findings, demo_manifest):
    assert set(demo_manifest["aturan"]) <= set(MANIFEST_RULES)
    found = set(zip(demo_findings["aturan"], demo_findings["tabel"], demo_findings["kode_desa"],
                    demo_findings["tahun"].astype("float64").fillna(-1).astype(int)))
    missed = []
    for r in demo_manifest.itertuples(index=False):
        year = -1 if pd.isna(r.tahun) else int(r.tahun)
        if (r.aturan, r.tabel, r.kode_desa, year) not in found:
            missed.append((r.aturan, r.tabel, r.kode_desa, year, r.kolom))
    assert not missed, missed
    assert set(demo_manifest["aturan"]) == set(MANIFEST_RULES)  # every rule is planted at least once


def test_demo_clean_rows_have_no_findings_of_the_manifest_rules(demo_findings, demo_manifest):
    # A planted row may also trip another rule (an extreme denominator is also a jump from the
    # year before; the rate built on it is also an outlier): those rows are excluded, nothing else.
    planted = set(zip(demo_manifest["kode_desa"], demo_manifest["tahun"].astype("float64").fillna(-1).astype(int)))
    f = demo_findings[demo_findings["aturan"].isin(MANIFEST_RULES)]
    keys = list(zip(f["kode_desa"], f["tahun"].astype("float64").fillna(-1).astype(int)))
    unexpected = [(a, k) for a, k in zip(f["aturan"], keys) if k not in planted]
    assert not unexpected, unexpected[:20]


def test_demo_other_rules_are_quiet(demo_findings):
    # the demo's budgets are balanced and complete: the budget identity must not fire
    assert not demo_findings["aturan"].isin(["identitas_apbdes", "apbdes_tidak_lengkap", "nilai_negatif",
                                             "bukan_angka", "desa_tidak_melapor"]).any()


def test_village_names_in_messages(demo_findings):
    # village names in messages come from the shared label cache: none may be missing
    assert demo_findings["pesan"].str.contains(r"^(?:Desa|Kelurahan) [A-Z][^(]* \(\d", regex=True).mean() > 0.5
