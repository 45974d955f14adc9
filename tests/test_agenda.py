"""Agenda terpadu on small hand-built tables."""

from __future__ import annotations

import pandas as pd
import pytest

from p3pd_lib.agenda import AGENDA_COLUMNS, agenda_terpadu, load_agenda_parameters


def _classified() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kode_desa": ["d1", "d1", "d2", "d2", "d3"],
            "nama_desa": ["Satu", "Satu", "Dua", "Dua", "Tiga"],
            "tahun": [2024] * 5,
            "sektor": ["KES", "ADM", "PEND", "AIR", "KES"],
            "indikator": ["KES01", "ADM01", "PEND02", "AIR01", "KES02"],
            "nilai": [20.0, 95.0, 4.0, 50.0, 85.0],
            "target": [14.0, 98.0, 0.0, 100.0, 90.0],
            "sumber_target": ["RPJMN", "Dukcapil", "usulan", "RPJMN", "RPJMN"],
            "arah": ["lower", "higher", "lower", "higher", "higher"],
            "kelas": ["merah", "kuning", "merah", "merah", "kuning"],
        }
    )


def test_only_red_indicators_become_rows_with_party_and_sub_bidang():
    out = agenda_terpadu(_classified())
    assert list(out.columns) == AGENDA_COLUMNS
    assert set(out["indikator"]) == {"KES01", "PEND02", "AIR01"}
    params = load_agenda_parameters()
    row = out.set_index("indikator").loc["AIR01"]
    assert row["penanggung_jawab"] == params["penanggung_jawab"]["AIR"]
    assert row["sub_bidang_apbdes"].startswith("02.04")
    # gap in points, positive when short of target, respecting direction
    assert out.set_index("indikator")["kesenjangan"].to_dict() == {"KES01": 6.0, "PEND02": 4.0, "AIR01": 50.0}


def test_quadrant_orders_before_gap_size():
    quad = pd.DataFrame(
        {"kode_desa": ["d1", "d2"], "label_kuadran": ["Pertahankan", "Prioritas: realokasi belanja"]}
    )
    out = agenda_terpadu(_classified(), quadrants=quad)
    # d2's rows (priority quadrant) come first, d1 (Pertahankan) last, d3 (no quadrant) after all known
    assert out["kode_desa"].tolist() == ["d2", "d2", "d1"]
    assert out["prioritas"].tolist() == [1, 2, 3]
    # inside d2: PEND02 has no positive target, its relative gap is 4/100; AIR01's is 50/100
    assert out["indikator"].tolist()[:2] == ["AIR01", "PEND02"]


def test_breached_spending_rules_become_rows_for_kasi_pmd():
    rules = pd.DataFrame(
        {
            "kode_desa": ["d1", "d2"],
            "tahun": [2024, 2024],
            "aturan": ["BEL07", "BLT"],
            "nilai": [35.0, 20.0],
            "patuh": pd.array([False, True], dtype="boolean"),
            "pesan": ["Siltap 35% melebihi batas 30%.", "Sesuai."],
        }
    )
    out = agenda_terpadu(_classified(), rules=rules)
    aturan = out[out["jenis_agenda"] == "Aturan belanja"]
    assert aturan["indikator"].tolist() == ["BEL07"]
    assert aturan["penanggung_jawab"].iloc[0].startswith("Kasi PMD")
    assert aturan["keterangan"].iloc[0] == "Siltap 35% melebihi batas 30%."
    # service gaps are listed before rule rows within the same quadrant rank
    assert out["jenis_agenda"].iloc[-1] == "Aturan belanja"


def test_inputs_are_not_modified_and_empty_input_gives_empty_agenda():
    cl = _classified()
    before = cl.copy()
    agenda_terpadu(cl)
    pd.testing.assert_frame_equal(cl, before)
    empty = agenda_terpadu(cl.assign(kelas="hijau"))
    assert empty.empty and list(empty.columns) == AGENDA_COLUMNS


def test_missing_columns_are_refused_in_indonesian():
    with pytest.raises(ValueError, match="tidak memuat kolom"):
        agenda_terpadu(_classified().drop(columns=["arah"]))
