"""The dashboard for a non-coder (#16 §4, #17): search box, page address, agenda filters, readable quadrant,
a click on the map, uploaded data shown consistently, and every tab scanned for codes without names,
English words, missing-value markers and dot decimals (through App; no browser)."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from p3pd_lib.dashboard import TABS, App, parse_query


def _kecamatan(dataset) -> list[str]:
    return sorted(set(dataset.layanan["kode_desa"].astype(str).str.slice(0, 8)))


@pytest.fixture(scope="module")
def boundary_dir(tmp_path_factory, demo_dataset) -> Path:
    """A data folder holding only simulated desa boundaries of the demo kabupaten."""
    from p3pd_lib import peta
    from p3pd_lib.peta import storage

    folder = tmp_path_factory.mktemp("batas")
    storage.write_boundaries(peta.simulated_boundaries(demo_dataset.wilayah), "desa", folder)
    return folder


# --------------------------------------------------------------------------- choosing a kecamatan, the address


def test_kecamatan_search_by_part_of_the_name(two_kabupaten_dataset):
    app = App(two_kabupaten_dataset)
    pilihan = {o[:8]: o.split(" – ", 1)[1] for o in app.kecamatan.options}
    kode, nama = list(pilihan.items())[1]
    # Enter on part of the name (any case, spaces around) picks it and writes the whole entry back.
    app.kecamatan.value = f"  {nama[1:5].upper()} "
    assert app.view.kode_kecamatan == kode and app.kecamatan.value == f"{kode} – {nama}"
    assert "p3pd-pesan" not in app.message.value
    # A name of the other kabupaten is found too: the kabupaten follows.
    app.kecamatan.value = "33.99.0"
    assert app.view.kode_kecamatan.startswith("33.99.") and app.kabupaten.value == "33.99"
    shown = app.view.kode_kecamatan
    # Nothing matches: the view stays, the box shows it again, and the message says why in Indonesian.
    app.kecamatan.value = "Zzz<b>"
    assert app.view.kode_kecamatan == shown and app.kecamatan.value.startswith(shown)
    assert "Tidak ada kecamatan yang nama atau kodenya memuat 'Zzz<b>'" in html.unescape(app.message.value)
    assert "<b>" not in app.message.value
    assert "p3pd-pesan-galat" in app.message.value


def test_page_address_follows_the_selection(demo_dataset):
    app = App(demo_dataset)
    kec = _kecamatan(demo_dataset)

    def script() -> str:
        (out,) = app.alamat.outputs
        return out["data"]["application/javascript"]

    assert f'"kecamatan": "{kec[0]}"' in script() and f'"tahun": "{app.tahun.value}"' in script()
    app.select(kecamatan=kec[-1], tahun=2023)
    assert f'"kecamatan": "{kec[-1]}"' in script() and '"tahun": "2023"' in script()
    assert "history.replaceState" in script()
    # What the address holds opens the same view again.
    q = parse_query(f"kecamatan={kec[-1]}&tahun=2023", app.kecamatan_tersedia, [2023, 2024])
    assert (q.kecamatan, q.tahun) == (kec[-1], 2023)


# --------------------------------------------------------------------------- Peta: a click opens the desa


def test_clicking_a_desa_on_the_map_opens_its_bahan_musdes(demo_dataset, boundary_dir):
    from plotly.callbacks import Points

    app = App(demo_dataset, data_dir=boundary_dir)
    app.select(tab="Peta")
    fig = app.peta_figure
    (points,) = [t for t in fig.data if t.customdata is not None]
    # Hover and click answer from the desa points (nearest one), not from the class fills.
    assert all(t.hoverinfo == "skip" for t in fig.data if t.fill == "toself") and fig.layout.hoverdistance == -1
    kode = str(points.customdata[2])
    nama = app.view.desa.set_index("kode_desa").at[kode, "nama_desa"]
    # The click as plotly's widget reports it to the trace's on_click callbacks.
    i = fig.data.index(points)
    fig.data[i]._dispatch_on_click(Points(point_inds=[2], xs=[points.x[2]], ys=[points.y[2]],
                                          trace_name=points.name or "", trace_index=i), None)
    assert app.tabs.selected_index == TABS.index("Bahan Musdes") and app.musdes_desa.value == kode
    assert nama in html.unescape(app.tab_html[TABS.index("Bahan Musdes")].value)
    # A click on a fill (no desa point) changes nothing.
    app.select(tab="Peta")
    fill = next(j for j, t in enumerate(app.peta_figure.data) if t.fill == "toself")
    app.peta_figure.data[fill]._dispatch_on_click(Points(point_inds=[], xs=[], ys=[], trace_name="", trace_index=fill),
                                                  None)
    assert app.tabs.selected_index == TABS.index("Peta")
    # The browser's click listener (petaklik.KlikPeta) sends the clicked code; a code not on the map is ignored.
    (box,) = app.tab_figs[TABS.index("Peta")].children
    listener = box.children[-1]
    listener._handle_custom_msg({"kode": "99.99.99.9999"}, [])
    assert app.tabs.selected_index == TABS.index("Peta")
    other = str(points.customdata[3])
    listener._handle_custom_msg({"kode": other}, [])
    assert app.tabs.selected_index == TABS.index("Bahan Musdes") and app.musdes_desa.value == other


# --------------------------------------------------------------------------- Agenda and Kuadran tabs


def _rows(table_html: str) -> list[list[str]]:
    body = table_html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(re.sub("<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>", body)]


def test_agenda_filters_by_desa_and_sector_and_leads_with_the_top_10(demo_dataset):
    app = App(demo_dataset)
    app.select(tab="Agenda Terpadu")
    idx = TABS.index("Agenda Terpadu")
    agenda = app.view.agenda
    shown = app.tab_html[idx].value
    top = _rows(shown.split("<details", 1)[0])
    assert "10 agenda teratas" in shown and len(top) == 10
    assert [int(r[0]) for r in top] == sorted(agenda["prioritas"].astype(int))[:10]
    assert f"Semua agenda pilihan ini ({len(agenda)} baris)" in shown
    # Sector filter: only that sector's rows, still in priority order; the sector is shown by name.
    assert ("Kesehatan", "KES") in app.agenda_sektor.options
    app.agenda_sektor.value = "KES"
    kes = agenda[agenda["sektor"] == "KES"].sort_values("prioritas")
    rows = _rows(app.tab_html[idx].value.split("<details", 1)[0])
    assert [int(r[0]) for r in rows] == kes["prioritas"].astype(int).tolist()[:10]
    assert all("Kesehatan" in r for r in rows) and not any("KES" in r for r in rows)
    # Desa and sector together; the Excel download holds the same rows.
    kode = str(kes["kode_desa"].iloc[0])
    app.agenda_desa.value = kode
    both = kes[kes["kode_desa"] == kode]
    rows = _rows(app.tab_html[idx].value)
    assert [int(r[0]) for r in rows] == both["prioritas"].astype(int).tolist()[:10]
    assert list(app.current_tables()["Agenda terpadu"]["prioritas"]) == list(both["prioritas"])
    # Nothing for a sector the desa has no agenda in: said in Indonesian.
    app.agenda_sektor.value = "ATURAN"
    if agenda[(agenda["sektor"] == "ATURAN") & (agenda["kode_desa"] == kode)].empty:
        assert "Tidak ada agenda untuk pilihan ini." in app.tab_html[idx].value


def _array(v):
    """A plotly JSON array (plotly 6 writes numeric arrays as base64 typed arrays)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def test_quadrant_draws_its_dividing_lines_and_writes_names_without_overlap(demo_dataset):
    from p3pd_lib.dashboard.tabs import kuadran

    app = App(demo_dataset)
    app.select(tab="Kuadran")
    (bundle,) = app.tab_figs[TABS.index("Kuadran")].outputs
    fig = bundle["data"]["application/vnd.plotly.v1+json"]
    split = app.view.kuadran_split
    lines = fig["layout"]["shapes"]
    assert any(s["xref"] == "x" and s["x0"] == pytest.approx(split["batas_x"]) for s in lines)
    assert any(s["yref"] == "y" and s["y0"] == pytest.approx(split["batas_y"]) for s in lines)
    points = [(x, y, n, t, p) for tr in fig["data"] if "markers" in tr.get("mode", "")
              for x, y, n, t, p in zip(_array(tr["x"]), _array(tr["y"]), tr["customdata"], tr["text"],
                                       tr["textposition"])]
    # Every desa is named on hover; written names are fewer, the priority quadrant's first.
    assert sorted(n for _, _, n, _, _ in points) == sorted(app.view.kuadran["nama_desa"].astype(str))
    written = [p for p in points if p[3]]
    assert 0 < len(written) <= kuadran.MAKS_LABEL
    prio = set(app.view.kuadran.loc[app.view.kuadran["kuadran"] == "prioritas", "nama_desa"].astype(str))
    assert prio and prio <= {p[2] for p in written}
    assert all("%{customdata}" in tr["hovertemplate"] for tr in fig["data"] if "markers" in tr.get("mode", ""))
    # Points on one spot: each written name takes another side of it, the rest are named on hover only.
    many = kuadran.place_labels([0.2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.2] + [0.5] * 6, ["Nama"] * 7, range(7))
    assert 1 < len(many) - 1 <= 4 and len({p for i, p in many.items() if i}) == len(many) - 1


