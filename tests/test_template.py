"""Tests of p3pd_lib.template: the Excel templates villages and technical units fill in."""

from __future__ import annotations

import csv
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from p3pd_lib.errors import ParameterError
from p3pd_lib.schemas import TABLES
from p3pd_lib.template import (DAFTAR_SHEET, INFO_SHEET, PETUNJUK_SHEET, TEMPLATE_SHEETS, build_template,
                               sheet_columns, write_template)

KEC = "33.07.01"  # Wadaslintang: 16 desa + 1 kelurahan (33.07.01.1007)


@pytest.fixture(scope="module")
def wb():
    return build_template(KEC, 2025)


def test_one_sheet_per_data_group_plus_petunjuk(wb):
    assert wb.sheetnames == [PETUNJUK_SHEET, *TEMPLATE_SHEETS.values(), DAFTAR_SHEET, INFO_SHEET]
    assert wb[INFO_SHEET].sheet_state == "hidden"
    info = {r[0].value: r[1].value for r in wb[INFO_SHEET].iter_rows()}
    assert info["kode_kecamatan"] == KEC and info["tahun"] == 2025 and info["jenis"] == "templat_p3pd"


@pytest.mark.parametrize("table", list(TEMPLATE_SHEETS))
def test_headers_are_the_schema_labels(wb, table):
    ws = wb[TEMPLATE_SHEETS[table]]
    headers = [c.value for c in ws[1]]
    assert headers == [c.label for c in sheet_columns(table)]
    assert [h for h in headers if h != "Nama desa/kelurahan"] == [c.label for c in TABLES[table].columns]


def test_villages_prefilled_with_official_codes_and_names_and_locked(wb):
    ws = wb["Layanan"]
    rows = [(r[0].value, r[1].value, r[2].value) for r in ws.iter_rows(min_row=2, max_col=3)]
    assert len(rows) == 17 and rows[0] == ("33.07.01.1007", "Wadaslintang", 2025)
    assert ("33.07.01.2009", "Kumejing", 2025) in rows
    assert all(ws.cell(row=2, column=j).protection.locked for j in (1, 2, 3))
    assert not ws.cell(row=2, column=4).protection.locked
    assert ws.protection.sheet
    # status desa: desa only (kelurahan have no IDM); APBDes dropdown: desa only
    codes = [r[0].value for r in wb["Status Desa"].iter_rows(min_row=2, max_col=1)]
    assert len(codes) == 16 and "33.07.01.1007" not in codes
    choices = [r[0].value for r in wb[DAFTAR_SHEET].iter_rows(min_row=2, min_col=5, max_col=5) if r[0].value]
    assert len(choices) == 16 and choices[0] == "33.07.01.2001 – Kaligowong"


def test_data_validation_whole_numbers_and_dropdowns(wb):
    lay = wb["Layanan"].data_validations.dataValidation
    assert len(lay) == 31 and all(dv.type == "whole" and dv.formula1 == "0" for dv in lay)
    ap = {str(dv.sqref).split(":")[0][0]: dv for dv in wb["APBDes"].data_validations.dataValidation}
    assert ap["A"].type == "list" and DAFTAR_SHEET in ap["A"].formula1
    assert ap["G"].type == "list" and ap["G"].formula1 == '"DDS,ADD,PAD,PBH,PBP,PBK,DLL,SILPA"'
    assert ap["H"].type == "decimal" and ap["H"].operator == "greaterThanOrEqual"
    st = {str(dv.sqref).split(":")[0][0]: dv for dv in wb["Status Desa"].data_validations.dataValidation}
    assert (st["D"].type, st["D"].formula1, st["D"].formula2) == ("decimal", "0", "1")
    assert st["H"].type == "list" and "Berkembang" in st["H"].formula1
    us = {str(dv.sqref).split(":")[0][0]: dv for dv in wb["Usulan"].data_validations.dataValidation}
    assert "musdes" in us["C"].formula1 and "didanai_apbdes" in us["H"].formula1
    # free rows are unlocked through the column style
    assert wb["APBDes"].column_dimensions["H"].protection.locked is False


def test_petunjuk_explains_every_column_of_every_sheet(wb):
    ws = wb[PETUNJUK_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    explained = {(r[0], r[2]) for r in rows if r and r[2]}
    for table, title in TEMPLATE_SHEETS.items():
        for col in sheet_columns(table):
            assert (title, col.name) in explained, (title, col.name)
    descriptions = {r[2]: r[3] for r in rows if r and r[2]}
    assert descriptions["balita_stunting"] == TABLES["layanan"].column("balita_stunting").description
    assert any("BUKAN nol" in str(r[0]) for r in rows)


@pytest.mark.parametrize("kec, tahun, match", [("33.07", 2025, "bukan kode kecamatan"),
                                               ("99.99.99", 2025, "bukan kode kecamatan"),
                                               (KEC, 1990, "Tahun"), (KEC, "2025", "Tahun")])
def test_bad_parameters(kec, tahun, match):
    with pytest.raises(ParameterError, match=match):
        build_template(kec, tahun)


def test_write_template_requires_xlsx_and_writes_a_valid_zip(tmp_path):
    with pytest.raises(ParameterError, match=".xlsx"):
        write_template(KEC, 2025, tmp_path / "t.xls")
    p = write_template(KEC, 2025, tmp_path / "sub" / "t.xlsx")
    assert zipfile.is_zipfile(p) and not list(p.parent.glob("*.tmp"))
    assert load_workbook(p)["Layanan"]["A3"].value == "33.07.01.2001"


@pytest.mark.slow
def test_libreoffice_opens_the_template_without_repair(tmp_path):
    p = write_template(KEC, 2025, tmp_path / "templat.xlsx")
    out = tmp_path / "out"
    profile = (tmp_path / "lo_profile").as_uri()
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    proc = subprocess.run(["/usr/bin/soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                           filt, "--outdir", str(out), str(p)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    sheets = {f.name for f in out.glob("*.csv")}
    assert {f"templat-{s}.csv" for s in TEMPLATE_SHEETS.values()} | {"templat-Petunjuk.csv"} <= sheets
    with open(out / "templat-Layanan.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Kode desa/kelurahan (Kemendagri)", "Nama desa/kelurahan", "Tahun anggaran"]
    assert rows[1][:3] == ["33.07.01.1007", "Wadaslintang", "2025"] and len(rows) == 18
    petunjuk = (out / "templat-Petunjuk.csv").read_text(encoding="utf-8")
    assert "balita_stunting" in petunjuk and "Wadaslintang" in petunjuk
    # and a round trip through LibreOffice's own xlsx writer keeps sheets, protection and validation
    proc = subprocess.run(["/usr/bin/soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                           "xlsx", "--outdir", str(out / "x"), str(p)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    back = load_workbook(out / "x" / "templat.xlsx")
    assert back["Layanan"].protection.sheet and back["Layanan"]["A2"].value == "33.07.01.1007"
    assert back["Layanan"].data_validations.dataValidation
