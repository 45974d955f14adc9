"""``p3pd laporan --bahan-musdes``: one printable page per desa and one combined PDF per kecamatan."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from p3pd_lib import cli, store
from p3pd_lib.batch.musdes_pages import musdes_folder, write_bahan_musdes


def test_option_is_offered_by_laporan():
    args = cli.build_parser().parse_args(["laporan", "--kecamatan", "33.07.01", "--bahan-musdes"])
    assert args.bahan_musdes is True


@pytest.mark.slow
def test_pages_for_every_desa_of_the_batch_kecamatan(demo_store, tmp_path):
    entries = [{"jenis": "kecamatan", "kode": "33.07.01", "status": "berhasil"},
               {"jenis": "kecamatan", "kode": "33.07.02", "status": "gagal"},  # a failed report gets no pages
               {"jenis": "kabupaten", "kode": "33.07", "status": "berhasil"}]
    made = write_bahan_musdes(entries, tmp_path, 2024, data_dir=demo_store)
    folder = musdes_folder(tmp_path, 2024, "33.07.01")
    assert made == [folder / "bahan_musdes_33.07.01.pdf"]
    desa = store.load_subset("33.07.01", demo_store).wilayah["kode_desa"].unique()
    assert sorted(p.name for p in folder.glob("bahan_musdes_33.07.01.*.pdf")) == sorted(
        f"bahan_musdes_{k}.pdf" for k in desa)
    assert len(PdfReader(made[0]).pages) == len(desa)  # one A4 page per desa, combined
    page = (folder / f"bahan_musdes_{sorted(desa)[0]}.html").read_text(encoding="utf-8")
    assert "Bahan Musdes" in page
    assert not musdes_folder(tmp_path, 2024, "33.07.02").exists()