# --------------------------------------------------------------------------- every tab scanned, also after an upload


def _scan_every_tab(app: App) -> tuple[list, list[str]]:
    """Findings of the surface scanners on every tab (HTML, Kartu Desa, Bahan Musdes page, figures), and
    units shown on missing values."""
    from p3pd_lib import surface_check

    found, units = [], []
    for i, name in enumerate(TABS):
        app.select(tab=name)
        kode = str(app.view.desa["kode_desa"].iloc[1])
        if name == "Layanan Dasar":
            app.desa.value = kode
        if name == "Bahan Musdes":
            app.musdes_desa.value = kode
        text = app.tab_html[i].value + (app.kartu.value if name == "Layanan Dasar" else "")
        found += surface_check.scan_html(text, name)
        page = re.search(r'srcdoc="([^"]*)"', text)
        if page:
            found += surface_check.scan_html(html.unescape(page.group(1)), name, cetak=True)
        if name == "Peta":
            found += surface_check.scan_figure(app.peta_figure, name) if app.peta_figure is not None else []
        elif app.tab_figs[i] is not None:
            found += [t for o in app.tab_figs[i].outputs
                      for t in surface_check.scan_figure(o["data"]["application/vnd.plotly.v1+json"], name)]
        plain = html.unescape(re.sub("<[^>]+>", " ", text))
        units += [f"{name}: {m}" for m in re.findall(r"(?:tidak ada data|–)\s*%|Rp\s*–", plain)]
    return found, units


