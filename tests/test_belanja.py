"""Tests of p3pd_lib.belanja on small hand-built APBDes tables with hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import belanja, rapbdes
from p3pd_lib.errors import ParameterError

D1, D2, KEL = "33.07.01.2001", "33.07.01.2002", "33.07.01.1001"


def lines(rows, kode_desa=D1, tahun=2024):
    """apbdes lines from (kode_kegiatan, nama_kegiatan, kode_rekening, sumber_dana, anggaran[, realisasi])."""
    recs = []
    for r in rows:
        kk, nama, rek, sumber, ang, *rest = r
        recs.append({"kode_desa": kode_desa, "tahun": tahun, "kode_kegiatan": kk, "nama_kegiatan": nama,
                     "kode_rekening": rek, "uraian": "Belanja", "sumber_dana": sumber, "anggaran": float(ang),
                     "realisasi": rest[0] if rest else None})
    return pd.DataFrame(recs).astype({"tahun": "Int64", "anggaran": "Float64", "realisasi": "Float64",
                                      "kode_desa": "string", "kode_kegiatan": "string"})


def indicator(ind, code, desa=D1, tahun=2024):
    row = ind[(ind["kode_desa"] == desa) & (ind["tahun"] == tahun) & (ind["indikator"] == code)]
    assert len(row) == 1
    return row.iloc[0]


# --- parameter tables ---------------------------------------------------------------------------


def test_parameter_tables_load_and_cover_domain_rules():
    m = belanja.load_mapping().set_index("kode")
    assert m.loc["02.01", "sektor"] == "PEND"
    assert m.loc["05.03", "penanda_dd"] == "BLT"
    assert m.loc["01.01.01", "kelompok"] == "personel" and m.loc["01.01.01", "sumber"] == "sourced"
    k = belanja.load_keyword_rules()
    assert {"BLT", "jamban", "MCK", "sanitasi", "air", "ketahanan pangan"} <= set(k["kata_kunci"])
    r = belanja.load_dana_desa_rules().set_index(["aturan", "tahun"])
    assert r.loc[("BLT", 2022), "batas_bawah"] == 40 and pd.isna(r.loc[("BLT", 2022), "batas_atas"])
    assert r.loc[("BLT", 2025), "batas_atas"] == 15
    assert r.loc[("OPERASIONAL", 2026), "batas_atas"] == 3
    assert r.loc[("PERSONEL", 2024), "batas_atas"] == 30 and r.loc[("PERSONEL", 2024), "tag"] == "sourced"


def test_bad_mapping_row_is_named_in_indonesian():
    m = belanja.load_mapping()
    bad = pd.concat([m, pd.DataFrame([{"kode": "02.99", "sektor": "KES", "kelompok": "infrastruktur",
                                       "campuran": "tidak", "penanda_dd": None, "alasan": "x",
                                       "sumber": "proposed"}])], ignore_index=True)
    with pytest.raises(ParameterError, match=rf"baris {len(m) + 2}.*02\.99.*layanan_dasar"):
        belanja.validate_mapping(bad)
    bad_code = m.assign(kode=m["kode"].where(m.index != 0, "2.1"))
    with pytest.raises(ParameterError, match="baris 2"):
        belanja.validate_mapping(bad_code)


def test_bad_rules_row_is_named():
    r = belanja.load_dana_desa_rules()
    bad = r.astype({"batas_bawah": "object"})
    bad.loc[3, "batas_bawah"] = "empat puluh"
    with pytest.raises(ParameterError, match="baris 5.*harus angka"):
        belanja.validate_dana_desa_rules(bad)
    swapped = r.copy()
    swapped.loc[0, ["batas_bawah", "batas_atas"]] = [50.0, 10.0]
    with pytest.raises(ParameterError, match="baris 2.*lebih besar"):
        belanja.validate_dana_desa_rules(swapped)


def test_keyword_rule_that_changes_nothing_is_refused():
    k = belanja.load_keyword_rules().iloc[:1].assign(kelompok=None, sektor=None, penanda_dd=None)
    with pytest.raises(ParameterError, match="tidak mengubah"):
        belanja.validate_keyword_rules(k)


# --- codes and mapping ----------------------------------------------------------------------------


def test_trailing_dot_and_short_codes_are_normalised():
    s = pd.Series(["02.01.05.", "2.1.5", " 02 .01. 05 ", "02.01.05", "abc", None])
    assert belanja.normalize_kode_kegiatan(s).tolist() == ["02.01.05"] * 4 + [pd.NA, pd.NA]
    mapped = belanja.map_apbdes(lines([("02.01.05.", "PAUD", "5.2.1.01", "DDS", 10),
                                       ("2.1.5", "PAUD", "5.2.1.01", "DDS", 10)]))
    assert mapped["kode_kegiatan"].tolist() == ["02.01.05", "02.01.05"]
    assert mapped["sektor"].tolist() == ["PEND", "PEND"]


def test_keyword_split_of_mixed_health_codes():
    mapped = belanja.map_apbdes(lines([
        ("02.02.90.", "Pembangunan MCK Posyandu", "5.3.1", "DDS", 10),
        ("02.02.91", "Pengadaan sarana air bersih Poskesdes", "5.3.1", "DDS", 10),
        ("02.02.92", "Jambanisasi keluarga miskin", "5.3.1", "DDS", 10),  # 'jamban' is not a whole word here
        ("02.02.93", "Promosi sanitasi total berbasis masyarakat", "5.2.1", "DDS", 10),
        ("02.02.94", "Sosialisasi bahaya narkoba", "5.2.1", "DDS", 10),
        ("02.02.02", "Penyelenggaraan Posyandu (air minum kader)", "5.2.1", "DDS", 10),  # not a mixed code
    ]))
    assert mapped["sektor"].tolist() == ["AIR", "AIR", "KES", "AIR", "KES", "KES"]
    assert mapped["status_pemetaan"].tolist() == ["dipetakan", "dipetakan", "ambigu", "dipetakan", "ambigu",
                                                  "dipetakan"]
    assert "MCK" in mapped["alasan_pemetaan"].iloc[0]


def test_blt_detected_by_name_outside_0503_and_0101_03_not_sos():
    mapped = belanja.map_apbdes(lines([
        ("04.04.90", "Bantuan Langsung Tunai Dana Desa", "5.4.1", "DDS", 30),
        ("02.03.99", "BLT DD bulan Januari-Maret", "5.4.1", "DDS", 10),
        ("05.03.01", "Keadaan Mendesak", "5.4.1", "DDS", 20),
        ("01.01.03", "Penyediaan Jaminan Sosial bagi Kepala Desa dan Perangkat Desa (iuran BPJS)",
         "5.1.2", "ADD", 5),
        ("01.03.05", "Pendataan calon penerima BLT", "5.2.1", "ADD", 5),
    ]))
    assert mapped["sektor"].tolist() == ["SOS", "SOS", "SOS", pd.NA, "ADM"]
    assert mapped["kelompok"].tolist()[3] == "operasional"
    # Civil-registration lines (01.03.*) are never counted as "operasional" (DOMAIN §3).
    assert mapped["penanda_dd"].astype("string").fillna("-").tolist() == ["BLT", "BLT", "BLT", "OPERASIONAL", "-"]


def test_rtlh_water_and_parks_under_0204():
    mapped = belanja.map_apbdes(lines([
        ("02.04.01", "Dukungan Pelaksanaan Program Rehab RTLH GAKIN", "5.3.1", "DDS", 1),
        ("02.04.11", "Pembangunan Sumber Air Bersih", "5.3.1", "DDS", 1),
        ("02.04.17", "Pembangunan Taman Bermain Anak", "5.3.1", "DDS", 1),
        ("02.04.90", "Pembangunan saluran air limbah", "5.3.1", "DDS", 1),
        ("02.04.99", "Penataan lingkungan", "5.3.1", "DDS", 1),
    ]))
    assert mapped["sektor"].tolist() == ["SOS", "AIR", pd.NA, "AIR", pd.NA]
    assert mapped["kelompok"].tolist() == ["layanan_dasar", "layanan_dasar", "infrastruktur", "layanan_dasar",
                                           "infrastruktur"]
    assert mapped["status_pemetaan"].tolist()[-1] == "ambigu"


def test_line_types_and_unknown_codes_listed_not_dropped():
    apb = lines([
        (None, None, "4.2.1.01", "DDS", 100),
        (None, None, "6.1.1.01", "SILPA", 7),
        ("09.09.09", "Kegiatan aneh", "5.2.1", "PAD", 3),
        (None, "Belanja tanpa kode", "5.2.1", "PAD", 2),
        ("02.01.01", "PAUD", "5.2.1", "DDS", 5),
    ])
    mapped = belanja.map_apbdes(apb)
    assert mapped["jenis_baris"].tolist() == ["pendapatan", "pembiayaan", "belanja", "belanja", "belanja"]
    assert mapped["status_pemetaan"].tolist() == [pd.NA, pd.NA, "tidak_dipetakan", "tidak_dipetakan", "dipetakan"]
    assert mapped["kelompok"].tolist()[2:4] == ["lainnya", "lainnya"]
    un = belanja.unmapped_lines(mapped)
    assert un["anggaran"].tolist() == [3.0, 2.0]
    assert un["alasan_pemetaan"].str.contains("09.09.09").iloc[0]
    # The input is not modified.
    assert apb["kode_kegiatan"].tolist()[2] == "09.09.09" and "sektor" not in apb.columns


def test_kelurahan_lines_are_excluded_everywhere():
    apb = pd.concat([
        lines([("02.01.01", "PAUD", "5.2.1", "DDS", 10), ("01.01.01", "Siltap", "5.1.1", "ADD", 10)]),
        lines([("02.02.01", "Polindes", "5.2.1", "DDS", 999)], kode_desa=KEL),
        lines([("02.02.01", "Polindes", "5.2.1", "DDS", 50)], kode_desa="33.07.01.1002"),
    ], ignore_index=True)
    wilayah = pd.DataFrame({"kode_desa": [D1, KEL, "33.07.01.1002"], "jenis": ["desa", "kelurahan", "desa"]})
    mapped = belanja.map_apbdes(apb, wilayah)
    # The official list wins over the digit rule: 1002 is listed as desa here.
    assert set(mapped["kode_desa"]) == {D1, "33.07.01.1002"}
    mapped_no_list = belanja.map_apbdes(apb)
    assert set(mapped_no_list["kode_desa"]) == {D1}
    ind = belanja.spending_indicators(mapped_no_list)
    assert set(ind["kode_desa"]) == {D1}
    assert set(belanja.dana_desa_compliance(mapped_no_list)["kode_desa"]) == {D1}


# --- indicators ------------------------------------------------------------------------------------


@pytest.fixture()
def two_villages():
    a = lines([
        (None, None, "4.2.1.01", "DDS", 1000),
        ("01.01.01.", "Siltap kades", "5.1.1", "ADD", 200),
        ("01.01.02.", "Siltap perangkat", "5.1.1", "ADD", 150),
        ("01.01.05.", "Tunjangan BPD", "5.1.1", "ADD", 50),
        ("01.01.04.", "Operasional", "5.2.1", "ADD", 100),
        ("02.01.01.", "PAUD", "5.2.1", "DDS", 100, 90.0),
        ("02.02.02.", "Posyandu", "5.2.1", "DDS", 100, None),
        ("02.04.14.", "MCK umum", "5.3.1", "DDS", 100, 100.0),
        ("02.03.10.", "Jalan desa", "5.3.1", "DDS", 200),
    ])
    b = lines([
        ("02.03.10.", "Jalan desa", "5.3.1", "DDS", 300),
        ("05.03.01.", "BLT DD", "5.4.1", "DDS", 100),
    ], kode_desa=D2)
    return pd.concat([a, b], ignore_index=True)


def test_spending_indicators_hand_computed(two_villages):
    layanan = pd.DataFrame({"kode_desa": [D1, D2], "tahun": [2024, 2024], "penduduk": [1000, None]}).astype(
        {"penduduk": "Int64"})
    ind = belanja.spending_indicators(belanja.map_apbdes(two_villages), layanan)
    assert list(ind.columns) == belanja.SPENDING_COLUMNS
    assert len(ind) == 20
    # D1: total belanja 1000; basic = PAUD 100 + Posyandu 100 + MCK 100 = 300.
    assert indicator(ind, "BEL01")[["pembilang", "penyebut", "nilai"]].tolist() == [300.0, 1000.0, 30.0]
    assert [indicator(ind, f"BEL0{i}")["nilai"] for i in range(2, 7)] == [10.0, 10.0, 10.0, 0.0, 0.0]
    bel07 = indicator(ind, "BEL07")
    assert bel07[["nilai", "target", "tag_target"]].tolist() == [40.0, 30.0, "sourced"]
    assert "PP 11/2019" in bel07["sumber_target"]
    assert indicator(ind, "BEL08")["nilai"] == 20.0
    # BEL09 over basic lines with known realisation only: (90 + 100) / (100 + 100).
    assert indicator(ind, "BEL09")[["pembilang", "penyebut", "nilai", "tag_target"]].tolist() == \
        [190.0, 200.0, 95.0, "proposed"]
    assert indicator(ind, "BEL10")[["pembilang", "penyebut", "nilai"]].tolist() == [300.0, 1000.0, 0.3]
    # D2: no realisation at all, no population → NA, never 0.
    assert pd.isna(indicator(ind, "BEL09", D2)["nilai"]) and pd.isna(indicator(ind, "BEL09", D2)["penyebut"])
    assert pd.isna(indicator(ind, "BEL10", D2)["nilai"])
    assert indicator(ind, "BEL05", D2)["nilai"] == 25.0
    assert pd.isna(indicator(ind, "BEL01")["target"])


def test_realisation_missing_gives_na_not_zero():
    apb = lines([("02.01.01", "PAUD", "5.2.1", "DDS", 100, None), ("02.02.01", "PKD", "5.2.1", "DDS", 50, None)])
    ind = belanja.spending_indicators(belanja.map_apbdes(apb))
    assert pd.isna(indicator(ind, "BEL09")["nilai"])
    zero = lines([("02.01.01", "PAUD", "5.2.1", "DDS", 100, 0.0)])
    assert indicator(belanja.spending_indicators(belanja.map_apbdes(zero)), "BEL09")["nilai"] == 0.0


def test_composition_adds_up_with_explicit_lainnya(two_villages):
    extra = lines([("09.09.09", "Tanpa kode resmi", "5.2.1", "PAD", 250)])
    comp = belanja.spending_composition(belanja.map_apbdes(pd.concat([two_villages, extra], ignore_index=True)))
    d1 = comp[comp["kode_desa"] == D1].set_index("komponen")
    assert list(d1.index) == list(belanja.KOMPONEN)
    # total 1250: personel 400 = 32 %, lainnya 250 = 20 %, operasional 100 = 8 %.
    assert d1.loc["personel", "porsi"] == 32.0 and d1.loc["lainnya", "porsi"] == 20.0
    assert d1.loc["operasional", "porsi"] == 8.0 and d1.loc["SOS", "porsi"] == 0.0
    assert d1["porsi"].sum() == pytest.approx(100.0, abs=1e-9)
    assert comp.groupby("kode_desa")["porsi"].sum().tolist() == pytest.approx([100.0, 100.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["01.01.01", "01.02.01", "02.01.01", "02.02.90", "02.03.10", "02.04.90",
                                           "03.01.01", "04.02.01", "05.01.01", "05.03.01", "77.01.01", None]),
                          st.sampled_from(["MCK", "BLT", "jalan", "air bersih", "x"]),
                          st.floats(min_value=0, max_value=1e9, allow_nan=False)),
                min_size=1, max_size=25))
def test_shares_always_sum_to_100(rows):
    apb = lines([(kk, nama, "5.2.1", "DDS", ang) for kk, nama, ang in rows])
    comp = belanja.spending_composition(belanja.map_apbdes(apb))
    total = sum(a for *_, a in set(rows))  # identical lines are one line counted once
    if total > 0:
        assert comp["porsi"].sum() == pytest.approx(100.0, abs=1e-6)
        assert comp["anggaran"].sum() == pytest.approx(total, rel=1e-12)
    else:
        assert comp["porsi"].isna().all()


# --- Dana Desa rules -------------------------------------------------------------------------------


def dd_village(tahun, blt, dd=1000.0, siltap=0.0, other=1000.0):
    return lines([
        (None, None, "4.2.1.01", "DDS", dd),
        ("05.03.01", "BLT Dana Desa", "5.4.1", "DDS", blt),
        ("01.01.01", "Siltap", "5.1.1", "ADD", siltap),
        ("02.03.10", "Jalan", "5.3.1", "DDS", other),
    ], tahun=tahun)


def blt_row(comp, tahun):
    return comp[(comp["aturan"] == "BLT") & (comp["tahun"] == tahun)].iloc[0]


def test_blt_rule_direction_changes_between_2022_and_2023():
    apb = pd.concat([dd_village(t, blt) for t in (2022, 2023) for blt in [200.0]], ignore_index=True)
    comp = belanja.dana_desa_compliance(belanja.map_apbdes(apb))
    assert list(comp.columns) == belanja.COMPLIANCE_COLUMNS
    r22, r23 = blt_row(comp, 2022), blt_row(comp, 2023)
    # The same 20 % BLT share: below the 2022 floor of 40 %, inside the 2023 band 10–25 %.
    assert r22["nilai"] == r23["nilai"] == 20.0
    assert r22["patuh"] is False or r22["patuh"] == False  # noqa: E712
    assert bool(r23["patuh"]) is True
    assert "TIDAK memenuhi" in r22["pesan"] and "≥ 40,0%" in r22["pesan"]
    assert "memenuhi batas 10,0%–25,0%" in r23["pesan"]
    # 45 % is the other way round; 30 % (above 25, below 40) is wrong in both years.
    for blt, expect in ((450.0, (True, False)), (300.0, (False, False))):
        apb = pd.concat([dd_village(t, blt) for t in (2022, 2023)], ignore_index=True)
        c = belanja.dana_desa_compliance(belanja.map_apbdes(apb))
        assert (bool(blt_row(c, 2022)["patuh"]), bool(blt_row(c, 2023)["patuh"])) == expect


def test_only_dana_desa_funded_lines_count_and_no_rule_or_no_dd_gives_na():
    apb = dd_village(2024, 100.0)
    apb.loc[1, "sumber_dana"] = "ADD"  # BLT paid from ADD does not count towards the DD earmark
    comp = belanja.dana_desa_compliance(belanja.map_apbdes(apb)).set_index("aturan")
    assert comp.loc["BLT", "jumlah"] == 0.0 and bool(comp.loc["BLT", "patuh"]) is True  # 0 % ≤ 25 %
    assert pd.isna(comp.loc["OPERASIONAL", "patuh"])  # no operasional rule in 2024
    assert "tidak ada aturan untuk tahun ini" in comp.loc["OPERASIONAL", "pesan"]
    no_dd = belanja.map_apbdes(dd_village(2024, 100.0).iloc[1:])
    c2 = belanja.dana_desa_compliance(no_dd).set_index("aturan")
    assert pd.isna(c2.loc["BLT", "patuh"]) and pd.isna(c2.loc["BLT", "penyebut"])
    assert "4.2.1" in c2.loc["BLT", "pesan"]


def test_ketahanan_pangan_by_name_and_code():
    apb = lines([
        (None, None, "4.2.1.01", "DDS", 1000),
        ("04.02.01", "Peningkatan produksi tanaman pangan", "5.2.1", "DDS", 100),
        ("02.03.99", "Program ketahanan pangan hewani", "5.2.1", "DDS", 60),
        ("04.02.02", "Bibit dari ADD", "5.2.1", "ADD", 500),
    ], tahun=2025)
    comp = belanja.dana_desa_compliance(belanja.map_apbdes(apb)).set_index("aturan")
    assert comp.loc["KETAHANAN_PANGAN", "jumlah"] == 160.0
    assert comp.loc["KETAHANAN_PANGAN", "nilai"] == 16.0 and not comp.loc["KETAHANAN_PANGAN", "patuh"]


def test_personnel_cap_boundary_exactly_30_percent_is_compliant():
    # 0.1 + 0.2 style floats: 30 of 100 computed as 30.000000000000004 must still pass.
    ok = belanja.dana_desa_compliance(belanja.map_apbdes(dd_village(2024, 0.0, siltap=0.3, other=0.7)))
    row = ok.set_index("aturan").loc["PERSONEL"]
    assert row["nilai"] == pytest.approx(30.0) and bool(row["patuh"]) is True
    over = belanja.dana_desa_compliance(belanja.map_apbdes(dd_village(2024, 0.0, siltap=30.01, other=69.99)))
    assert bool(over.set_index("aturan").loc["PERSONEL", "patuh"]) is False


def test_budget_identity():
    apb = lines([
        (None, None, "4.2.1.01", "DDS", 1000), (None, None, "4.1.1", "PAD", 50),
        ("02.01.01", "PAUD", "5.2.1", "DDS", 1100),
        (None, None, "6.1.1.01", "SILPA", 80), (None, None, "6.2.1.01", "DLL", 20),
    ])
    ident = belanja.budget_identity(apb).iloc[0]
    assert ident[["pendapatan", "belanja", "pembiayaan_netto", "silpa"]].tolist() == [1050.0, 1100.0, 60.0, 10.0]


# --- responsiveness and RAPBDes -------------------------------------------------------------------


def test_budget_responsiveness_and_summary():
    lights = pd.DataFrame({
        "kode_desa": [D1, D1, D2, D2], "tahun": [2023] * 4, "sektor": ["KES", "AIR", "KES", "PEND"],
        "merah": [True, True, True, False]})
    shares = pd.DataFrame({
        "kode_desa": [D1, D1, D1, D1, D2, D2, D2], "tahun": [2023, 2024, 2023, 2024, 2023, 2024, 2023],
        "sektor": ["KES", "KES", "AIR", "AIR", "KES", "KES", "PEND"], "porsi": [5.0, 9.0, 4.0, 4.0, 6.0, 2.0, 10.0]})
    det = rapbdes.budget_responsiveness(lights, shares)
    assert det["responsif"].tolist() == [True, False, False, pd.NA]
    assert det["perubahan"].tolist() == [4.0, 0.0, -4.0, pd.NA]
    summ = rapbdes.summarise_responsiveness(det).set_index("sektor")
    assert summ.loc["SEMUA", ["n_merah", "n_dinilai", "n_responsif"]].tolist() == [3, 3, 1]
    assert summ.loc["SEMUA", "persen_responsif"] == pytest.approx(100 / 3)
    assert summ.loc["KES", "persen_responsif"] == 50.0


def test_responsiveness_from_indicator_lights_and_spending_indicators(two_villages):
    nxt = two_villages.assign(tahun=2025)
    nxt.loc[nxt["kode_kegiatan"] == "02.02.02.", "anggaran"] = 300.0
    ind = belanja.spending_indicators(belanja.map_apbdes(pd.concat([two_villages, nxt], ignore_index=True)))
    lights = pd.DataFrame({"kode_desa": [D1, D1], "tahun": [2024, 2024], "sektor": ["KES", "KES"],
                           "indikator": ["KES01", "KES02"], "kelas": ["hijau", "merah"]})
    det = rapbdes.budget_responsiveness(lights, ind)
    assert det["merah"].tolist() == [True]
    # KES share: 10 % in 2024, 300 / 1200 = 25 % in 2025.
    assert det[["porsi", "porsi_berikut", "responsif"]].iloc[0].tolist() == [10.0, 25.0, True]


def test_evaluasi_rapbdes_findings():
    draft = lines([
        (None, None, "4.2.1.01", "DDS", 1000),
        (None, None, "4.2.3.01", "ADD", 600),
        ("01.01.01", "Siltap kades", "5.1.1", "ADD", 500),
        ("05.03.01", "BLT Dana Desa", "5.4.1", "DDS", 100),
        ("02.01.01", "PAUD", "5.2.1", "DDS", 100),
        ("02.03.10", "Jalan", "5.3.1", "DDS", 100),
        ("04.02.01", "Ketahanan pangan", "5.2.1", "DDS", 200),
    ], tahun=2025).drop(columns=["kode_desa", "tahun"])
    gaps = pd.DataFrame({"kode_desa": [D1, D1, D1, D2], "sektor": ["KES", "KES", "PEND", "AIR"],
                         "indikator": ["KES01", "KES02", "PEND01", "AIR01"],
                         "kelas": ["merah", "kuning", "merah", "merah"]})
    f = rapbdes.evaluasi_rapbdes(draft, D1, 2025, gaps).set_index("aturan", drop=False)
    assert list(f.columns) == belanja.FINDING_COLUMNS
    assert f["no"].tolist() == list(range(1, len(f) + 1))
    pers = f[f["aturan"].str.contains("PP 11/2019")].iloc[0]
    assert pers["nilai"] == 50.0 and pers["status"] == "perlu perbaikan"  # 500 / 1000
    blt = f[f["aturan"].str.startswith("BLT")].iloc[0]
    assert blt["nilai"] == 10.0 and blt["status"] == "sesuai"  # 10 % ≤ 15 % in 2025
    pangan = f[f["aturan"].str.startswith("Ketahanan")].iloc[0]
    assert pangan["nilai"] == 20.0 and pangan["status"] == "sesuai"
    kes = f[f["temuan"].str.startswith("Sektor KES")].iloc[0]
    assert kes["status"] == "perlu perbaikan" and kes["nilai"] == 0.0 and "KES01" in kes["temuan"]
    pend = f[f["temuan"].str.startswith("Sektor PEND")].iloc[0]
    assert pend["status"] == "catatan"
    assert not f["temuan"].str.contains("Sektor AIR").any()  # that gap belongs to another desa
    balance = f[f["aturan"].str.startswith("Keseimbangan")].iloc[0]
    assert balance["nilai"] == 600.0 and balance["status"] == "sesuai"  # 1600 − 1000
    assert set(f["status"]) <= {"sesuai", "perlu perbaikan", "catatan"}


def test_evaluasi_rapbdes_guards():
    draft = lines([("02.01.01", "PAUD", "5.2.1", "DDS", 100)], tahun=2025)
    with pytest.raises(ParameterError, match="kelurahan"):
        rapbdes.evaluasi_rapbdes(draft.assign(kode_desa=KEL), KEL, 2025, None)
    with pytest.raises(ValueError, match="kode_desa lain"):
        rapbdes.evaluasi_rapbdes(draft, D2, 2025, None)
    # Without revenue lines the Dana Desa rules are notes, unless the ceiling is given.
    f = rapbdes.evaluasi_rapbdes(draft, D1, 2025, None)
    assert (f[f["aturan"].str.startswith("BLT")]["status"] == "catatan").all()
    f2 = rapbdes.evaluasi_rapbdes(draft, D1, 2025, None, pagu_dana_desa=1000.0)
    assert f2[f2["aturan"].str.startswith("BLT")]["status"].tolist() == ["sesuai"]


# --- realistic data -------------------------------------------------------------------------------


def test_demo_kabupaten_smoke(demo_tables):
    apb, wil, lay = demo_tables["apbdes"], demo_tables["wilayah"], demo_tables["layanan"]
    mapped = belanja.map_apbdes(apb, wil)
    kel = set(wil.loc[wil["jenis"] == "kelurahan", "kode_desa"])
    assert not set(mapped["kode_desa"]) & kel
    spend = mapped[mapped["jenis_baris"] == "belanja"]
    assert spend["kelompok"].notna().all()
    ind = belanja.spending_indicators(mapped, lay)
    share = ind[ind["indikator"] == "BEL01"]["nilai"].dropna()
    assert len(share) > 0 and share.between(0, 100).all()
    comp = belanja.spending_composition(mapped)
    sums = comp.groupby(["kode_desa", "tahun"])["porsi"].sum()
    assert np.allclose(sums.to_numpy(dtype=float), 100.0)
    rules = belanja.dana_desa_compliance(mapped)
    assert rules["patuh"].notna().any()
    assert len(belanja.budget_identity(apb)) > 0


# --- shared sums and cached codes (performance paths must not change results) ----------------------


def test_spending_tables_equal_the_three_separate_calls(two_villages):
    layanan = pd.DataFrame({"kode_desa": [D1, D2], "tahun": [2024, 2024], "penduduk": [1000, 500]}).astype(
        {"penduduk": "Int64"})
    mapped = belanja.map_apbdes(two_villages)
    ind, comp, rules = belanja.spending_tables(mapped, layanan)
    pd.testing.assert_frame_equal(ind, belanja.spending_indicators(mapped, layanan))
    pd.testing.assert_frame_equal(comp, belanja.spending_composition(mapped))
    pd.testing.assert_frame_equal(rules, belanja.dana_desa_compliance(mapped))


def test_kelurahan_and_identical_copies_dropped_keeping_values_and_index_of_iloc():
    # Kelurahan lines in two separate runs, among desa lines.
    apb = pd.concat([
        lines([("02.01.01", "PAUD", "5.2.1", "DDS", 10), ("01.01.01", "Siltap", "5.1.1", "ADD", 20)]),
        lines([("02.02.01", "Polindes", "5.2.1", "DDS", 999)], kode_desa=KEL),
        lines([("02.03.10", "Jalan", "5.3.1", "DDS", 30)], kode_desa=D2),
        lines([("02.02.01", "Polindes", "5.2.1", "DDS", 999)], kode_desa=KEL),
        lines([("05.03.01", "BLT", "5.4.1", "DDS", 40)]),
    ], ignore_index=True).astype({"kode_desa": "string", "kode_kegiatan": "string", "nama_kegiatan": "string",
                                  "kode_rekening": "string", "sumber_dana": "string"})
    before = apb.copy()
    mapped = belanja.map_apbdes(apb)
    pd.testing.assert_frame_equal(apb, before)  # input untouched
    expected = apb.iloc[[0, 1, 3, 5]].reset_index(drop=True)
    # kode_desa is a categorical of the desa present (no category left by a dropped kelurahan line);
    # the other input columns keep their values and dtype.
    assert mapped["kode_desa"].cat.categories.tolist() == [D1, D2]
    pd.testing.assert_frame_equal(mapped[list(apb.columns)].astype({"kode_desa": "string"}), expected,
                                  check_column_type=False)
    assert belanja.spending_indicators(mapped)["kode_desa"].unique().tolist() == [D1, D2]
    # A desa-year imported twice (identical copies) is mapped, hence counted, once.
    twice = pd.concat([apb.iloc[[0, 1]]] * 2, ignore_index=True)
    got = belanja.map_apbdes(twice)[list(apb.columns)].astype({"kode_desa": "string"})
    pd.testing.assert_frame_equal(got, apb.iloc[[0, 1]].reset_index(drop=True), check_column_type=False)
    total = belanja.spending_indicators(belanja.map_apbdes(twice)).query("indikator == 'BEL01'")["penyebut"]
    assert total.tolist() == [30.0]


def test_kode_kegiatan_variants_become_one_category():
    apb = lines([("02.01.01.", "PAUD", "5.2.1", "DDS", 10), ("2.1.1", "PAUD", "5.2.1", "DDS", 5),
                 (None, None, "4.2.1", "DDS", 100)])
    mapped = belanja.map_apbdes(apb)
    assert mapped["kode_kegiatan"].tolist() == ["02.01.01", "02.01.01", pd.NA]


def _summary_by_pivot(spending: pd.DataFrame, compliance: pd.DataFrame) -> pd.DataFrame:
    """The summary's definition, spelled out with pivot_table and groupby (test oracle)."""
    wide = spending.pivot_table(index=["kode_desa", "tahun"], columns="indikator", values="nilai", observed=True)
    wide = wide.reindex(columns=["BEL01", "BEL07"]).reset_index().rename(columns={"BEL01": "bel01", "BEL07": "bel07"})
    dd = compliance[compliance["aturan"] != "PERSONEL"]
    patuh = dd["patuh"].astype("boolean")
    g = (dd.assign(_breach=patuh.eq(False).fillna(False), _known=patuh.notna())
         .groupby(["kode_desa", "tahun"], observed=True)[["_breach", "_known"]].any().reset_index())
    value = pd.array(~g["_breach"].to_numpy(dtype=bool), dtype="boolean")
    value[~g["_known"].to_numpy(dtype=bool)] = pd.NA
    out = wide.merge(g[["kode_desa", "tahun"]].assign(aturan_dd_patuh=value), on=["kode_desa", "tahun"], how="left")
    return out.astype({"kode_desa": "string", "tahun": "Int64", "bel01": "Float64", "bel07": "Float64",
                       "aturan_dd_patuh": "boolean"})


