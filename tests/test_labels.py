"""Indonesian display labels (labels.py, parameters/label.yaml) and Indonesian number formats."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from p3pd_lib import labels
from p3pd_lib.numbers import format_angka, format_persen, format_poin, format_rupiah
from p3pd_lib.paths import parameter_file


def _catalogue() -> list[dict]:
    return yaml.safe_load(parameter_file("indikator.yaml").read_text(encoding="utf-8"))["indikator"]


def test_every_indicator_has_a_full_and_a_short_name():
    for ind in _catalogue():
        assert labels.nama_indikator(ind["id"]) == ind["nama"]
        short = labels.nama_indikator(ind["id"], singkat=True)
        assert short != ind["id"] and len(short) <= 22, ind["id"]
    for i in range(1, 11):
        code = f"BEL{i:02d}"
        assert labels.nama_indikator(code) != code and labels.nama_indikator(code, singkat=True) != code


def test_every_rule_and_sector_has_a_name():
    rules = pd.read_csv(parameter_file("aturan_dana_desa.csv"))
    for code, name in rules.drop_duplicates("aturan")[["aturan", "nama_aturan"]].itertuples(index=False):
        assert labels.nama_aturan(code) == name
    for s in ("PEND", "KES", "AIR", "SOS", "ADM", "LAIN", "ATURAN"):
        assert labels.nama_sektor(s) != s and labels.nama_sektor(s, singkat=True) != s


@pytest.mark.parametrize("enum, codes", [
    ("arah", ["higher", "lower"]), ("tag_target", ["sourced", "proposed"]),
    ("kelas", ["hijau", "kuning", "merah", "abu"]), ("kuadran", ["prioritas", "evaluasi", "pertahankan", "pantau"]),
    ("tren", ["membaik", "tetap", "memburuk"]), ("tingkat_temuan", ["galat", "peringatan", "info"]),
    ("status_usulan", ["didanai_apbdes", "didanai_pihak_lain", "belum_didanai", "ditolak"]),
])
def test_enumerations_are_labelled(enum, codes):
    got = [labels.label(enum, c) for c in codes]
    assert all(g != c and "_" not in g for g, c in zip(got, codes))
    assert len(set(got)) == len(codes)


def test_missing_unknown_and_truth_values():
    assert labels.label("kelas", pd.NA) == "–" and labels.label("kelas", "ungu") == "ungu"
    assert [labels.ya_tidak(v) for v in (True, False, None, float("nan"))] == ["Ya", "Tidak", "–", "–"]
    with pytest.raises(ValueError, match="tidak dikenal"):
        labels.label("warna", "hijau")


def test_map_labels_returns_a_new_table():
    df = pd.DataFrame({"tren": ["membaik", None], "patuh": pd.array([True, pd.NA], dtype="boolean")})
    out = labels.map_labels(df, {"tren": "tren", "patuh": "ya_tidak"})
    assert out.to_dict("list") == {"tren": ["Membaik", "–"], "patuh": ["Ya", "–"]}
    assert df["tren"].iloc[0] == "membaik" and df["patuh"].iloc[0]  # input untouched


def test_number_formats_are_indonesian():
    assert format_angka(1234567.891, 2) == "1.234.567,89"
    assert format_angka(-0.04, 1) == "0,0"  # no negative zero
    assert format_persen(21.57) == "21,6%" and format_rupiah(1234567) == "Rp 1.234.567"
    assert format_poin(3.26) == "3,3 poin"
    assert [format_angka(v) for v in (None, pd.NA, float("nan"), float("inf"), True)] == ["–"] * 5