def test_every_tab_passes_the_surface_scanners(demo_dataset, boundary_dir):
    from p3pd_lib import surface_check

    found, units = _scan_every_tab(App(demo_dataset, data_dir=boundary_dir))
    assert not found, surface_check.ringkas(found)
    assert not units


def test_after_an_upload_every_tab_uses_the_uploaded_data_consistently(demo_dataset):
    from p3pd_lib import surface_check

    kec = _kecamatan(demo_dataset)[1]
    official = set(demo_dataset.wilayah["kode_desa"])
    files = []
    for name, df in demo_dataset.tables().items():
        if name != "wilayah" and "kode_desa" in df.columns:
            part = df[df["kode_desa"].astype(str).str.startswith(kec + ".") & df["kode_desa"].isin(official)]
            files.append((f"{name}.csv", part.to_csv(index=False).encode()))
    app = App(demo_dataset)
    # Only the service table (no spending): spending values are missing, shown without a unit.
    assert app.load_files([f for f in files if f[0] == "layanan.csv"]), app.message.value
    found, units = _scan_every_tab(app)
    assert "p3pd-pesan-galat" not in app.message.value
    assert not found, surface_check.ringkas(found)
    assert not units, units
    # Every table uploaded: the same kecamatan, the uploaded data in every tab.
    assert app.load_files(files), app.message.value
    assert app.kecamatan_tersedia == [kec] and "data-unggahan='1'" in app.banner.value
    found, units = _scan_every_tab(app)
    assert not found and not units, (surface_check.ringkas(found), units)
    header = re.sub(r"<[^>]+>", " ", app.header.value)
    assert "Kecamatan" in header and kec in header