def test_spending_summary_equals_its_pivot_definition(demo_dataset, two_villages):
    revenue_only = lines([("", "Dana Desa", "4.2.1", "DDS", 100)], kode_desa="33.07.01.2003")
    for apb, layanan in ((demo_dataset.apbdes, demo_dataset.layanan), (pd.concat([two_villages, revenue_only]), None)):
        mapped = belanja.map_apbdes(apb, demo_dataset.wilayah)
        ind, comp, rules, summary = belanja.spending_tables_with_summary(mapped, layanan)
        pd.testing.assert_frame_equal(summary, _summary_by_pivot(ind, rules), check_dtype=True)
        assert (ind, comp, rules)[0].equals(belanja.spending_tables(mapped, layanan)[0])


def test_line_order_does_not_change_the_tables():
    rng = np.random.default_rng(7)
    parts = []
    for desa in (D1, D2):
        for tahun in (2023, 2024):
            rows = [(kk, "Kegiatan", rek, sd, float(rng.integers(1, 500)) * 1000.5)
                    for kk, rek, sd in zip(rng.choice(["02.01.01", "01.01.01", "02.02.01", "05.03.01"], 12),
                                           rng.choice(["5.1.1", "5.2.1", "4.2.1.01"], 12),
                                           rng.choice(["DDS", "ADD"], 12))]
            parts.append(lines(rows, kode_desa=desa, tahun=tahun))
    ordered = pd.concat(parts, ignore_index=True)
    shuffled = ordered.sample(frac=1.0, random_state=3).reset_index(drop=True)
    m_ord, m_shuf = belanja.map_apbdes(ordered), belanja.map_apbdes(shuffled)
    for a, b in zip(belanja.spending_tables(m_ord), belanja.spending_tables(m_shuf)):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


