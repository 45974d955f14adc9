"""Bahan Musdes: one printable A4 page per desa (musdes.py), built from the demo kecamatan."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from p3pd_lib import labels, musdes, surface_check
from p3pd_lib.errors import ParameterError

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def view(demo_dataset):
    from p3pd_lib import analysis

    return analysis.kecamatan_view(demo_dataset, "33.07.01", tahun=2024)


def _desa(view, jenis="desa"):
    return sorted(view.desa.loc[view.desa["jenis"] == jenis, "kode_desa"].astype(str))


def test_priorities_numbered_within_the_desa_and_largest_gaps_first(view):
    for kode in _desa(view):
        b = musdes.bahan_musdes(view, kode)
        assert b.prioritas["nomor"].tolist() == list(range(1, len(b.prioritas) + 1))
        kinds = b.prioritas["jenis"].tolist()
        assert kinds == sorted(kinds, key=list(musdes.JENIS_PRIORITAS).index)
        gaps = b.prioritas[b.prioritas["jenis"] == "layanan"]
        cap = view.capaian[(view.capaian["kode_desa"] == kode) & view.capaian["kelas"].isin(["merah", "kuning"])]
        assert len(gaps) == min(len(cap), 5)
        # red before yellow, and within red the largest relative distance from the target first
        # (one minus the sector-score term: value/target, or target/value when lower is better)
        merah = cap[cap["kelas"] == "merah"].astype({"nilai": "float64", "target": "float64"})
        if len(merah):
            score = (merah["target"] / merah["nilai"]).where(merah["arah"] == "lower", merah["nilai"] / merah["target"])
            assert gaps["indikator"].iloc[0] == merah.loc[score.clip(upper=1).idxmin(), "indikator"]
        for r in gaps.to_dict("records"):
            # name beside the code, the value with unit, target, kecamatan, who acts and where
            assert r["apa"] == f"{labels.nama_indikator(r['indikator'])} ({r['indikator']})"
            assert "%" in r["fakta"] and "target" in r["fakta"]
            assert "kecamatan" in r["pembanding"]
            assert r["sub_bidang"] and r["siapa"] and r["kegiatan"]


def test_gap_compared_with_the_kecamatan_value(view):
    kode = _desa(view)[0]
    b = musdes.bahan_musdes(view, kode)
    row = b.prioritas[b.prioritas["jenis"] == "layanan"].iloc[0]
    kec = view.capaian_wilayah[(view.capaian_wilayah["tingkat"] == "kecamatan")
                               & (view.capaian_wilayah["indikator"] == row["indikator"])]["nilai"].iloc[0]
    from p3pd_lib.numbers import format_persen

    assert f"kecamatan {format_persen(kec)}" in row["pembanding"]


def test_rule_breaches_and_proposals_come_from_the_view(view):
    at = view.aturan_belanja
    breach = at[(at["tahun"] == view.tahun) & at["patuh"].eq(False).fillna(False)]
    assert len(breach), "the demo kecamatan should have at least one rule breach"
    kode = str(breach["kode_desa"].iloc[0])
    b = musdes.bahan_musdes(view, kode)
    rules = b.prioritas[b.prioritas["jenis"] == "aturan"]
    assert set(rules["indikator"]) == set(breach.loc[breach["kode_desa"] == kode, "aturan"])
    assert all("▲ Belum dipenuhi" == t for t in rules["tanda"])
    ku = view.kebutuhan_usulan
    own = ku[(ku["kode_desa"] == kode)]
    usul = b.prioritas[b.prioritas["jenis"] == "usulan"]
    expect = {"USL-DANA"} if (own["kelas"] == "Usulan belum terdanai").any() else set()
    expect |= {"USL-SUARA"} if (own["kelas"] == "Kebutuhan belum tersuarakan").any() else set()
    assert set(usul["indikator"]) == expect


def test_kelurahan_has_no_budget_items(view):
    kel = _desa(view, "kelurahan")
    assert kel
    b = musdes.bahan_musdes(view, kel[0])
    assert set(b.prioritas["jenis"]) <= {"layanan"}
    assert any("tidak memiliki APBDes" in c for c in b.catatan)


def test_unknown_desa_is_refused_in_indonesian(view):
    with pytest.raises(ParameterError, match="tidak ada di Kecamatan"):
        musdes.bahan_musdes(view, "33.07.02.2001")


def test_idm_activities_shown_only_when_given(view):
    kode = _desa(view)[0]
    assert musdes.bahan_musdes(view, kode).idm.empty
    idm = pd.DataFrame({"kode_desa": [kode, kode, kode, "x"], "tahun": [2023, 2024, 2024, 2024],
                        "indikator": ["Lama", "Akses poskesdes", "Air minum", "Lain"], "skor": [1, 3, 1, 0],
                        "kegiatan": ["a", "Bangun poskesdes", "Perpipaan", "b"]})
    b = musdes.bahan_musdes(view, kode, idm_rumusan=idm)
    assert b.idm["indikator"].tolist() == ["Air minum", "Akses poskesdes"]  # latest year, lowest score first
    assert "Bangun poskesdes" in musdes.render_html(b)
    with pytest.raises(ParameterError, match="kurang kolom"):
        musdes.bahan_musdes(view, kode, idm_rumusan=idm.drop(columns="skor"))


def test_html_is_escaped_printable_and_black_and_white_readable(view):
    kode = _desa(view)[0]
    b = dataclasses.replace(musdes.bahan_musdes(view, kode), nama_desa="<script>alert(1)</script>Desa")
    html = musdes.render_html(b)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "size: A4 portrait" in html and "<link" not in html  # self-contained
    assert "▲ Belum tercapai" in html or "◐ Mendekati" in html  # a word and a symbol, not colour alone
    assert "arahkan tetikus" not in html.lower()


def test_every_page_passes_the_surface_scanner(view):
    for kode in sorted(view.desa["kode_desa"].astype(str)):
        html = musdes.render_html(musdes.bahan_musdes(view, kode))
        found = surface_check.scan_html(html, f"Bahan Musdes {kode}", cetak=True)
        assert not found, surface_check.ringkas(found)


@pytest.fixture(scope="module")
def boundaries(demo_dataset, view):
    from p3pd_lib import peta

    b = peta.simulated_boundaries(demo_dataset.wilayah)
    return b[b["kode"].astype(str).str.startswith(view.kode_kecamatan)].reset_index(drop=True)


def test_locator_map_marks_the_desa_when_boundaries_exist(view, boundaries):
    kode = _desa(view)[1]
    nama = view.desa.set_index("kode_desa").at[kode, "nama_desa"]
    b = musdes.bahan_musdes(view, kode, boundaries=boundaries)
    page = musdes.render_html(b)
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert f"data-kode='{kode}'" in svg and f">{nama}</text>" in svg
    # One outline per other desa and the hatched desa (black and white: a pattern, not a colour).
    assert svg.count("<path") == 2 and "url(#arsir)" in svg and "PETA SIMULASI" in svg
    assert "<script" not in svg and not surface_check.scan_html(page, kode, cetak=True)
    # Without boundaries (or without this desa's shape) the page has no map.
    assert "<svg" not in musdes.render_html(musdes.bahan_musdes(view, kode))
    other = boundaries[boundaries["kode"] != kode]
    assert musdes.bahan_musdes(view, kode, boundaries=other).peta == ""


@pytest.mark.slow
def test_pdf_one_page_per_desa_and_screenshot(view, boundaries, tmp_path):
    from pypdf import PdfReader

    codes = _desa(view)[:3] + _desa(view, "kelurahan")[:1]
    # The fullest page possible: every rule breached and five IDM activities.
    at = view.aturan_belanja.copy()
    at.loc[at["tahun"] == view.tahun, "patuh"] = False
    full = dataclasses.replace(view, aturan_belanja=at)
    idm = pd.DataFrame([{"kode_desa": k, "tahun": view.tahun, "indikator": f"Indikator IDM {i}: akses sarana kesehatan",
                         "skor": i, "kegiatan": "Pembangunan atau rehabilitasi poskesdes dan alat kesehatan dasar"}
                        for k in codes for i in range(1, 6)])
    res = musdes.write_kecamatan(full, tmp_path, idm_rumusan=idm, desa=codes, boundaries=boundaries)
    assert set(res.html) == set(codes) == set(res.pdf)
    for kode, pdf in res.pdf.items():
        reader = PdfReader(pdf)
        assert len(reader.pages) == 1, f"{kode}: {len(reader.pages)} halaman"
        text = reader.pages[0].extract_text()
        assert "Bahan Musyawarah Desa".upper() in text.upper() and "Siapa bertindak" in text
        assert not surface_check.scan_text(text.replace("\n", " "), kode)
    combined = PdfReader(res.gabungan)
    assert len(combined.pages) == len(codes)
    # The same desa as ONE page each from a single HTML (the dashboard's print view): no blank last page.
    one = tmp_path / "semua.html"
    one.write_text(musdes.render_html([musdes.bahan_musdes(full, k, idm, boundaries=boundaries) for k in codes]),
                   encoding="utf-8")
    assert len(PdfReader(musdes.write_pdf(one, tmp_path / "semua.pdf")).pages) == len(codes)
    data = musdes.pdf_bytes(musdes.bahan_musdes(view, codes[0]))
    assert data.startswith(b"%PDF") and len(PdfReader(io.BytesIO(data)).pages) == 1
    assert res.gabungan.name == f"bahan_musdes_{view.kode_kecamatan}.pdf"
    # Screenshots of printed pages for people to look at (tests/artifacts is git-ignored).
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (Debian poppler-utils, APT_PACKAGES in the Makefile) is needed"
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(res.pdf[codes[0]]),
                    str(ARTIFACTS / "bahan_musdes_halaman")], check=True)
    shots = list(ARTIFACTS.glob("bahan_musdes_halaman*.png"))
    assert shots and shots[0].stat().st_size > 10_000


def test_a_gap_without_target_is_explained_not_called_a_target(view):
    """Under the tercile rule (no target) the page says so and uses the class's own label."""
    kode = _desa(view)[0]
    cap = view.capaian.copy()
    first = cap.index[(cap["kode_desa"] == kode)][0]
    cap.loc[first, ["target", "kelas", "label_kelas", "metode"]] = [pd.NA, "merah", "Sepertiga terbawah", "tersil"]
    b = musdes.bahan_musdes(dataclasses.replace(view, capaian=cap), kode)
    row = b.prioritas[b.prioritas["indikator"] == cap.loc[first, "indikator"]].iloc[0]
    assert "tanpa target resmi" in row["fakta"] and "target ≥" not in row["fakta"] and "target ≤" not in row["fakta"]
    assert row["tanda"] == "▲ Sepertiga terbawah"