def _cells(table_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table_html)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in rows if "<td>" in r]


def test_upload_findings_are_the_ones_the_cli_gives_the_person_at_the_desk(demo_dataset):
    """After an upload the page lists the importer's own findings for people (sorted, plain-language
    rule names, the level as a word), not a table of its own."""
    from p3pd_lib import dashboard
    from p3pd_lib.dashboard.upload import findings_html
    from p3pd_lib.importer import findings_for_people

    files = [("layanan.csv", b"kode_desa,tahun,penduduk,balita_stunting,balita_diukur\n"
                             b"33.07.01.2001,2024,banyak,3,\n33.07.01.2002,dua ribu,5,1,9\n"
                             b'33.07.01.2003,2024,"3,000",1,10\n'),
             ("catatan.txt", b"x")]
    expected = findings_for_people(dashboard.read_upload(files).findings)
    want = [["–" if pd.isna(v) else str(v) for v in row] for row in expected.itertuples(index=False)]
    app = App(demo_dataset)
    assert app.load_files(files) is False
    shown = _cells(app.upload_hasil.value)
    assert [r[:7] for r in shown] == [r[:7] for r in want] and len(shown) == len(expected)
    assert {"Pemisah angka dapat dibaca dua cara", "Pembilang tanpa penyebut", "Bukan angka"} <= {r[5] for r in shown}
    assert all(r[6] in ("GALAT", "Peringatan", "Informasi") for r in shown)
    assert "format_angka_ambigu" not in app.upload_hasil.value and "bukan_angka" not in app.upload_hasil.value
    # Sorted by file, sheet and row whatever order the findings come in; row numbers without thousands dots.
    f = pd.DataFrame({"berkas": ["a.xlsx"] * 3, "lembar": ["Layanan"] * 3, "baris": [1200, 7, 3],
                      "kolom": ["x", "y", "z"], "nilai": ["3,000", "1", None],
                      "aturan": ["format_angka_ambigu", "wajib_diisi", "wajib_diisi"],
                      "tingkat": ["peringatan", "galat", "galat"], "pesan": ["…"] * 3})
    assert [r[2] for r in _cells(findings_html(f))] == ["3", "7", "1200"]
    assert findings_html(f.iloc[:0]) == ""


def test_matrix_headers_name_their_indicator_and_rule_not_only_the_code():
    from p3pd_lib.dashboard.html import kelas_colours
    from p3pd_lib.dashboard.tabs.belanja import rules_html
    from p3pd_lib.dashboard.tabs.layanan import matrix_html

    capaian = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "indikator": ["KES01"], "sektor": ["KES"],
                            "nama_indikator": ["Prevalensi stunting balita"], "nilai": [14.5], "kelas": ["kuning"],
                            "target": [14.0], "arah": ["turun"], "label_kelas": ["Perlu perhatian"]})
    desa = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "nama_desa": ["Kalijaran"]})
    head = re.search(r"<thead>.*</thead>", matrix_html(capaian, desa, kelas_colours()), re.S).group(0)
    assert "Stunting<br><small>KES01</small>" in head and "Prevalensi stunting balita" in head
    aturan = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "nama_desa": ["Kalijaran"], "tahun": [2024],
                           "aturan": ["BLT"], "nama_aturan": ["BLT Dana Desa paling banyak 25%"], "patuh": [True],
                           "nilai": [10.0], "pesan": ["patuh"]})
    head = re.search(r"<thead>.*</thead>", rules_html(aturan, kelas_colours()), re.S).group(0)
    assert ">BLT Dana Desa</th>" in head and ">Blt<" not in head