# --- issue 14: defects fixed, each on a small hand-made table ------------------------------------


def test_food_security_includes_fisheries_and_named_kegiatan_in_any_bidang():
    apb = lines([
        (None, None, "4.2.1.01", "DDS", 1000),
        ("04.01.01", "Pengembangan Perikanan Tangkap dan Budidaya", "5.2.1", "DDS", 50),
        ("04.02.01", "Peningkatan Produksi Tanaman Pangan", "5.2.1", "DDS", 60),
        ("03.04.90", "Pembangunan Lumbung Pangan Desa", "5.3.1", "DDS", 70),
        ("01.02.90", "Dukungan Ketahanan Pangan Hewani", "5.2.1", "DDS", 80),
        ("04.02.02", "Peningkatan Produksi Peternakan", "5.2.1", "ADD", 999),  # not Dana Desa
    ])
    rules = belanja.dana_desa_compliance(belanja.map_apbdes(apb)).set_index("aturan")
    assert rules.loc["KETAHANAN_PANGAN", "jumlah"] == 50 + 60 + 70 + 80
    assert rules.loc["KETAHANAN_PANGAN", "nilai"] == pytest.approx(26.0)


def test_disability_aids_are_social_protection_wherever_booked():
    apb = lines([("02.02.02", "Penyelenggaraan Posyandu", "5.2.1", "DDS", 10),
                 ("01.01.04", "Penyediaan Operasional Pemerintah Desa", "5.2.1", "DDS", 20)])
    apb["uraian"] = ["Bantuan Alat Bantu Penyandang Disabilitas", "Pengadaan kursi roda warga lansia"]
    mapped = belanja.map_apbdes(apb)
    assert mapped["sektor"].tolist() == ["SOS", "SOS"]
    assert mapped["alasan_pemetaan"].astype("string").str.contains("Kata kunci").all()


