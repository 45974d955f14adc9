"""Import findings speak to the person at the desk: sorted by sheet and row, plain rule names,
decimal commas, and warnings for "3,000" and for a numerator without its denominator.

Each test writes its own small CSV or workbook (``check_files`` stores nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from p3pd_lib.cli import main
from p3pd_lib.importer import check_files, findings_for_people, rule_name
from p3pd_lib.importer.results import number_text
from p3pd_lib.surface_check import scan_text

DESA1, DESA2 = "33.07.01.2001", "33.07.01.2002"
DOT_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{1,2}(?![\d.])")


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_ambiguous_comma_in_a_count_column_is_warned(tmp_path):
    p = _csv(tmp_path / "layanan.csv", f"kode_desa;tahun;penduduk\n{DESA1};2025;3,000\n{DESA2};2025;2500\n")
    f = check_files(p, tmp_path / "data", tahun=2025).findings
    amb = f[f["aturan"] == "format_angka_ambigu"]
    assert len(amb) == 1 and amb["tingkat"].iloc[0] == "peringatan" and int(amb["baris"].iloc[0]) == 2
    assert "3.000" in amb["pesan"].iloc[0] and "koma desimal" in amb["pesan"].iloc[0]
    assert not (f["tingkat"] == "galat").any()  # a warning, the file is still accepted


def test_plain_and_clearly_grouped_numbers_get_no_ambiguity_warning(tmp_path):
    p = _csv(tmp_path / "layanan.csv", f"kode_desa;tahun;penduduk\n{DESA1};2025;3.000\n{DESA2};2025;1.234.567\n")
    f = check_files(p, tmp_path / "data", tahun=2025).findings
    assert "format_angka_ambigu" not in set(f["aturan"])


def test_numerator_without_denominator_is_warned(tmp_path):
    p = _csv(tmp_path / "layanan.csv",
             f"kode_desa,tahun,balita_stunting,balita_diukur\n{DESA1},2025,12,\n{DESA2},2025,8,100\n")
    f = check_files(p, tmp_path / "data", tahun=2025).findings
    lone = f[f["aturan"] == "pembilang_tanpa_penyebut"]
    assert len(lone) == 1 and int(lone["baris"].iloc[0]) == 2 and lone["tingkat"].iloc[0] == "peringatan"
    assert "Prevalensi stunting balita (KES01)" in lone["pesan"].iloc[0]
    assert rule_name("pembilang_tanpa_penyebut") == "Pembilang tanpa penyebut"


def test_findings_are_sorted_by_sheet_and_row_with_plain_names_and_commas(tmp_path):
    wb = openpyxl.Workbook()
    header = ["kode_desa", "tahun", "penduduk", "balita_stunting", "balita_diukur"]
    ws = wb.active
    ws.title = "Layanan B"  # first in the workbook: listed first although "A" sorts before it
    ws.append(header)
    ws.append([DESA1, 2025, 100.5, 30, 20])   # row 2: not a whole number; numerator above denominator
    ws.append([DESA2, 2025, -4, None, None])  # row 3: negative
    other = wb.create_sheet("Layanan A")
    other.append(header)
    other.append(["33.07.01.2003", 2025, -1, 5, 2])
    p = tmp_path / "campur.xlsx"
    wb.save(p)
    f = check_files(p, tmp_path / "data", tahun=2025).findings
    assert {"bukan_bilangan_bulat", "pembilang_melebihi_penyebut", "nilai_negatif"} <= set(f["aturan"])
    keys = list(zip(f["lembar"].tolist(), f["baris"].fillna(10**6).astype(int).tolist()))
    assert list(dict.fromkeys(s for s, _ in keys)) == ["Layanan B", "Layanan A"]
    for sheet in ("Layanan B", "Layanan A"):
        rows = [r for sh, r in keys if sh == sheet]
        assert rows == sorted(rows), (sheet, rows)
    people = findings_for_people(f)
    assert list(people.columns[:3]) == ["Berkas", "Lembar", "Baris"]
    assert "Pembilang melebihi penyebut" in set(people["Aturan"]) and not people["Aturan"].str.contains("_").any()
    for msg in f["pesan"]:
        assert not DOT_DECIMAL.search(msg), msg
        assert not [t for t in scan_text(msg) if t.jenis in ("kode_tanpa_nama", "desimal_titik")], msg
    assert "100,5" in f[f["aturan"] == "bukan_bilangan_bulat"]["pesan"].iloc[0]
    assert "Prevalensi stunting balita (KES01)" in f[f["aturan"] == "pembilang_melebihi_penyebut"]["pesan"].iloc[0]


def test_idm_check_writes_decimal_commas(tmp_path):
    p = _csv(tmp_path / "status.csv", f"kode_desa,tahun,idm,iks,ike,ikl\n{DESA2},2025,0.9,0.5,0.6,0.7\n")
    f = check_files(p, tmp_path / "data", tahun=2025).findings
    msg = f[f["aturan"] == "jumlah_tidak_sesuai"]["pesan"].iloc[0]
    assert "0,9000" in msg and "0,6000" in msg and not DOT_DECIMAL.search(msg)


def test_written_report_and_cli_name_the_rules(tmp_path, capsys):
    p = _csv(tmp_path / "layanan.csv", f"kode_desa;tahun;penduduk\n{DESA2};2025;-5\n{DESA1};2025;3,000\n")
    check_files(p, tmp_path / "data", tahun=2025, write_reports=True)
    xlsx = tmp_path / "layanan.csv.temuan.xlsx"
    assert xlsx.exists()
    table = pd.read_excel(xlsx)
    assert table["Baris"].tolist() == sorted(table["Baris"].tolist())
    assert set(table["Aturan"]) >= {"Nilai negatif", "Pemisah angka dapat dibaca dua cara"}
    html = (tmp_path / "layanan.csv.temuan.html").read_text(encoding="utf-8")
    assert "nilai_negatif" not in html and "Nilai negatif" in html
    main(["periksa", str(p), "--tahun", "2025", "--data-dir", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert "Nilai negatif:" in out and "Pemisah angka dapat dibaca dua cara:" in out
    assert out.index("baris 2") < out.index("baris 3")


@pytest.mark.parametrize("value, text", [(1.5, "1,5"), (1234567.0, "1.234.567"), (0.25, "0,25"), (-3.0, "-3"),
                                         ("teks", "teks"), (None, None)])
def test_number_text_in_messages(value, text):
    assert number_text(value) == text
