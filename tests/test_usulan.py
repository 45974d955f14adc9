"""Community proposals (usulan) against needs and budgets: hand-built tables and the demo data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p3pd_lib import usulan as us
from p3pd_lib.agenda import AGENDA_COLUMNS, agenda_terpadu
from p3pd_lib.errors import DataError, ParameterError

K1, K2 = "33.07.01", "33.07.02"


def _u(rows: list[tuple]) -> pd.DataFrame:
    """Proposals from (kode_desa, tahun, sektor, status, perkiraan_biaya, anggaran_disetujui, kode_kegiatan)."""
    cols = ["kode_desa", "tahun", "sektor", "status", "perkiraan_biaya", "anggaran_disetujui", "kode_kegiatan"]
    df = pd.DataFrame(rows, columns=cols)
    return df.assign(
        forum="musdes",
        uraian=[f"usulan {i}" for i in range(len(df))],
        perkiraan_biaya=df["perkiraan_biaya"].astype("Float64"),
        anggaran_disetujui=df["anggaran_disetujui"].astype("Float64"),
        kode_kegiatan=df["kode_kegiatan"].astype("string"),
    )


# --- proposal_summary -----------------------------------------------------------------------------


def test_summary_counts_values_and_shares_by_definition():
    d = f"{K1}.2001"
    u = _u([
        (d, 2024, "KES", "didanai_apbdes", 100.0, 60.0, "02.02.01"),
        (d, 2024, "KES", "didanai_apbdes", 50.0, None, "02.02.02"),   # funded, amount unknown
        (d, 2024, "KES", "belum_didanai", None, None, None),          # cost unknown
        (d, 2024, "KES", "didanai_pihak_lain", 40.0, 40.0, None),
        (d, 2024, "KES", "ditolak", 10.0, None, None),
        (d, 2024, "LAIN", "didanai_apbdes", 900.0, 900.0, "02.03.01"),
    ])
    before = u.copy()
    s = us.proposal_summary(u)
    pd.testing.assert_frame_equal(u, before)  # input untouched
    assert list(s.columns) == us.SUMMARY_COLUMNS
    assert s["sektor"].tolist() == list(us.SEKTOR)  # LAIN only on request
    kes = s.set_index("sektor").loc["KES"]
    assert (kes["n_usulan"], kes["n_didanai_apbdes"], kes["n_didanai_pihak_lain"], kes["n_belum_didanai"],
            kes["n_ditolak"]) == (5, 2, 1, 1, 1)
    assert kes["nilai_usulan"] == 200.0          # 100 + 50 + 40 + 10, unknown cost left out
    assert kes["nilai_disetujui"] == 60.0        # funded by APBDes only, unknown amount left out
    assert (kes["n_biaya_kosong"], kes["n_disetujui_kosong"]) == (1, 1)
    assert kes["porsi_didanai"] == 40.0          # 2 of 5
    # Rupiah share over proposals with both figures known: 60 / (100 + 40 + 10)
    assert (kes["pembilang_rp"], kes["penyebut_rp"]) == (60.0, 150.0)
    assert kes["porsi_didanai_rp"] == pytest.approx(40.0)
    # Sectors without proposals: zero counts, Rp 0, no share
    pend = s.set_index("sektor").loc["PEND"]
    assert (pend["n_usulan"], pend["nilai_usulan"]) == (0, 0.0)
    assert pd.isna(pend["porsi_didanai"]) and pd.isna(pend["porsi_didanai_rp"])


def test_summary_missing_amounts_stay_missing_and_lain_row():
    d = f"{K1}.2001"
    u = _u([
        (d, 2024, "AIR", "didanai_apbdes", None, None, "02.04.01"),
        (d, 2024, "LAIN", "belum_didanai", 30.0, None, None),
        (d, 2023, "AIR", "belum_didanai", 5.0, None, None),
    ])
    s = us.proposal_summary(u, tahun=2024, lain=True).set_index("sektor")
    assert list(s.index) == [*us.SEKTOR, "LAIN"]
    assert set(s["tahun"]) == {2024}
    air = s.loc["AIR"]
    assert pd.isna(air["nilai_usulan"]) and pd.isna(air["nilai_disetujui"])  # not Rp 0
    assert pd.isna(air["porsi_didanai_rp"]) and air["porsi_didanai"] == 100.0
    assert s.loc["LAIN", "n_usulan"] == 1 and s.loc["LAIN", "porsi_didanai_rp"] == 0.0


def test_summary_rejects_unknown_codes_with_indonesian_message():
    u = _u([(f"{K1}.2001", 2024, "JALAN", "belum_didanai", 1.0, None, None)])
    with pytest.raises(DataError, match="sektor.*tidak dikenal.*JALAN"):
        us.proposal_summary(u)
    with pytest.raises(DataError, match="tidak memuat kolom: status"):
        us.proposal_summary(u.drop(columns="status"))


# --- budget_answering_proposals ---------------------------------------------------------------------


def _lines() -> pd.DataFrame:
    d1, d2 = f"{K1}.2001", f"{K1}.2002"
    return pd.DataFrame(
        {
            "kode_desa": [d1, d1, d1, d1, d1, d2, d2, d1],
            "tahun": [2024, 2024, 2024, 2024, 2024, 2024, 2024, 2023],
            "kode_kegiatan": ["02.02.01.", "02.02.01", "02.01.03", "02.03.01", None, "02.02.01", "01.01.01", "02.01.03"],
            "jenis_baris": ["belanja", "belanja", "belanja", "belanja", "pendapatan", "belanja", "belanja", "belanja"],
            "sektor": ["KES", "KES", "PEND", None, None, "KES", None, "PEND"],
            "anggaran": [20.0, 10.0, 70.0, 500.0, 999.0, 40.0, 60.0, 50.0],
        }
    )


def test_budget_answering_matches_same_desa_and_year_funded_only():
    d1, d2 = f"{K1}.2001", f"{K1}.2002"
    u = _u([
        (d1, 2024, "KES", "didanai_apbdes", 30.0, 30.0, "02.02.01"),   # matches both KES lines of d1 2024
        (d1, 2024, "LAIN", "didanai_apbdes", 500.0, 500.0, "02.03.01"),  # non-basic line: not in the share
        (d1, 2024, "PEND", "belum_didanai", 70.0, None, "02.01.03"),  # not funded: no match
        (d1, 2023, "PEND", "didanai_apbdes", 50.0, 50.0, None),       # funded without a code
        (d2, 2023, "KES", "didanai_apbdes", 40.0, 40.0, "02.02.01"),  # other year: no match for 2024
    ])
    b = us.budget_answering_proposals(_lines(), u).set_index(["kode_desa", "tahun"])
    r = b.loc[(d1, 2024)]
    assert (r["anggaran_layanan_dasar"], r["anggaran_menjawab_usulan"]) == (100.0, 30.0)
    assert r["porsi_menjawab_usulan"] == 30.0 and r["n_kegiatan_menjawab"] == 1
    assert (r["n_usulan_didanai"], r["n_usulan_didanai_tanpa_kode"]) == (2, 0)
    r = b.loc[(d2, 2024)]
    assert (r["anggaran_layanan_dasar"], r["anggaran_menjawab_usulan"], r["porsi_menjawab_usulan"]) == (40.0, 0.0, 0.0)
    r = b.loc[(d1, 2023)]
    assert r["porsi_menjawab_usulan"] == 0.0 and r["n_usulan_didanai_tanpa_kode"] == 1

    s = us.budget_answering_proposals(_lines(), u, per_sektor=True).set_index(["kode_desa", "tahun", "sektor"])
    assert "n_usulan_didanai" not in s.columns
    assert s.loc[(d1, 2024, "KES"), "porsi_menjawab_usulan"] == 100.0
    assert s.loc[(d1, 2024, "PEND"), "porsi_menjawab_usulan"] == 0.0
    assert pd.isna(s.loc[(d1, 2024, "AIR"), "porsi_menjawab_usulan"])  # no AIR budget: no share
    assert len(s) == 3 * len(us.SEKTOR)


def test_budget_answering_zero_basic_budget_has_no_share():
    lines = pd.DataFrame({"kode_desa": [f"{K1}.2001"], "tahun": [2024], "kode_kegiatan": ["02.03.01"],
                          "jenis_baris": ["belanja"], "sektor": [None], "anggaran": [10.0]})
    b = us.budget_answering_proposals(lines, _u([]))
    assert b["anggaran_layanan_dasar"].tolist() == [0.0] and b["porsi_menjawab_usulan"].isna().all()


def test_sector_shares_of_total_belanja():
    sh = us.sector_shares(_lines()).set_index(["kode_desa", "tahun", "sektor"])
    # d1 2024: belanja 20 + 10 + 70 + 500 = 600 (the pendapatan line is not belanja)
    assert sh.loc[(f"{K1}.2001", 2024, "KES"), "porsi"] == pytest.approx(5.0)
    assert sh.loc[(f"{K1}.2001", 2024, "PEND"), "total_belanja"] == 600.0
    assert sh.loc[(f"{K1}.2002", 2024, "KES"), "porsi"] == pytest.approx(40.0)
    assert sh.loc[(f"{K1}.2002", 2024, "ADM"), "porsi"] == 0.0


def test_mapped_table_with_categorical_or_plain_text_columns():
    # belanja.map_apbdes may hand over its text columns as categories or as plain text: same results,
    # and untidy values (spaces, case) are cleaned either way.
    d1 = f"{K1}.2001"
    u = _u([(d1, 2024, "KES", "didanai_apbdes", 30.0, 30.0, "02.02.01")])
    plain = pd.concat([_lines(), pd.DataFrame({"kode_desa": [f" {d1}"], "tahun": [2024], "kode_kegiatan": ["02.02.01"],
                                               "jenis_baris": ["belanja"], "sektor": ["kes "], "anggaran": [5.0]})],
                      ignore_index=True).astype({"kode_desa": "string", "sektor": "string", "jenis_baris": "string"})
    cat = plain.astype({"kode_desa": "category", "jenis_baris": "category", "sektor": "category"})
    for fn in (us.sector_shares, lambda m: us.budget_answering_proposals(m, u, per_sektor=True),
               lambda m: us.budget_answering_proposals(m, u)):
        pd.testing.assert_frame_equal(fn(cat), fn(plain))
    b = us.budget_answering_proposals(cat, u).set_index(["kode_desa", "tahun"]).loc[(d1, 2024)]
    assert (b["anggaran_layanan_dasar"], b["anggaran_menjawab_usulan"]) == (105.0, 35.0)
    assert us.sector_shares(cat).set_index(["kode_desa", "tahun", "sektor"]).loc[(d1, 2024, "KES"), "anggaran"] == 35.0


# --- need_demand_supply -------------------------------------------------------------------------------


def _need(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kode_desa", "tahun", "sektor", "kelas"]).assign(indikator="X")


def _shares(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kode_desa", "tahun", "sektor", "porsi"])


def _case():
    d = [f"{K1}.200{i}" for i in range(1, 7)]
    need = _need([
        (d[0], 2024, "KES", "merah"),
        (d[1], 2024, "KES", "kuning"),
        (d[2], 2024, "KES", "merah"), (d[2], 2024, "KES", "abu"),
        (d[3], 2024, "KES", "hijau"),
        (d[4], 2024, "KES", "hijau"), (d[4], 2024, "KES", "abu"),
        (d[5], 2024, "KES", "abu"),
        (d[0], 2023, "KES", "merah"),                   # 2023 has no usulan data at all
        (f"{K1}.1001", 2024, "KES", "merah"),           # a kelurahan
    ])
    u = _u([
        (d[0], 2024, "KES", "didanai_apbdes", 10.0, 10.0, "02.02.01"),
        (d[0], 2024, "KES", "belum_didanai", 10.0, None, None),
        (d[1], 2024, "KES", "didanai_pihak_lain", 10.0, 10.0, None),  # funded, but not by the APBDes
        (d[1], 2024, "KES", "ditolak", 10.0, None, None),
        (d[2], 2024, "LAIN", "didanai_apbdes", 10.0, 10.0, "02.03.01"),
        (d[3], 2024, "KES", "belum_didanai", 10.0, None, None),
    ])
    # KES shares 2, 3, 4, 6, 4, 4 → median 4
    shares = _shares([(x, 2024, "KES", p) for x, p in zip(d, [2.0, 3.0, 4.0, 6.0, 4.0, 4.0])])
    return d, need, u, shares


def test_every_class_with_its_reasons():
    d, need, u, shares = _case()
    ins = [need.copy(), u.copy(), shares.copy()]
    c = us.need_demand_supply(need, u, shares)
    for a, b in zip(ins, (need, u, shares)):
        pd.testing.assert_frame_equal(a, b)
    assert list(c.columns) == us.CLASS_COLUMNS
    assert set(c["tahun"]) == {2024}                      # 2023: no proposal data in the table
    assert f"{K1}.1001" not in set(c["kode_desa"])        # kelurahan left out
    assert len(c) == 6 * len(us.SEKTOR)
    kes = c[c["sektor"] == "KES"].set_index("kode_desa")
    assert kes["kelas"].to_dict() == {
        d[0]: us.SELARAS,
        d[1]: us.BELUM_TERDANAI,
        d[2]: us.BELUM_TERSUARAKAN,
        d[3]: us.BELANJA_TANPA_KEBUTUHAN,
        d[4]: us.TIDAK_MENDESAK,        # share 4 == median 4: not above
        d[5]: us.TIDAK_MENDESAK,        # only abu: no evidence of need
    }
    assert kes["kebutuhan"].tolist() == [True, True, True, False, False, False]
    assert kes["n_usulan"].tolist() == [2, 2, 0, 1, 0, 0]
    assert kes["n_didanai"].tolist() == [1, 0, 0, 0, 0, 0]
    assert kes["n_indikator_data"].tolist() == [1, 1, 1, 1, 1, 0]
    assert (kes["n_merah"].tolist(), kes["n_kuning"].tolist()) == ([1, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0])
    assert set(kes["median"]) == {4.0} and set(kes["n_desa_median"]) == {6}
    assert kes["di_atas_median"].tolist() == [False, False, False, True, False, False]
    assert kes["ada_data_usulan"].tolist() == [True, True, True, True, False, False]
    assert set(kes["kode_kecamatan"]) == {K1}
    # Other sectors: no need rows, no shares → no evidence, nothing to compare: Tidak mendesak.
    other = c[c["sektor"] != "KES"]
    assert set(other["kelas"]) == {us.TIDAK_MENDESAK}
    assert other["porsi"].isna().all() and other["di_atas_median"].isna().all()


def test_classes_need_no_amount_columns():
    d, need, u, shares = _case()
    bare = u[["kode_desa", "tahun", "sektor", "status"]]
    pd.testing.assert_frame_equal(us.need_demand_supply(need, bare, shares), us.need_demand_supply(need, u, shares))


def test_need_classes_parameter_and_abu_never_counts():
    d, need, u, shares = _case()
    c = us.need_demand_supply(need, u, shares, kelas_kebutuhan=["merah"])
    kes = c[c["sektor"] == "KES"].set_index("kode_desa")["kelas"]
    assert kes[d[1]] == us.TIDAK_MENDESAK  # yellow no longer a need; share 3 < 4
    with pytest.raises(ParameterError, match="abu"):
        us.need_demand_supply(need, u, shares, kelas_kebutuhan=["merah", "abu"])
    with pytest.raises(ParameterError, match="median_by"):
        us.need_demand_supply(need, u, shares, median_by="provinsi")


def test_median_per_kecamatan_or_kabupaten():
    a, b = f"{K1}.2001", f"{K1}.2002"
    x, y = f"{K2}.2001", f"{K2}.2002"
    need = _need([(v, 2024, "AIR", "hijau") for v in (a, b, x, y)])
    u = _u([(a, 2024, "LAIN", "belum_didanai", 1.0, None, None)])
    shares = _shares([(a, 2024, "AIR", 1.0), (b, 2024, "AIR", 3.0), (x, 2024, "AIR", 10.0), (y, 2024, "AIR", 20.0)])
    kec = us.need_demand_supply(need, u, shares)
    kec = kec[kec["sektor"] == "AIR"].set_index("kode_desa")
    assert kec["median"].to_dict() == {a: 2.0, b: 2.0, x: 15.0, y: 15.0}
    assert kec["kelas"][b] == us.BELANJA_TANPA_KEBUTUHAN and kec["kelas"][x] == us.TIDAK_MENDESAK
    kab = us.need_demand_supply(need, u, shares, median_by="kabupaten")
    kab = kab[kab["sektor"] == "AIR"].set_index("kode_desa")
    assert set(kab["median"]) == {6.5} and set(kab["n_desa_median"]) == {4}
    assert kab["kelas"][b] == us.TIDAK_MENDESAK and kab["kelas"][x] == us.BELANJA_TANPA_KEBUTUHAN
    assert kab["kode_kecamatan"].to_dict() == {a: K1, b: K1, x: K2, y: K2}
    # An explicit grouping column wins over the code: put x and y into K1.
    moved = shares.assign(kode_kecamatan=[K1, K1, K1, K1])
    m = us.need_demand_supply(need, u, moved)
    assert set(m[m["sektor"] == "AIR"]["median"]) == {6.5}


def test_wilayah_gives_names_and_kelurahan_status():
    a, b = f"{K1}.2001", f"{K1}.2002"
    need = _need([(a, 2024, "SOS", "merah"), (b, 2024, "SOS", "merah")])
    u = _u([(a, 2024, "LAIN", "belum_didanai", 1.0, None, None)])
    wil = pd.DataFrame({"kode_desa": [a, b], "nama_desa": ["Satu", "Dua"], "jenis": ["desa", "kelurahan"],
                        "kode_kecamatan": [K1, K1]})
    c = us.need_demand_supply(need, u, _shares([]), wilayah=wil)
    assert set(c["kode_desa"]) == {a} and set(c["nama_desa"]) == {"Satu"}
    sos = c[c["sektor"] == "SOS"].iloc[0]
    assert sos["kelas"] == us.BELUM_TERSUARAKAN and pd.isna(sos["median"]) and sos["n_desa_median"] == 0
    # a kelurahan's share (it should have none) never enters the median
    c = us.need_demand_supply(need, u, _shares([(a, 2024, "SOS", 2.0), (b, 2024, "SOS", 100.0)]), wilayah=wil)
    sos = c[c["sektor"] == "SOS"].iloc[0]
    assert (sos["median"], sos["n_desa_median"]) == (2.0, 1)


def test_no_proposal_data_gives_empty_result():
    d, need, _, shares = _case()
    c = us.need_demand_supply(need, _u([]), shares)
    assert c.empty and list(c.columns) == us.CLASS_COLUMNS


_DESA = [f"{K1}.20{i:02d}" for i in range(1, 6)] + [f"{K2}.20{i:02d}" for i in range(1, 4)]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kelas=st.lists(st.sampled_from(["hijau", "kuning", "merah", "abu", None]), min_size=8, max_size=8),
    props=st.lists(st.tuples(st.integers(0, 7), st.sampled_from(us.SEKTOR + ("LAIN",)),
                             st.sampled_from(["didanai_apbdes", "didanai_pihak_lain", "belum_didanai", "ditolak"])),
                   min_size=1, max_size=15),
    porsi=st.lists(st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5, 4.0, 7.0])), min_size=8, max_size=8),
)
def test_classes_follow_the_definition(kelas, props, porsi):
    need = _need([(d, 2024, "KES", k) for d, k in zip(_DESA, kelas) if k is not None])
    u = _u([(_DESA[i], 2024, s, st_, 1.0, None, None) for i, s, st_ in props])
    shares = _shares([(d, 2024, "KES", p) for d, p in zip(_DESA, porsi) if p is not None])
    c = us.need_demand_supply(need, u, shares)
    kes = c[c["sektor"] == "KES"].set_index("kode_desa")
    for i, d in enumerate(_DESA):
        if d not in kes.index:
            continue
        row = kes.loc[d]
        is_need = kelas[i] in ("kuning", "merah")
        n_u = sum(1 for j, s, _ in props if j == i and s == "KES")
        n_f = sum(1 for j, s, x in props if j == i and s == "KES" and x == "didanai_apbdes")
        pool = [p for k, p in zip(_DESA, porsi) if p is not None and k[:8] == d[:8]]
        med = float(np.median(pool)) if pool else None
        above = porsi[i] is not None and med is not None and porsi[i] > med
        expected = (
            us.SELARAS if is_need and n_f else us.BELUM_TERDANAI if is_need and n_u else
            us.BELUM_TERSUARAKAN if is_need else us.BELANJA_TANPA_KEBUTUHAN if above else us.TIDAK_MENDESAK
        )
        assert (row["kebutuhan"], row["n_usulan"], row["n_didanai"], row["kelas"]) == (is_need, n_u, n_f, expected)
    # every desa of any input is classified once per sector
    assert not c.duplicated(["kode_desa", "tahun", "sektor"]).any()


# --- aggregation --------------------------------------------------------------------------------------


def test_aggregate_classes_counts_add_up():
    d, need, u, shares = _case()
    extra = _need([(f"{K2}.2001", 2024, "KES", "merah")])
    c = us.need_demand_supply(pd.concat([need, extra]), u, shares)
    wil = pd.DataFrame({"kode_kecamatan": [K1, K2], "nama_kecamatan": ["Wadaslintang", "Kepil"],
                        "kode_kabupaten": ["33.07"] * 2, "nama_kabupaten": ["Wonosobo"] * 2})
    a = us.aggregate_classes(c, wilayah=wil)
    assert list(a.columns) == ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "sektor", "kelas", "n_desa",
                               "n_desa_total", "porsi_desa"]
    # every class listed for every area-year-sector, zeros included
    assert (a.groupby(["tingkat", "kode_wilayah", "sektor"]).size() == len(us.KELAS)).all()
    kec = a[a["tingkat"] == "kecamatan"]
    direct = c.assign(k=c["kode_desa"].str.slice(0, 8)).groupby(["k", "sektor", "kelas"]).size()
    got = kec[kec["n_desa"] > 0].set_index(["kode_wilayah", "sektor", "kelas"])["n_desa"]
    assert got.sort_index().tolist() == direct.sort_index().tolist()
    kes1 = kec[(kec["kode_wilayah"] == K1) & (kec["sektor"] == "KES")].set_index("kelas")
    assert kes1["n_desa"].to_dict() == {us.SELARAS: 1, us.BELUM_TERDANAI: 1, us.BELUM_TERSUARAKAN: 1,
                                        us.BELANJA_TANPA_KEBUTUHAN: 1, us.TIDAK_MENDESAK: 2}
    assert set(kes1["n_desa_total"]) == {6} and kes1["porsi_desa"].sum() == pytest.approx(100.0)
    assert set(kec.loc[kec["kode_wilayah"] == K2, "nama_wilayah"]) == {"Kepil"}
    # kabupaten = sum of its kecamatan
    kab = a[a["tingkat"] == "kabupaten"].set_index(["sektor", "kelas"])["n_desa"]
    summed = kec.groupby(["sektor", "kelas"])["n_desa"].sum()
    assert (kab.sort_index() == summed.sort_index()).all()
    assert kab.loc[("KES", us.BELUM_TERSUARAKAN)] == 2


def test_aggregate_proposals_is_ratio_of_sums_not_mean_of_shares():
    a, b, x = f"{K1}.2001", f"{K1}.2002", f"{K2}.2001"
    u = _u([
        (a, 2024, "KES", "didanai_apbdes", 10.0, 10.0, "02.02.01"),  # 100 % by count and Rupiah
        (b, 2024, "KES", "belum_didanai", 30.0, None, None),         # 0 %
        (b, 2024, "KES", "belum_didanai", 30.0, None, None),
        (b, 2024, "KES", "ditolak", 30.0, None, None),
        (x, 2024, "KES", "didanai_apbdes", 20.0, 5.0, "02.02.01"),
    ])
    s = us.proposal_summary(u)
    agg = us.aggregate_proposals(s)
    kes = agg[(agg["sektor"] == "KES")].set_index(["tingkat", "kode_wilayah"])
    k1 = kes.loc[("kecamatan", K1)]
    assert (k1["n_desa"], k1["n_desa_dengan_usulan"], k1["n_usulan"], k1["n_didanai_apbdes"]) == (2, 2, 4, 1)
    assert k1["porsi_didanai"] == 25.0                      # 1 / 4, while the mean of 100 % and 0 % is 50 %
    assert k1["porsi_didanai_rp"] == pytest.approx(10.0)    # 10 / 100, mean of shares would be 50 %
    village_mean = s[(s["sektor"] == "KES") & s["kode_desa"].str.startswith(K1)]["porsi_didanai"].mean()
    assert village_mean == 50.0 != k1["porsi_didanai"]
    kab = kes.loc[("kabupaten", "33.07")]
    assert (kab["n_usulan"], kab["nilai_usulan"], kab["nilai_disetujui"]) == (5, 120.0, 15.0)
    assert kab["porsi_didanai_rp"] == pytest.approx(100 * 15 / 120)
    # kabupaten counts equal the sum over its kecamatan
    kec = agg[agg["tingkat"] == "kecamatan"].groupby("sektor")[list(us.COUNT_COLS)].sum()
    kab_all = agg[agg["tingkat"] == "kabupaten"].set_index("sektor")[list(us.COUNT_COLS)]
    assert (kec.sort_index() == kab_all.sort_index()).all().all()


def test_aggregate_keeps_missing_rupiah_missing():
    u = _u([(f"{K1}.2001", 2024, "ADM", "belum_didanai", None, None, None)])
    agg = us.aggregate_proposals(us.proposal_summary(u), tingkat="kecamatan").set_index("sektor")
    assert pd.isna(agg.loc["ADM", "nilai_usulan"]) and pd.isna(agg.loc["ADM", "porsi_didanai_rp"])
    assert agg.loc["PEND", "nilai_usulan"] == 0.0


# --- agenda rows ----------------------------------------------------------------------------------------


def test_agenda_rows_for_the_two_action_classes():
    d, need, u, shares = _case()
    c = us.need_demand_supply(need, u, shares)
    wil = pd.DataFrame({"kode_desa": d, "nama_desa": [f"Desa {i}" for i in range(6)]})
    rows = us.agenda_rows(c, wilayah=wil, sub_bidang={"KES": "02.02 Kesehatan"})
    assert list(rows.columns) == [x for x in AGENDA_COLUMNS if x not in ("prioritas", "kuadran")]
    assert rows["kode_desa"].tolist() == [d[1], d[2]]
    params = us.load_parameters()
    by = rows.set_index("nama_indikator")
    assert by.loc[us.BELUM_TERSUARAKAN, "penanggung_jawab"] == params["agenda"][us.BELUM_TERSUARAKAN]["penanggung_jawab"]
    assert by.loc[us.BELUM_TERDANAI, "penanggung_jawab"] == params["agenda"][us.BELUM_TERDANAI]["penanggung_jawab"]
    assert set(rows["jenis_agenda"]) == {"Usulan masyarakat"}
    assert set(rows["sub_bidang_apbdes"]) == {"02.02 Kesehatan"} and set(rows["nama_desa"]) == {"Desa 1", "Desa 2"}
    assert "1 indikator merah, 0 kuning" in by.loc[us.BELUM_TERSUARAKAN, "keterangan"]
    assert "2 usulan masyarakat, belum satu pun didanai APBDes tahun 2024" in by.loc[us.BELUM_TERDANAI, "keterangan"]
    assert rows[["nilai", "target", "kesenjangan"]].isna().all().all()

    # merged by the agenda terpadu, after the service rows of the same desa
    classified = pd.DataFrame({"kode_desa": [d[2]], "tahun": [2024], "sektor": ["KES"], "indikator": ["KES01"],
                               "nilai": [30.0], "target": [14.0], "arah": ["lower"], "kelas": ["merah"]})
    ag = agenda_terpadu(classified, extra_rows=rows)
    assert list(ag.columns) == AGENDA_COLUMNS and len(ag) == 3
    assert ag["jenis_agenda"].tolist() == ["Layanan dasar", "Usulan masyarakat", "Usulan masyarakat"]
    assert ag["prioritas"].tolist() == [1, 2, 3]


def test_agenda_rows_default_sub_bidang_no_data_note_and_empty():
    d, need, u, shares = _case()
    c = us.need_demand_supply(need, u, shares)
    c = c.assign(ada_data_usulan=False)
    rows = us.agenda_rows(c)
    assert rows["sub_bidang_apbdes"].str.startswith("02.02").all()
    assert rows.set_index("nama_indikator").loc[us.BELUM_TERSUARAKAN, "keterangan"].endswith(
        "pastikan data usulan sudah dikirim.")
    none = us.agenda_rows(c[c["kelas"] == us.SELARAS])
    assert none.empty and list(none.columns) == us.AGENDA_ROW_COLUMNS


def test_agenda_params_are_checked():
    bad = {"kelas_kebutuhan": ["merah"], "jenis_agenda": "x", "agenda": {"Selaras": {}}}
    with pytest.raises(ParameterError, match="Selaras"):
        us.agenda_rows(pd.DataFrame(columns=["kode_desa", "tahun", "sektor", "kelas"]), params=bad)
    incomplete = {"kelas_kebutuhan": ["merah"], "jenis_agenda": "x",
                  "agenda": {us.BELUM_TERDANAI: {"indikator": "A", "tindakan": "t"}}}
    with pytest.raises(ParameterError, match="penanggung_jawab"):
        us.check_parameters(incomplete)


# --- demo data ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_pipeline(demo_tables):
    from p3pd_lib import belanja, classify, indicators

    cat = indicators.load_catalogue()
    classified = classify.traffic_light(indicators.desa_values(demo_tables["layanan"], cat), cat)
    mapped = belanja.map_apbdes(demo_tables["apbdes"], demo_tables["wilayah"])
    shares = us.sector_shares(mapped)
    classes = us.need_demand_supply(classified, demo_tables["usulan"], shares, wilayah=demo_tables["wilayah"])
    return {"classified": classified, "mapped": mapped, "shares": shares, "classes": classes}


def test_demo_proposals_pass_the_schema(demo_tables):
    from p3pd_lib import schemas

    u = demo_tables["usulan"]
    assert len(u) > 0
    schemas.validate(u, "usulan")


def test_demo_classes(demo_tables, demo_pipeline):
    u, wil = demo_tables["usulan"], demo_tables["wilayah"]
    c = demo_pipeline["classes"]
    assert set(c["kelas"]) == set(us.KELAS)
    assert not c.duplicated(["kode_desa", "tahun", "sektor"]).any()
    assert set(c["tahun"]) == set(u["tahun"].dropna().astype(int))
    assert not c["kode_desa"].isin(wil.loc[wil["jenis"] == "kelurahan", "kode_desa"]).any()
    # demand columns equal a direct count of the proposals
    basic = u[u["sektor"].isin(us.SEKTOR)]
    direct = basic.groupby(["kode_desa", "tahun", "sektor"]).size()
    got = c.set_index(["kode_desa", "tahun", "sektor"])["n_usulan"]
    assert (got.reindex(direct.index) == direct).all()
    assert int(c["n_usulan"].sum()) == len(basic[basic["kode_desa"].isin(c["kode_desa"])])
    funded = basic[basic["status"] == "didanai_apbdes"].groupby(["kode_desa", "tahun", "sektor"]).size()
    assert (got.index.isin(direct.index) | (got == 0)).all()
    assert (c.set_index(["kode_desa", "tahun", "sektor"])["n_didanai"].reindex(funded.index) == funded).all()
    # each class agrees with its own inputs
    sel = c[c["kelas"] == us.SELARAS]
    assert sel["kebutuhan"].all() and (sel["n_didanai"] > 0).all()
    assert (c.loc[c["kelas"] == us.BELUM_TERSUARAKAN, "n_usulan"] == 0).all()
    bt = c[c["kelas"] == us.BELANJA_TANPA_KEBUTUHAN]
    assert (~bt["kebutuhan"]).all() and (bt["porsi"] > bt["median"]).all()
    # the median is the kecamatan median of the village shares
    row = bt.iloc[0]
    sh = demo_pipeline["shares"]
    pool = sh[(sh["tahun"] == row["tahun"]) & (sh["sektor"] == row["sektor"])
              & sh["kode_desa"].str.startswith(row["kode_kecamatan"])]["porsi"].dropna()
    assert row["median"] == pytest.approx(float(pool.median())) and row["n_desa_median"] == len(pool)


def test_demo_sector_shares_match_belanja_indicators(demo_pipeline):
    from p3pd_lib import belanja

    si = belanja.spending_indicators(demo_pipeline["mapped"])
    si = si[si["indikator"].isin(list(belanja.INDIKATOR_SEKTOR))]
    si = si.assign(sektor=si["indikator"].map(belanja.INDIKATOR_SEKTOR))
    m = si.merge(demo_pipeline["shares"], on=["kode_desa", "tahun", "sektor"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all()
    assert np.allclose(m["nilai"].to_numpy(dtype=float, na_value=np.nan),
                       m["porsi"].to_numpy(dtype=float, na_value=np.nan), equal_nan=True)


def test_demo_budget_answering_and_aggregates(demo_tables, demo_pipeline):
    u, wil = demo_tables["usulan"], demo_tables["wilayah"]
    b = us.budget_answering_proposals(demo_pipeline["mapped"], u)
    assert b["porsi_menjawab_usulan"].dropna().between(0, 100).all()
    assert (b["porsi_menjawab_usulan"] > 0).any()
    # the demo links every APBDes-funded proposal to a kegiatan code
    funded = u[u["status"] == "didanai_apbdes"]
    assert funded["kode_kegiatan"].notna().all()
    assert int(b["n_usulan_didanai_tanpa_kode"].sum()) == 0

    c = demo_pipeline["classes"]
    agg = us.aggregate_classes(c, wilayah=wil)
    kec = agg[agg["tingkat"] == "kecamatan"]
    per_kec = c.groupby(["kode_kecamatan", "tahun", "sektor"])["kode_desa"].nunique()
    tot = kec.groupby(["kode_wilayah", "tahun", "sektor"])["n_desa"].sum()
    assert (tot.sort_index().to_numpy() == per_kec.sort_index().to_numpy()).all()
    assert kec["nama_wilayah"].notna().all()
    kab = agg[agg["tingkat"] == "kabupaten"]
    assert set(kab["kode_wilayah"]) == {"33.07"}
    assert kab.groupby(["tahun", "sektor"])["n_desa"].sum().eq(c.groupby(["tahun", "sektor"]).size()).all()

    s = us.proposal_summary(u)
    ap = us.aggregate_proposals(s, wilayah=wil)
    kab_p = ap[ap["tingkat"] == "kabupaten"]
    assert int(kab_p["n_usulan"].sum()) == int(u["sektor"].isin(us.SEKTOR).sum())
    total = kab_p.groupby("tahun")[["n_didanai_apbdes", "n_usulan"]].sum()
    assert ((0 < total["n_didanai_apbdes"]) & (total["n_didanai_apbdes"] < total["n_usulan"])).all()


def test_demo_agenda_rows_merge(demo_pipeline, demo_tables):
    c = demo_pipeline["classes"]
    rows = us.agenda_rows(c, wilayah=demo_tables["wilayah"])
    n_action = int(c["kelas"].isin([us.BELUM_TERSUARAKAN, us.BELUM_TERDANAI]).sum())
    assert len(rows) == n_action > 0
    assert rows["sub_bidang_apbdes"].notna().all()
    # only a code missing from the official list (a planted data-quality problem) has no name;
    # it is kept, not dropped: a finding, not a crash
    unofficial = set(c["kode_desa"]) - set(demo_tables["wilayah"]["kode_desa"])
    assert set(rows.loc[rows["nama_desa"].isna(), "kode_desa"]) == unofficial
    cl = demo_pipeline["classified"]
    year = int(c["tahun"].max())
    ag = agenda_terpadu(cl[cl["tahun"] == year], extra_rows=rows[rows["tahun"] == year])
    assert int((ag["jenis_agenda"] == "Usulan masyarakat").sum()) == int((rows["tahun"] == year).sum())
    assert ag["prioritas"].tolist() == list(range(1, len(ag) + 1))


def test_proposal_counts_use_official_codes_only():
    # 33.07.01.2001 is in the official list; 33.07.01.2999 is not (a quality finding, not a count).
    u = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2999"], "tahun": [2024, 2024],
                      "sektor": ["KES", "KES"], "status": ["didanai_apbdes", "didanai_apbdes"],
                      "perkiraan_biaya": [10.0, 10.0], "anggaran_disetujui": [10.0, 10.0],
                      "kode_kegiatan": ["02.02.01", "02.02.01"]})
    s = us.proposal_summary(u)
    assert s["kode_desa"].unique().tolist() == ["33.07.01.2001"]
    assert int(s["n_usulan"].sum()) == 1
    wil = pd.DataFrame({"kode_desa": ["33.07.01.2999"], "jenis": ["desa"]})
    assert us.proposal_summary(u, wilayah=wil)["kode_desa"].unique().tolist() == ["33.07.01.2999"]
    lines = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2999"], "tahun": [2024, 2024],
                          "kode_kegiatan": ["02.02.01"] * 2, "jenis_baris": ["belanja"] * 2,
                          "sektor": ["KES"] * 2, "anggaran": [10.0, 10.0]})
    b = us.budget_answering_proposals(lines, u).set_index("kode_desa")
    assert int(b.loc["33.07.01.2001", "n_usulan_didanai"]) == 1
    assert int(b.loc["33.07.01.2999", "n_usulan_didanai"]) == 0