def test_civil_registration_lines_never_count_as_operasional():
    apb = lines([
        (None, None, "4.2.1.01", "DDS", 1000),
        ("01.03.01", "Pelayanan Administrasi Umum dan Kependudukan", "5.2.1", "DDS", 10),
        ("01.03.06", "Penyediaan Sarana Pelayanan Kependudukan dan Pencatatan Sipil", "5.2.1", "DDS", 20),
        ("01.03.91", "Pendataan KTP-el dan KIA", "5.2.1", "DDS", 5),
        ("01.01.04", "Penyediaan Operasional Pemerintah Desa", "5.2.1", "DDS", 30),
    ])
    mapped = belanja.map_apbdes(apb)
    civil = mapped[mapped["kode_kegiatan"].str.startswith("01.03").fillna(False)]
    assert civil["sektor"].tolist() == ["ADM", "ADM", "ADM"]
    assert civil["penanda_dd"].isna().all() and not civil["kelompok"].eq("operasional").any()
    rules = belanja.dana_desa_compliance(mapped).set_index("aturan")
    assert rules.loc["OPERASIONAL", "jumlah"] == 30


def test_rules_tagged_sourced_only_where_domain_marks_the_citation_sourced():
    r = belanja.load_dana_desa_rules().set_index(["aturan", "tahun"])
    # DOMAIN §3: 2024 Permendes 7/2023 unverified, 2025 PMK 108/2024 unverified -> proposed
    assert r.loc[("BLT", 2024), "tag"] == "proposed" and r.loc[("KETAHANAN_PANGAN", 2024), "tag"] == "proposed"
    assert r.loc[("BLT", 2025), "tag"] == "proposed" and "PMK 108/2024" in r.loc[("BLT", 2025), "dasar_hukum"]
    # sourced citations name what DOMAIN §3 verifies
    assert "PMK 201/PMK.07/2022" in r.loc[("BLT", 2023), "dasar_hukum"] and r.loc[("BLT", 2023), "tag"] == "sourced"
    assert "Pasal 7 ayat (4)" in r.loc[("KETAHANAN_PANGAN", 2025), "dasar_hukum"]
    assert "16/2025" in r.loc[("OPERASIONAL", 2026), "dasar_hukum"]
    # Regulations whose citation DOMAIN.md §3 marks sourced: every sourced row cites one of them.
    verified = ("PP 11/2019", "Perpres 104/2021", "PMK 201/PMK.07/2022", "Permendesa PDT 2/2024 Pasal 7 ayat (4)",
                "Permendesa PDT 16/2025")
    for (aturan, tahun), row in r[r["tag"] == "sourced"].iterrows():
        assert any(v in row["dasar_hukum"] for v in verified), (aturan, tahun, row["dasar_hukum"])
        assert "belum diverifikasi" not in row["dasar_hukum"]


