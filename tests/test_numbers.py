"""Tests of p3pd_lib.numbers: Indonesian and English number formats."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p3pd_lib.numbers import parse_column, parse_value


@pytest.mark.parametrize("text, kind, expected", [
    ("1.234,5", "rupiah", 1234.5), ("1,234.5", "rupiah", 1234.5), ("Rp 964.073.000", "rupiah", 964073000.0),
    ("964.073.000,00", "rupiah", 964073000.0), ("Rp. 1.500", "rupiah", 1500.0), ("(1.500)", "rupiah", -1500.0),
    ("1 234 567", "count", 1234567.0), ("12,50", "rupiah", 12.5), ("0.75", "decimal", 0.75),
    ("0,6532", "decimal", 0.6532), ("1.234", "count", 1234.0), ("1,234", "count", 1234.0), ("-7", "count", -7.0),
    ("  42 ", "count", 42.0), (3, "count", 3.0), (2.5, "decimal", 2.5), ("", "count", None), ("-", "rupiah", None),
    (None, "count", None),
])
def test_parse_value(text, kind, expected):
    assert parse_value(text, kind=kind) == expected


@pytest.mark.parametrize("bad", ["abc", "1.23.4", "12a", "1,2,3", True, dt.date(2024, 1, 12)])
def test_unreadable_values_raise_indonesian_errors(bad):
    with pytest.raises(ValueError, match="bukan angka|tanggal|logika"):
        parse_value(bad)


def test_ambiguous_decimal_decided_by_column_context():
    assert parse_column(["0,5", "1.234"], kind="decimal").values.tolist() == [0.5, 1234.0]  # Indonesian column
    assert parse_column(["0.5", "1,234"], kind="decimal").values.tolist() == [0.5, 1234.0]  # English column
    r = parse_column(["1.234"], kind="decimal")  # no evidence: decimal mark, with a warning
    assert r.values.tolist() == [1.234] and [p.aturan for p in r.problems] == ["format_angka_ambigu"]


def test_mixed_conventions_warn_once_and_read_each_value_by_its_signature():
    r = parse_column(["1.234,5", "1,234.5", "7"], kind="rupiah")
    assert r.values.tolist() == [1234.5, 1234.5, 7.0]
    assert [(p.aturan, p.tingkat) for p in r.problems] == [("format_angka_campuran", "peringatan")]


def test_parse_column_reports_positions_and_keeps_missing_as_na():
    raw = ["10", None, "sepuluh", "", 3.0]
    r = parse_column(raw, kind="count")
    assert r.values.isna().tolist() == [False, True, True, True, False]
    assert [(p.pos, p.aturan, p.tingkat) for p in r.problems] == [(2, "bukan_angka", "galat")]
    assert raw == ["10", None, "sepuluh", "", 3.0]  # input untouched


@given(st.integers(min_value=0, max_value=10**12))
def test_both_conventions_round_trip_whole_numbers(n):
    indo = f"{n:,}".replace(",", ".")
    assert parse_value(indo, kind="rupiah") == n
    assert parse_value(f"{n:,}", kind="rupiah") == n
    assert parse_value(f"Rp {indo},00", kind="rupiah") == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=99))
def test_both_conventions_round_trip_decimals(whole, cents):
    indo = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    eng = f"{whole:,}" + f".{cents:02d}"
    assert parse_value(indo) == parse_value(eng) == pytest.approx(whole + cents / 100)


def test_long_column_of_typed_numbers_keeps_values_empties_and_reports_infinity():
    """A typed export column (> 1,000 cells) takes the vectorised path: same values, NaN empty, inf a galat."""
    import math

    import numpy as np

    from p3pd_lib.numbers import parse_column

    raw = [float(i) + 0.5 for i in range(1500)] + [7, np.int64(8), float("nan"), math.inf, "1.234.567", True]
    r = parse_column(raw, kind="rupiah")
    vals = r.values
    assert vals.iloc[:1500].tolist() == [float(i) + 0.5 for i in range(1500)]
    assert vals.iloc[1500] == 7 and vals.iloc[1501] == 8 and vals.iloc[1504] == 1234567
    assert vals.iloc[[1502, 1503, 1505]].isna().all()
    assert sorted(p.pos for p in r.problems) == [1503, 1505]  # inf and the logical value; NaN is just empty
