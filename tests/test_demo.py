"""Tests of the demo data generator (p3pd_lib/demo.py).

Most tests use the session fixtures of ``conftest.py`` (kabupaten 33.07, all
years). The planted problems are re-detected here with plain pandas, each rule
written out independently of the generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from p3pd_lib import demo, schemas, store
from p3pd_lib.cli import main
from p3pd_lib.errors import ParameterError

COUNT_COLS = [c for c in schemas.LAYANAN.names if c not in ("kode_desa", "tahun")]
PAIRS = [(num, den) for _, num, den, _ in demo.INDIKATOR_LAYANAN]
DENOMINATORS = sorted({den for _, den in PAIRS} - {"penduduk", "rumah_tangga"})
SMALL_KABS = ["11.72", "33.71"]  # Kota Sabang (18 desa), Kota Magelang (17 kelurahan)


def _key_set(df: pd.DataFrame, cols: list[str]) -> set[tuple]:
    return {tuple(None if pd.isna(x) else x for x in row) for row in df[cols].itertuples(index=False)}


def _manifest_of(man: pd.DataFrame, rule: str, cols: list[str]) -> set[tuple]:
    return _key_set(man[man["aturan"] == rule], cols)


def _long_counts(lay: pd.DataFrame) -> pd.DataFrame:
    return lay.melt(id_vars=["kode_desa", "tahun"], value_vars=COUNT_COLS, var_name="kolom", value_name="nilai")


# --- determinism and independence ---------------------------------------------------------


def test_same_seed_gives_identical_tables() -> None:
    a = demo.generate_demo(seed=7, kabupaten=SMALL_KABS)
    b = demo.generate_demo(seed=7, kabupaten=SMALL_KABS)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.manifest, b.manifest)
    assert store.frame_fingerprint(a.tables) == store.frame_fingerprint(b.tables)


def test_different_seed_differs() -> None:
    a = demo.generate(seed=1, kabupaten=["11.72"])
    b = demo.generate(seed=2, kabupaten=["11.72"])
    pd.testing.assert_frame_equal(a["wilayah"], b["wilayah"])  # the region list is not random
    for name in ("layanan", "apbdes", "status_desa", "usulan"):
        assert not a[name].equals(b[name]), name


def test_one_kabupaten_equals_its_slice_of_a_larger_generation() -> None:
    both = demo.generate_demo(kabupaten=SMALL_KABS)
    assert both.meta["provinsi"] == ["11", "33"]
    for kab in SMALL_KABS:
        alone = demo.generate_demo(kabupaten=[kab])
        sliced = store.Dataset(**both.tables).subset(kab)
        for name, df in alone.tables.items():
            pd.testing.assert_frame_equal(df.reset_index(drop=True), sliced.table(name), obj=f"{kab}/{name}")
        man = both.manifest[both.manifest["kode_desa"].str.startswith(kab + ".")].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone.manifest, man)


@pytest.mark.slow
def test_tables_follow_the_schemas(demo_tables) -> None:
    for name, df in demo_tables.items():
        schemas.validate(df, name)
        assert list(df.columns) == schemas.get_schema(name).names
        assert df.dtypes.astype(str).tolist() == [c.dtype for c in schemas.get_schema(name).columns]


def test_default_kabupaten_holds_every_kind_of_row(demo_tables, demo_kabupaten) -> None:
    wil = demo_tables["wilayah"]
    assert (wil["kode_kabupaten"] == demo_kabupaten).all()
    assert set(wil["jenis"]) == {"desa", "kelurahan"}
    years = sorted(demo_tables["layanan"]["tahun"].unique())
    assert years == [2022, 2023, 2024, 2025]
    n_desa = int((wil["jenis"] == "desa").sum())
    assert len(demo_tables["status_desa"]) == n_desa * 4
    assert demo_tables["usulan"]["kode_desa"].isin(wil.loc[wil["jenis"] == "desa", "kode_desa"]).all()


# --- planted problems: present exactly as listed, nowhere else ----------------------------


def test_manifest_lists_every_rule_with_known_ids(demo_manifest) -> None:
    assert list(demo_manifest.columns) == list(demo.MANIFEST_COLUMNS)
    assert set(demo_manifest["aturan"]) == set(demo.ATURAN_MASALAH)
    assert demo_manifest["tahun"].notna().all()


def test_numerator_above_denominator_only_where_planted(demo_tables, demo_manifest) -> None:
    lay = demo_tables["layanan"]
    found = set()
    for num, den in PAIRS:
        bad = lay[(lay[num] > lay[den]).fillna(False)]
        found |= {(r.kode_desa, r.tahun, num, str(getattr(r, num))) for r in bad.itertuples()}
    assert found and found == _manifest_of(demo_manifest, "pembilang_melebihi_penyebut",
                                           ["kode_desa", "tahun", "kolom", "nilai"])


def test_missing_values_only_where_planted(demo_tables, demo_manifest) -> None:
    long = _long_counts(demo_tables["layanan"])
    found = _key_set(long[long["nilai"].isna()], ["kode_desa", "tahun", "kolom"])
    assert found and found == _manifest_of(demo_manifest, "nilai_hilang", ["kode_desa", "tahun", "kolom"])
    apb = demo_tables["apbdes"]
    for col in ("kode_desa", "tahun", "kode_rekening", "uraian", "sumber_dana", "anggaran", "realisasi"):
        assert apb[col].notna().all(), col
    spending = apb["kode_rekening"].str.startswith("5")
    assert apb.loc[spending, "kode_kegiatan"].notna().all()
    assert apb.loc[~spending, "kode_kegiatan"].isna().all()
    st = demo_tables["status_desa"]
    assert st.drop(columns="status_indeks_desa").notna().all().all()
    assert (st["status_indeks_desa"].notna() == (st["tahun"] >= 2024)).all()


def test_duplicated_rows_only_where_planted(demo_tables, demo_manifest) -> None:
    lay = demo_tables["layanan"]
    dup = lay[lay.duplicated(["kode_desa", "tahun"], keep="first")]
    assert len(dup) and _key_set(dup, ["kode_desa", "tahun"]) == _manifest_of(
        demo_manifest, "baris_ganda", ["kode_desa", "tahun"])
    assert lay.duplicated(keep=False).sum() == 2 * len(dup)  # exact copies
    for name, key in (("apbdes", schemas.APBDES.key), ("status_desa", schemas.STATUS_DESA.key),
                      ("usulan", schemas.USULAN.key)):
        assert not demo_tables[name].duplicated(list(key)).any(), name


def test_unofficial_codes_only_where_planted(demo_tables, demo_manifest) -> None:
    official = set(demo_tables["wilayah"]["kode_desa"])
    lay = demo_tables["layanan"]
    odd = lay[~lay["kode_desa"].isin(official)]
    man = demo_manifest[demo_manifest["aturan"] == "kode_tidak_resmi"]
    assert len(odd) and _key_set(odd, ["kode_desa", "tahun"]) == _key_set(man, ["kode_desa", "tahun"])
    assert (man["nilai"] == man["kode_desa"]).all()
    kecs = set(demo_tables["wilayah"]["kode_kecamatan"])
    assert odd["kode_desa"].str.slice(0, 8).isin(kecs).all()  # under a real kecamatan
    for name in ("apbdes", "status_desa", "usulan"):
        assert demo_tables[name]["kode_desa"].isin(official).all(), name


def test_kelurahan_have_no_budget_lines_except_planted(demo_tables, demo_manifest) -> None:
    wil = demo_tables["wilayah"]
    kel = set(wil.loc[wil["jenis"] == "kelurahan", "kode_desa"])
    apb = demo_tables["apbdes"]
    on_kel = apb[apb["kode_desa"].isin(kel)]
    man = demo_manifest[demo_manifest["aturan"] == "kelurahan_ber_apbdes"]
    assert len(on_kel) and _key_set(on_kel, ["kode_desa", "tahun"]) == _key_set(man, ["kode_desa", "tahun"])
    lines = on_kel.groupby(["kode_desa", "tahun"]).size()
    assert all(str(n) == v for n, v in zip(lines, man.set_index(["kode_desa", "tahun"]).loc[lines.index, "nilai"]))
    # Kelurahan keep their service rows, every year.
    lay = demo_tables["layanan"]
    assert lay[lay["kode_desa"].isin(kel)].groupby("kode_desa").size().min() >= 4
    assert not demo_tables["status_desa"]["kode_desa"].isin(kel).any()
    assert not demo_tables["usulan"]["kode_desa"].isin(kel).any()


def test_realisation_above_budget_only_where_planted(demo_tables, demo_manifest) -> None:
    apb = demo_tables["apbdes"]
    over = apb[apb["realisasi"] > apb["anggaran"]]
    found = {(r.kode_desa, r.tahun, str(int(r.realisasi))) for r in over.itertuples()}
    assert found and found == _manifest_of(demo_manifest, "realisasi_melebihi_anggaran",
                                           ["kode_desa", "tahun", "nilai"])
    assert (apb["realisasi"] >= 0.6 * apb["anggaran"] - 1000).all()


def test_outliers_only_where_planted(demo_tables, demo_manifest) -> None:
    long = _long_counts(demo_tables["layanan"])
    long = long[long["kolom"].isin(DENOMINATORS)].dropna(subset=["nilai"])
    med = long.groupby(["tahun", "kolom"])["nilai"].transform("median")
    extreme = long[long["nilai"] > 10 * med]
    found = {(r.kode_desa, r.tahun, r.kolom, str(r.nilai)) for r in extreme.itertuples()}
    assert found and found == _manifest_of(demo_manifest, "pencilan", ["kode_desa", "tahun", "kolom", "nilai"])


def test_year_on_year_jumps_only_where_planted(demo_tables, demo_manifest) -> None:
    lay = demo_tables["layanan"]
    lay = lay[lay["kode_desa"].isin(demo_tables["wilayah"]["kode_desa"])].drop_duplicates(["kode_desa", "tahun"])
    long = _long_counts(lay).sort_values(["kode_desa", "kolom", "tahun"])
    prev = long.groupby(["kode_desa", "kolom"])["nilai"].shift()
    ratio = long["nilai"].astype("Float64") / prev.astype("Float64")
    big = np.maximum(long["nilai"].fillna(0), prev.fillna(0)) >= 30
    jumps = long[((ratio > 3) | (ratio < 1 / 3)).fillna(False) & big]
    planted = demo_manifest[demo_manifest["aturan"] == "lonjakan_tahunan"]
    pop = jumps[jumps["kolom"] == "penduduk"]
    assert len(pop) and _key_set(pop, ["kode_desa", "tahun", "nilai"]) == {
        (k, t, int(v)) for k, t, v in _key_set(planted, ["kode_desa", "tahun", "nilai"])}
    # Other columns jump only in the village whose whole row fell, or next to a planted outlier.
    outliers = demo_manifest[demo_manifest["aturan"] == "pencilan"]
    allowed = set(planted["kode_desa"]) | set(outliers["kode_desa"])
    assert set(jumps["kode_desa"]) <= allowed


def test_clean_counts_are_plausible(demo_tables, demo_manifest) -> None:
    lay = demo_tables["layanan"]
    planted = set(demo_manifest["kode_desa"])
    clean = lay[~lay["kode_desa"].isin(planted)]
    assert clean[COUNT_COLS].notna().all().all()
    assert clean["penduduk"].between(1000, 10000).all()
    hh_size = clean["penduduk"] / clean["rumah_tangga"]
    assert hh_size.between(2.8, 4.8).all()
    assert (clean["rt_sanitasi_layak"] + clean["rt_babs"] <= clean["rumah_tangga"]).all()


# --- budget ---------------------------------------------------------------------------------


def _budget_by_desa_year(apb: pd.DataFrame) -> pd.DataFrame:
    rek = apb["kode_rekening"]
    sign = np.select([rek.str.startswith("4"), rek.str.startswith("5"), rek.str.startswith("6.1"),
                      rek.str.startswith("6.2")], [1.0, -1.0, 1.0, -1.0], 0.0)
    return apb.assign(a=apb["anggaran"] * sign, r=apb["realisasi"] * sign).groupby(["kode_desa", "tahun"])[
        ["a", "r"]].sum()


def test_budget_balances_and_realised_silpa_is_small(demo_tables) -> None:
    apb = demo_tables["apbdes"]
    bal = _budget_by_desa_year(apb)
    assert (bal["a"].abs() < 1).all()  # Pendapatan − Belanja + Pembiayaan netto = 0 in the budget
    lines = apb.groupby(["kode_desa", "tahun"]).size()
    desa_lines = lines[lines > 3]
    assert desa_lines.between(30, 70).all() and 40 <= desa_lines.mean() <= 60
    dd = apb[apb["kode_rekening"] == "4.2.1.01"]["anggaran"]
    assert dd.between(0.45e9, 1.8e9).all()
    # Realised SiLPA non-negative (planted over-realisations aside) and a modest share.
    revenue = apb[apb["kode_rekening"].str.startswith("4")].groupby(["kode_desa", "tahun"])["realisasi"].sum()
    share = (bal["r"] / revenue).dropna()
    assert (share > -0.05).all() and share.median() < 0.25


def test_budget_lines_use_known_codes(demo_tables) -> None:
    apb = demo_tables["apbdes"]
    spend = apb[apb["kode_rekening"].str.startswith("5")]
    assert set(spend["kode_kegiatan"].str.slice(0, 2)) == {"01", "02", "03", "04", "05"}
    assert set(apb["sumber_dana"]) <= set(schemas.SUMBER_DANA)
    assert spend[spend["kode_kegiatan"].str.startswith("05.03")]["nama_kegiatan"].str.contains("BLT Dana Desa").all()
    kp = spend[spend["kode_kegiatan"].str.startswith("04.02")]
    assert kp["nama_kegiatan"].str.contains("Ketahanan Pangan").all() and (kp["sumber_dana"] == "DDS").all()
    water = spend[spend["kode_kegiatan"] == "02.02.90"]
    assert water["uraian"].str.contains("Jamban|Air Bersih").all() and len(water)
    assert {"6.1.1.01", "6.2.2.01", "4.2.3.01", "4.2.2.01"} <= set(apb["kode_rekening"])


def _dd_shares(apb: pd.DataFrame) -> pd.DataFrame:
    dd = apb[apb["kode_rekening"] == "4.2.1.01"].set_index(["kode_desa", "tahun"])["anggaran"]
    spend = apb[apb["kode_rekening"].str.startswith("5") & (apb["sumber_dana"] == "DDS")]

    def share(prefix: str) -> pd.Series:
        part = spend[spend["kode_kegiatan"].str.startswith(prefix)].groupby(["kode_desa", "tahun"])["anggaran"].sum()
        return part.reindex(dd.index, fill_value=0) / dd

    return pd.DataFrame({"blt": share("05.03"), "kp": share("04.02"), "op": share("01")}).reset_index()


def test_dana_desa_rules_hold_in_most_villages_and_are_breached_in_some(demo_tables) -> None:
    s = _dd_shares(demo_tables["apbdes"])
    y = s["tahun"]
    breach = (
        ((y == 2022) & ((s["blt"] < 0.40) | (s["kp"] < 0.20)))
        | ((y == 2023) & ((s["blt"] < 0.10) | (s["blt"] > 0.25) | (s["kp"] < 0.20) | (s["op"] > 0.03)))
        | ((y == 2024) & ((s["blt"] > 0.25) | (s["kp"] < 0.20) | (s["op"] > 0.03)))
        | ((y == 2025) & ((s["blt"] > 0.15) | (s["kp"] < 0.20) | (s["op"] > 0.03)))
    )
    per_year = breach.groupby(y).mean()
    assert per_year.between(0.02, 0.25).all(), per_year
    assert s.loc[y == 2022, "blt"].median() >= 0.40 and s.loc[y == 2025, "blt"].median() <= 0.15


def test_spending_mix_is_plausible(demo_tables) -> None:
    wil = demo_tables["wilayah"]
    apb = demo_tables["apbdes"]
    apb = apb[apb["kode_desa"].isin(wil.loc[wil["jenis"] == "desa", "kode_desa"])]
    spend = apb[apb["kode_rekening"].str.startswith("5")]
    total = spend.groupby(["kode_desa", "tahun"])["anggaran"].sum()

    def share(prefixes: tuple[str, ...]) -> pd.Series:
        part = spend[spend["kode_kegiatan"].str.startswith(prefixes)].groupby(["kode_desa", "tahun"])["anggaran"].sum()
        return part.reindex(total.index, fill_value=0) / total

    personnel = share(("01.01.01", "01.01.02", "01.01.05"))
    assert personnel.between(0.19, 0.36).all()
    assert 0.03 < (personnel > 0.30).mean() < 0.25
    basic = share(("02.01", "02.02", "02.04.11", "02.04.13", "02.04.15", "02.04.03", "01.03"))
    assert basic.quantile(0.05) < 0.06 and 0.15 < basic.quantile(0.95) < 0.40
    infra = share(("02.03", "02.05", "02.06", "02.07", "02.08"))
    assert infra.median() > 0.2


# --- proposals and village status -------------------------------------------------------------


def test_proposals_follow_their_rules(demo_tables) -> None:
    us = demo_tables["usulan"]
    per = us.groupby(["kode_desa", "tahun"]).size()
    assert per.between(5, 15).all()
    funded = us["status"].isin(["didanai_apbdes", "didanai_pihak_lain"])
    assert (us["anggaran_disetujui"].notna() == funded).all()
    assert (us["anggaran_disetujui"] <= us["perkiraan_biaya"]).fillna(True).all()
    assert (us["kode_kegiatan"].notna() == (us["status"] == "didanai_apbdes")).all()
    assert (us["sektor"] == "LAIN").mean() > 0.5
    assert set(us["forum"]) == {"musdus", "musdes", "rkpdes"} and us["status"].nunique() == 4
    keg = demo_tables["apbdes"][["kode_desa", "tahun", "kode_kegiatan"]].dropna().drop_duplicates()
    apbdes_funded = us[us["status"] == "didanai_apbdes"]
    matched = apbdes_funded.merge(keg, on=["kode_desa", "tahun", "kode_kegiatan"], how="left", indicator=True)
    assert (matched["_merge"] == "both").mean() > 0.9


def test_village_status_follows_official_cut_offs(demo_tables) -> None:
    st = demo_tables["status_desa"]
    mean = ((st["iks"] + st["ike"] + st["ikl"]) / 3).round(4)
    assert ((st["idm"] - mean).abs() < 1e-9).all()
    expected = pd.cut(st["idm"].astype(float), [0, 0.4907, 0.5989, 0.7072, 0.8155, 1],
                      labels=list(schemas.STATUS_IDM), right=True).astype(str)
    assert (st["status_idm"].astype(str) == expected).all()


@pytest.mark.slow
def test_calibration_by_province() -> None:
    t = demo.generate(provinsi=["11", "33"], tahun=[2022, 2023])
    lay = t["layanan"].assign(prov=lambda d: d["kode_desa"].str.slice(0, 2))
    s = lay[lay["tahun"] == 2022].groupby("prov")[["balita_stunting", "balita_diukur", "bayi_idl", "bayi_sasaran",
                                                     "anak_0_17_akta", "anak_0_17"]].sum()
    stunting = s["balita_stunting"] / s["balita_diukur"]
    assert 0.25 <= stunting["11"] <= 0.38
    assert 0.16 <= stunting["33"] <= 0.25
    assert 0.35 <= s.loc["11", "bayi_idl"] / s.loc["11", "bayi_sasaran"] <= 0.60
    assert 0.85 <= s.loc["33", "anak_0_17_akta"] / s.loc["33", "anak_0_17"] <= 0.99
    # Most villages improve on stunting between the two years, some worsen.
    rate = (lay["balita_stunting"] / lay["balita_diukur"]).rename("r")
    wide = lay.assign(r=rate).pivot_table(index="kode_desa", columns="tahun", values="r")
    improve = (wide[2023] < wide[2022]).mean()
    assert 0.5 < improve < 0.95
    st = t["status_desa"].assign(prov=lambda d: d["kode_desa"].str.slice(0, 2))
    st = st[st["tahun"] == 2023]
    maju = st["status_idm"].isin(["Maju", "Mandiri"]).groupby(st["prov"]).mean()
    assert maju["33"] > 0.8 and maju["11"] < 0.6


# --- store, CLI, parameters -----------------------------------------------------------------


def test_demo_store_is_saved_with_meta_and_manifest(demo_store, demo_manifest, demo_kabupaten) -> None:
    ds = store.load_dataset(demo_store)
    assert ds.simulasi and ds.meta["sumber"] == "demo"
    assert ds.meta["kabupaten"] == [demo_kabupaten] and ds.meta["versi_generator"] == demo.GENERATOR_VERSION
    assert ds.meta["tahun"] == [2022, 2023, 2024, 2025]
    pd.testing.assert_frame_equal(demo.read_manifest(demo_store), demo_manifest)


def test_demo_dataset_fixture_is_flagged_simulated(demo_dataset) -> None:
    assert demo_dataset.simulasi
    assert len(demo_dataset.apbdes) > 10_000


def test_build_is_idempotent_and_can_be_forced(tmp_path) -> None:
    first = demo.build_demo_store(tmp_path, kabupaten="11.72", tahun=[2024, 2025])
    assert first.diperbarui and first.jumlah_baris["wilayah"] == 18
    stamp = (tmp_path / "processed" / "meta.json").stat().st_mtime_ns
    again = demo.build_demo_store(tmp_path, kabupaten="11.72", tahun=[2024, 2025])
    assert not again.diperbarui
    assert (tmp_path / "processed" / "meta.json").stat().st_mtime_ns == stamp
    other_seed = demo.build_demo_store(tmp_path, kabupaten="11.72", tahun=[2024, 2025], seed=5)
    assert other_seed.diperbarui and store.read_meta(tmp_path)["seed"] == 5
    forced = demo.build_demo_store(tmp_path, kabupaten="11.72", tahun=[2024, 2025], seed=5, paksa=True)
    assert forced.diperbarui


def test_cli_demo_data(tmp_path, capsys) -> None:
    args = ["demo-data", "--data-dir", str(tmp_path), "--kabupaten", "33.71", "--tahun", "2025"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "SIMULASI" in out and "masalah_simulasi.csv" in out
    assert main(args) == 0
    assert "sudah mutakhir" in capsys.readouterr().out
    assert main(["demo-data", "--data-dir", str(tmp_path), "--kabupaten", "33.99"]) == 2
    assert "tidak ada dalam daftar resmi" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kabupaten": ["3307"]}, "bukan kode kabupaten"),
        ({"provinsi": ["99"]}, "tidak ada dalam daftar resmi"),
        ({"provinsi": ["11"], "kabupaten": ["33.07"]}, "tidak berada di provinsi"),
        ({"kabupaten": ["11.72"], "tahun": [1990]}, "Tahun harus"),
        ({"kabupaten": ["11.72"], "seed": -1}, "Seed"),
    ],
)
def test_bad_requests_are_refused_in_indonesian(kwargs, message) -> None:
    with pytest.raises(ParameterError, match=message):
        demo.generate(**kwargs)


def test_parameters_file_is_checked(tmp_path) -> None:
    prm = demo.load_parameters()
    assert prm.seed >= 0 and prm.provinsi == ["11", "12", "33", "35"]
    raw = (demo.parameter_file("demo.yaml")).read_text(encoding="utf-8")
    bad = tmp_path / "demo.yaml"
    bad.write_text(raw + "\nkunci_asing: 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="tidak valid"):
        demo.load_parameters(bad)
    # A changed parameter changes the fingerprint kept in the store's metadata.
    changed = prm.model_copy(update={"seed": prm.seed + 1})
    assert changed.fingerprint() != prm.fingerprint()


def test_single_year_has_no_jump_plant() -> None:
    r = demo.generate_demo(kabupaten=["33.07"], tahun=[2024])
    assert "lonjakan_tahunan" not in set(r.manifest["aturan"])
    assert set(r.manifest["aturan"]) == set(demo.ATURAN_MASALAH) - {"lonjakan_tahunan"}