def test_years_without_a_rule_say_so_and_old_years_do_not_crash():
    apb = pd.concat([lines([(None, None, "4.2.1.01", "DDS", 100), ("05.03.01", "BLT", "5.4.1", "DDS", 30)],
                           tahun=t) for t in (2019, 2020, 2021)], ignore_index=True)
    rules = belanja.dana_desa_compliance(belanja.map_apbdes(apb))
    assert set(rules["tahun"]) == {2019, 2020, 2021}
    blt = rules[rules["aturan"] == "BLT"]
    assert blt["patuh"].isna().all()
    assert blt["pesan"].str.contains("tidak ada aturan untuk tahun ini").all()
    assert not rules["pesan"].str.contains("tidak ada data", case=False).any()


def test_every_spending_value_carries_its_unit_and_bel10_is_rupiah_per_person():
    apb = lines([("02.01.01", "PAUD", "5.2.1", "DDS", 5_000_000), ("01.01.01", "Siltap", "5.1.1", "ADD", 5_000_000)])
    layanan = pd.DataFrame({"kode_desa": [D1], "tahun": [2024], "penduduk": [1000]})
    ind = belanja.spending_indicators(belanja.map_apbdes(apb), layanan).set_index("indikator")
    assert ind["satuan"].notna().all()
    assert ind.loc["BEL10", "satuan"] == "Rp/jiwa" and ind.loc["BEL10", "nilai"] == 5000.0
    assert set(ind.drop(index="BEL10")["satuan"]) == {"%"}


# --- the declared spending indicators (parameters/indikator_belanja.csv) -----------------------------


def with_spending_indicator_row(tmp_path, monkeypatch, row: str) -> None:
    """A copy of ``parameters/`` in use whose ``indikator_belanja.csv`` ends with ``row``."""
    import shutil

    from p3pd_lib import paths

    folder = tmp_path / "parameters"
    shutil.copytree(paths.PARAMETERS_DIR, folder)
    monkeypatch.setenv("P3PD_PARAMETERS_DIR", str(folder))
    with (folder / "indikator_belanja.csv").open("a", encoding="utf-8") as fh:
        fh.write(row + "\n")


def test_a_spending_indicator_is_added_by_a_row_of_the_csv_alone(tmp_path, monkeypatch):
    with_spending_indicator_row(tmp_path, monkeypatch, "BEL11,Porsi belanja ekonomi,,%,ekonomi,total_belanja,100,")
    apb = lines([("02.01.01", "PAUD", "5.1.1", "ADD", 30.0), ("04.01.01", "Pasar desa", "5.3.1", "ADD", 10.0),
                 ("01.01.01", "Siltap", "5.1.1", "ADD", 60.0)])
    ind = belanja.spending_indicators(belanja.map_apbdes(apb))
    row = indicator(ind, "BEL11")
    assert (row["pembilang"], row["penyebut"], row["nilai"], row["satuan"]) == (10.0, 100.0, 10.0, "%")
    assert indicator(ind, "BEL01")["nilai"] == 30.0


def test_a_spending_indicator_over_an_unknown_sum_is_refused(tmp_path, monkeypatch):
    from p3pd_lib import parameter_files

    with_spending_indicator_row(tmp_path, monkeypatch, "BEL11,Porsi belanja jalan,,%,jalan,total_belanja,100,")
    with pytest.raises(ParameterError, match="indikator_belanja.csv, baris 12, kolom pembilang"):
        parameter_files.load_spending_indicators()
