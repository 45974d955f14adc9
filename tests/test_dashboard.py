"""Unit tests of the dashboard App on in-memory datasets (no server, no browser)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
import io
import re
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest

from p3pd_lib import dashboard
from p3pd_lib.dashboard import TABS, App, TrainerSettings, parse_query
from p3pd_lib.dashboard.views import kecamatan_view, view_key
from p3pd_lib.errors import DataError

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def _all_html(app: App) -> str:
    parts = [app.header.value, app.message.value, app.banner.value, app.kartu.value, app.links.value]
    parts += [w.value for w in app.tab_html]
    return "\n".join(parts)


def _kecamatan(dataset) -> list[str]:
    return sorted(set(dataset.layanan["kode_desa"].astype(str).str.slice(0, 8)))


@pytest.fixture(scope="module")
def app(demo_dataset) -> App:
    return App(demo_dataset)


# --------------------------------------------------------------------------- query parsing


def test_parse_query_valid():
    q = parse_query("?kecamatan=33.07.01&tahun=2024", ["33.07.01", "33.07.02"], [2023, 2024])
    assert (q.kecamatan, q.tahun, q.pesan) == ("33.07.01", 2024, ())


@pytest.mark.parametrize(
    "query, expect_kec, expect_tahun, words",
    [
        ("kecamatan=33.07&tahun=2024", None, 2024, ["tidak valid"]),
        ("kecamatan=33.07.99", None, None, ["tidak ada dalam data"]),
        ("kecamatan=33.07.01&tahun=20x4", "33.07.01", None, ["Tahun", "tidak valid"]),
        ("tahun=1999", None, None, ["tidak ada dalam data", "2023, 2024"]),
        ("kecamatan=%3Cscript%3E", None, None, ["<script>", "tidak valid"]),
        ("", None, None, []),
        ("foo=bar&&&===", None, None, []),
    ],
)
def test_parse_query_bad_values_give_indonesian_messages(query, expect_kec, expect_tahun, words):
    q = parse_query(query, ["33.07.01"], [2023, 2024])
    assert q.kecamatan == expect_kec and q.tahun == expect_tahun
    text = " ".join(q.pesan)
    for w in words:
        assert w in text
    assert "Traceback" not in text and "Error" not in text


# --------------------------------------------------------------------------- controls


def test_app_opens_first_kecamatan_with_simulasi_banner(app, demo_dataset):
    kec = _kecamatan(demo_dataset)
    assert app.view is not None and app.view.kode_kecamatan == kec[0]
    assert "DATA SIMULASI" in app.banner.value
    assert app.tahun.value == int(demo_dataset.layanan["tahun"].max())
    assert set(app.kecamatan_tersedia) == set(kec)
    # Names with codes in every control.
    assert all(re.search(r"\(\d{2}\)$", label) for label, _ in app.provinsi.options)
    assert all(re.search(r"\(\d{2}\.\d{2}\)$", label) for label, _ in app.kabupaten.options)
    assert all(re.match(r"^\d{2}\.\d{2}\.\d{2} – \S", o) for o in app.kecamatan.options)


def test_cascading_dropdowns(two_kabupaten_dataset):
    app = App(two_kabupaten_dataset)
    kabs = [v for _, v in app.kabupaten.options]
    assert kabs == ["33.07", "33.99"]
    assert all(o.startswith("33.07.") for o in app.kecamatan.options)
    app.kabupaten.value = "33.99"
    # Kecamatan options follow the kabupaten, the first one is chosen and shown at once.
    assert len(app.kecamatan.options) == 2 and all(o.startswith("33.99.") for o in app.kecamatan.options)
    assert app.view.kode_kecamatan == app.kecamatan.options[0][:8]
    assert app.view.identitas["nama_kabupaten"] == "Kabupaten Uji"
    # Typing a full option selects it.
    second = app.kecamatan.options[1]
    app.kecamatan.value = second
    assert app.view.kode_kecamatan == second[:8]


def test_open_query_and_bad_query(demo_dataset):
    app = App(demo_dataset)
    kec = _kecamatan(demo_dataset)
    q = app.open_query(f"kecamatan={kec[2]}&tahun=2023")
    assert q.pesan == () and app.view.kode_kecamatan == kec[2] and app.view.tahun == 2023
    assert app.message.value == ""
    app.open_query("kecamatan=%3Cb%3Ebold%3C/b%3E&tahun=abc")
    msg = app.message.value
    assert "tidak valid" in msg and "&lt;b&gt;bold&lt;/b&gt;" in msg and "<b>bold" not in msg
    assert app.view.kode_kecamatan == kec[2]  # the previous view stays


def test_open_query_in_background_sends_the_page_first_then_the_asked_view(demo_dataset):
    """Voila's notebook: the page is sent while the kernel computes; meanwhile no other kecamatan is shown."""
    import threading

    from p3pd_lib.dashboard.views import kecamatan_view

    release, asked = threading.Event(), []

    def slow(dataset, kode, *args):
        if asked:  # the first view of the app is built at once; the query's view waits for the test
            release.wait(30)
        asked.append(kode)
        return kecamatan_view(dataset, kode, *args)

    app = App(demo_dataset, view_fn=slow)
    kec = _kecamatan(demo_dataset)
    q = app.open_query(f"kecamatan={kec[2]}&tahun=2023", background=True)
    assert app.first_view.is_alive() and q.kecamatan == kec[2]
    assert app.header.value == "" and app.tabs.layout.display == "none"
    assert "Menyiapkan tampilan Kecamatan" in app.message.value and "2023" in app.message.value
    release.set()
    app.first_view.join(30)
    assert app.view.kode_kecamatan == kec[2] and app.view.tahun == 2023 and asked[-1] == kec[2]
    assert f"data-kode-kecamatan='{kec[2]}'" in app.header.value and app.tabs.layout.display is None
    assert q.pesan == () and app.message.value == ""


def test_an_edited_parameter_file_is_never_served_from_the_views_computed_before(demo_dataset, tmp_path, monkeypatch):
    """A running dashboard: a target edited in parameters/ shows at the next update (kernel cache and rendered tabs)."""
    import shutil

    from p3pd_lib import paths

    params = tmp_path / "parameters"
    shutil.copytree(paths.PARAMETERS_DIR, params)
    monkeypatch.setenv("P3PD_PARAMETERS_DIR", str(params))
    app = App(demo_dataset)
    before, html = app.view, app.tab_html[0].value
    assert before.kamus.set_index("indikator").loc["KES01", "target"] == 14
    yaml = params / "indikator.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert text.count("    target: 14\n") == 1
    yaml.write_text(text.replace("    target: 14\n", "    target: 9\n"), encoding="utf-8")
    app.update()
    assert app.view is not before and app.view.kamus.set_index("indikator").loc["KES01", "target"] == 9
    assert "target 9 %" in app.view.ringkasan.to_string() and app.tab_html[0].value != html


def test_update_never_raises_and_hides_details(demo_dataset, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("/secret/path.py line 3: boom")

    app = App(demo_dataset, view_fn=broken)
    text = _all_html(app)
    assert "Maaf, terjadi kesalahan" in app.message.value
    assert "secret" not in text and "RuntimeError" not in text and "Traceback" not in text


def test_parameter_error_message_is_shown(demo_dataset):
    from p3pd_lib.errors import ParameterError

    def no_year(*_args, **_kwargs):
        raise ParameterError("Tahun 2031 tidak tersedia untuk kecamatan 33.07.01.")

    app = App(demo_dataset, view_fn=no_year)
    assert "Tahun 2031 tidak tersedia" in app.message.value


# --------------------------------------------------------------------------- rendering


def test_tabs_render_lazily_and_switching_kecamatan_updates_visible_tab(demo_dataset):
    app = App(demo_dataset)
    kec = _kecamatan(demo_dataset)
    assert set(app._rendered) == {0}
    app.tabs.selected_index = 1
    assert set(app._rendered) == {0, 1}
    app.kecamatan.value = next(o for o in app.kecamatan.options if o.startswith(kec[1]))
    # Only the visible tab is redrawn for the new kecamatan; the others wait for their turn.
    assert set(app._rendered) == {1}
    rows = re.findall(r"data-kode-desa='([^']+)'", app.tab_html[1].value)
    assert rows and all(r.startswith(kec[1] + ".") for r in rows)
    for i in range(len(TABS)):
        app.tabs.selected_index = i
        assert "p3pd-pesan-galat" not in app.message.value, (TABS[i], app.message.value)
        assert app.tab_html[i].value
        assert (app.tab_figs[i] is not None) == (i in dashboard.FIGURE_TABS)
    # Figures are sent as plotly mimetype outputs (drawn offline by the lab extension) ...
    for i in dashboard.FIGURE_TABS - {TABS.index("Peta")}:  # no boundaries stored: the Peta tab says so
        assert any("application/vnd.plotly.v1+json" in o["data"] for o in app.tab_figs[i].outputs), TABS[i]
    # ... except the first tab's two charts: HTML bars, so the first view needs no plotly.js.
    assert "data-grafik='lampu-sektor'" in app.tab_html[0].value and "data-grafik='indeks-desa'" in app.tab_html[0].value


def test_layanan_table_lists_the_kecamatan_villages(app, demo_dataset):
    app.select(kecamatan=_kecamatan(demo_dataset)[0], tab="Layanan Dasar")
    v = app.view
    rows = set(re.findall(r"<tr data-kode-desa='([^']+)'>", app.tab_html[1].value))
    assert rows == set(v.capaian["kode_desa"].astype(str))
    # Sector filter keeps only that sector's indicators as columns.
    app.sektor.value = "KES"
    heads = re.findall(r"<th title='[^']*'>[^<]+<br><small>([A-Z]+\d+)</small></th>", app.tab_html[1].value)
    assert heads and all(h.startswith("KES") for h in heads)
    app.sektor.value = ""


def test_kartu_desa(app, demo_dataset):
    app.select(kecamatan=_kecamatan(demo_dataset)[0], tab="Layanan Dasar")
    kode = app.desa.options[1][1]
    app.desa.value = kode
    assert f"data-kartu-desa='{kode}'" in app.kartu.value
    assert "Kartu Desa" in app.kartu.value
    app.desa.value = ""
    assert app.kartu.value == ""


def test_desa_name_with_html_is_shown_as_text(demo_dataset):
    w = demo_dataset.wilayah.copy()
    kec = _kecamatan(demo_dataset)[0]
    target = w.index[w["kode_kecamatan"] == kec][0]
    w.loc[target, "nama_desa"] = XSS
    app = App(replace(demo_dataset, wilayah=w, meta={**demo_dataset.meta, "fingerprint": "xss"}))
    kode = str(w.loc[target, "kode_desa"])
    app.select(kecamatan=kec)
    for i in range(len(TABS)):
        app.tabs.selected_index = i
    app.tabs.selected_index = 1
    app.desa.value = kode
    text = _all_html(app)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "<script>" not in text and "<img src=x" not in text


def test_trainer_mode_recolours(demo_dataset):
    app = App(demo_dataset)
    app.tabs.selected_index = 1

    def counts() -> dict[str, int]:
        found = re.findall(r"data-kelas='(\w+)'", app.tab_html[1].value)
        return {k: found.count(k) for k in ("hijau", "kuning", "merah", "abu")}

    before = counts()
    app.trainer.value = True
    assert counts() == before  # opening the panel alone changes nothing
    app.pita_naik.value = 30
    wider = counts()
    assert wider["merah"] < before["merah"] and wider["kuning"] > before["kuning"]
    assert "Mode pelatih aktif" in app.header.value
    # A stricter target for one indicator turns more of it red.
    app.target_indikator.value = "KES02"
    app.target_nilai.value = 100
    assert app._settings.targets == (("KES02", 100.0),)
    app.reset.click()
    assert counts() == before and app._settings == TrainerSettings()
    app.trainer.value = False


def test_quadrant_splits_adjustable(demo_dataset):
    app = App(demo_dataset)
    app.tabs.selected_index = TABS.index("Kuadran")
    assert "median" in app.tab_html[3].value.lower()
    app.split_median.value = False
    app.split_x.value = 0.05
    app.split_y.value = 1.0
    assert app.view.kuadran_split["batas_x"] == pytest.approx(0.05)
    assert "0,050" in app.tab_html[3].value


# --------------------------------------------------------------------------- downloads


def _xlsx_from_link(html_text: str) -> openpyxl.Workbook:
    m = re.search(r"href='data:[^;]+;base64,([^']+)'", html_text)
    assert m, html_text
    return openpyxl.load_workbook(io.BytesIO(base64.b64decode(m.group(1))))


def test_downloads_are_valid_xlsx(demo_dataset):
    app = App(demo_dataset)
    for i in range(len(TABS)):
        app.tabs.selected_index = i
        wb = openpyxl.load_workbook(io.BytesIO(app.excel_bytes("tampilan")))
        assert wb.sheetnames == [s[:31] for s in app.current_tables()]
    app.btn_agenda.click()
    wb = _xlsx_from_link(app.links.value)
    assert wb.sheetnames[0] == "Agenda terpadu"
    header = [c.value for c in wb["Agenda terpadu"][1]]
    assert "Prioritas" in header and "Desa/kelurahan" in header  # Indonesian labels
    assert wb["Agenda terpadu"].max_row == len(app.view.agenda) + 1
    app.btn_excel.click()
    assert "download=" in app.links.value


# --------------------------------------------------------------------------- upload


def _findings_rows(app: App) -> list[list[str]]:
    """The findings table shown after an upload, as cell texts."""
    rows = re.findall(r"<tr>(.*?)</tr>", app.upload_hasil.value)
    return [cells for cells in (re.findall(r"<td>(.*?)</td>", r) for r in rows) if cells]


def test_upload_bad_file_keeps_previous_data_and_lists_findings(demo_dataset):
    app = App(demo_dataset)
    before_view = app.view
    bad = b"kode_desa,tahun,penduduk\n33.07.01.2001,2024,banyak\n"
    ok = app.load_files([("layanan.csv", bad), ("catatan.txt", b"x")])
    assert ok is False
    assert "Data unggahan tidak dipakai: 2 dari 2 berkas ditolak" in app.message.value
    rows = _findings_rows(app)
    # File, sheet, row, column, value, rule by name, level, message (Indonesian), as the importer reports them.
    assert ["layanan.csv", "–", "2", "penduduk", "banyak", "Bukan angka", "GALAT"] == rows[0][:7]
    assert "bukan angka" in rows[0][7]
    assert rows[1][0] == "catatan.txt" and "Tidak ada tabel yang dikenali" in rows[1][7]
    assert app.dataset is demo_dataset and app.view is before_view
    assert "DATA SIMULASI" in app.banner.value


def test_upload_widget_path(demo_dataset):
    import datetime

    app = App(demo_dataset)
    bad = b"kode_desa,tahun,penduduk\n33.07.01.2001,dua ribu,5\n"
    app.upload.value = ({"name": "layanan.csv", "type": "text/csv", "size": len(bad), "content": memoryview(bad),
                         "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert "Data unggahan tidak dipakai" in app.message.value
    assert any(r[0] == "layanan.csv" and r[3] == "tahun" for r in _findings_rows(app))
    assert app.dataset is demo_dataset and app.upload.value == ()


def test_upload_file_without_known_table(demo_dataset):
    app = App(demo_dataset)
    assert app.load_files([("data_saya.csv", b"a,b\n1,2\n")]) is False
    assert "Tidak ada tabel yang dikenali" in app.upload_hasil.value
    assert app.dataset is demo_dataset


def test_upload_path_in_file_name_is_ignored(demo_dataset):
    parsed = dashboard.read_upload([("../../etc/layanan.csv", b"kode_desa,tahun\n33.07.01.2001,2024\n")])
    assert parsed.accepted and parsed.files["berkas"].tolist() == ["layanan.csv"]


def test_upload_canonical_csv_over_demo_data_is_user_data_not_simulasi(demo_dataset):
    app = App(demo_dataset)
    kec = _kecamatan(demo_dataset)[1]
    lay = demo_dataset.layanan
    part = lay[lay["kode_desa"].astype(str).str.startswith(kec + ".")]
    assert app.load_files([("layanan.csv", part.to_csv(index=False).encode())]) is True, app.message.value
    assert "Data unggahan dipakai: layanan" in app.message.value
    # Demo data are never mixed with a user's data: only the uploaded table is used.
    assert app.kecamatan_tersedia == [kec] and app.view.kode_kecamatan == kec
    assert not app.dataset.simulasi and app.dataset.apbdes.empty
    assert "data-unggahan='1'" in app.banner.value and "data-simulasi" not in app.banner.value
    pd.testing.assert_frame_equal(
        app.dataset.layanan.sort_values(["kode_desa", "tahun"]).reset_index(drop=True),
        part.sort_values(["kode_desa", "tahun"]).reset_index(drop=True), check_dtype=False)
    for i in range(len(TABS)):  # every tab works on partial user data
        app.tabs.selected_index = i
        assert "p3pd-pesan-galat" not in app.message.value, TABS[i]


def _filled_template(tmp_path, kec: str, tahun: int, values: dict[str, dict[str, int]]) -> bytes:
    """A kit template for ``kec``/``tahun`` with Layanan cells set by header label, as a user fills it."""
    from p3pd_lib.template import write_template

    path = write_template(kec, tahun, tmp_path / "templat.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Layanan"]
    header = {ws.cell(row=1, column=c).value: c for c in range(1, ws.max_column + 1)}
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for kode, cells in values.items():
        for label, v in cells.items():
            ws.cell(row=rows[kode], column=header[label], value=v)
    out = tmp_path / "templat_isi.xlsx"
    wb.save(out)
    return out.read_bytes()


def test_upload_filled_template_through_the_importer(demo_dataset, tmp_path):
    kec = _kecamatan(demo_dataset)[0]
    desa = sorted(demo_dataset.wilayah.loc[(demo_dataset.wilayah["kode_kecamatan"] == kec)
                                           & (demo_dataset.wilayah["jenis"] == "desa"), "kode_desa"].astype(str))[:2]
    values = {d: {"Jumlah penduduk (jiwa)": 2500 + i, "Balita stunting (anak)": 30, "Balita diukur (anak)": 150}
              for i, d in enumerate(desa)}
    content = _filled_template(tmp_path, kec, 2025, values)
    app = App(demo_dataset)
    assert app.load_files([("templat_isi.xlsx", content)]) is True, (app.message.value, app.upload_hasil.value)
    assert app.view.kode_kecamatan == kec and app.view.tahun == 2025
    lay = app.dataset.layanan.set_index("kode_desa")
    assert sorted(lay.index) == desa and int(lay.loc[desa[1], "penduduk"]) == 2501
    # KES01 of the first desa = 30 / 150 = 20 %, shown in the traffic-light matrix.
    cap = app.view.capaian.set_index(["kode_desa", "indikator"])
    assert float(cap.loc[(desa[0], "KES01"), "nilai"]) == pytest.approx(20.0)
    app.tabs.selected_index = 1
    assert set(re.findall(r"<tr data-kode-desa='([^']+)'>", app.tab_html[1].value)) == set(desa)


def test_upload_over_real_data_merges_and_new_values_win(demo_dataset):
    real = replace(demo_dataset, meta={**demo_dataset.meta, "simulasi": False, "fingerprint": "nyata"})
    app = App(real)
    lay = real.layanan
    row = lay[(lay["tahun"] == 2024)].iloc[[0]].assign(penduduk=123_456)
    assert app.load_files([("layanan.csv", row.to_csv(index=False).encode())]) is True, app.upload_hasil.value
    new = app.dataset.layanan
    assert len(new) == len(lay)  # merged into the real data, not replacing them
    hit = new[(new["kode_desa"] == row["kode_desa"].iloc[0]) & (new["tahun"] == 2024)]
    assert int(hit["penduduk"].iloc[0]) == 123_456
    assert len(app.dataset.apbdes) == len(real.apbdes) and not app.dataset.simulasi


def test_report_only_from_the_store(demo_dataset):
    app = App(demo_dataset)
    app.btn_laporan.click()
    assert "hanya dapat dibuat dari data tersimpan" in app.message.value
    assert app.links.value == ""


# --------------------------------------------------------------------------- demand side (usulan)


def test_usulan_tab_grid_counts_and_metrics(app, demo_dataset):
    from p3pd_lib.usulan import KELAS

    app.select(kecamatan=_kecamatan(demo_dataset)[0], tab="Usulan Masyarakat")
    v, text = app.view, app.tab_html[TABS.index("Usulan Masyarakat")].value
    assert "p3pd-pesan-galat" not in app.message.value
    # The grid lists the kecamatan's villages of the need–demand–supply table, one class per cell.
    rows = re.findall(r"<tr data-kode-desa='([^']+)'>", text)
    assert rows and set(rows) == set(v.kebutuhan_usulan["kode_desa"].astype(str))
    cells = re.findall(r"data-kelas-usulan='([^']*)'", text)
    assert cells and set(cells) <= set(KELAS)
    by = {(r.kode_desa, r.sektor): r.kelas for r in v.kebutuhan_usulan.itertuples()}
    first = re.search(r"<tr data-kode-desa='([^']+)'><th>[^<]*</th><td class='kl-(\w+) p3pd-usulan' "
                      r"data-kelas-usulan='([^']*)'", text)
    assert by[(first.group(1), "PEND")] == first.group(3)  # first column = Pendidikan
    # The report's colours for the classes, and both legend and counts.
    from p3pd_lib.render import WARNA_KELAS_USULAN

    assert first.group(2) == WARNA_KELAS_USULAN[first.group(3)]
    assert all(k in text for k in KELAS) and "td.kl-biru" in app.banner.value
    assert "Kecamatan" in text and "Kabupaten/Kota" in text and "data-tabel='usulan-jumlah'" in text
    # Proposal metrics per sector: Σ/Σ over the desa, never a mean of desa shares.
    met = dashboard.usulan_per_sektor(v.usulan).set_index("sektor")
    u = v.usulan[v.usulan["sektor"] == "KES"]
    assert int(met.loc["KES", "n_usulan"]) == int(u["n_usulan"].sum())
    assert float(met.loc["KES", "porsi_didanai"]) == pytest.approx(
        100 * u["n_didanai_apbdes"].sum() / u["n_usulan"].sum())
    assert "Porsi didanai (%)" in text and "Jumlah usulan" in text
    wb = openpyxl.load_workbook(io.BytesIO(app.excel_bytes("tampilan")))
    assert wb.sheetnames[0] == "Kebutuhan-usulan-belanja"


def test_usulan_per_sektor_hand_computed():
    u = pd.DataFrame({
        "kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.01.2001"], "tahun": [2024] * 3,
        "sektor": ["AIR", "AIR", "KES"], "n_usulan": [4, 1, 0], "n_didanai_apbdes": [1, 1, 0],
        "n_didanai_pihak_lain": [0, 0, 0], "n_belum_didanai": [3, 0, 0], "n_ditolak": [0, 0, 0],
        "nilai_usulan": [100.0, 50.0, None], "nilai_disetujui": [10.0, 50.0, None],
        "pembilang_rp": [10.0, 50.0, None], "penyebut_rp": [100.0, 50.0, None],
        "n_biaya_kosong": [0, 0, 0], "n_disetujui_kosong": [0, 0, 0]})
    m = dashboard.usulan_per_sektor(u).set_index("sektor")
    assert list(m.index) == ["KES", "AIR"]  # the kit's sector order
    assert float(m.loc["AIR", "porsi_didanai"]) == pytest.approx(40.0)  # 2 / 5, not mean(25 %, 100 %)
    assert float(m.loc["AIR", "porsi_didanai_rp"]) == pytest.approx(40.0)  # 60 / 150
    assert pd.isna(m.loc["KES", "porsi_didanai"])  # no proposal: no share, not 0 %
    assert dashboard.usulan_per_sektor(u.iloc[:0]).empty


# --------------------------------------------------------------------------- the store, one kabupaten at a time


def test_from_store_reads_one_kabupaten_and_gives_the_same_views(demo_store, demo_dataset):
    from p3pd_lib.store import load_dataset

    app = App.from_store(demo_store, prefetch=False)
    assert app._source is not None and app._source.loads == 1
    assert app.views.dataset_for("33.07.01").apbdes["kode_desa"].astype(str).str.startswith("33.07.").all()
    full = load_dataset(demo_store)
    kec = app.kecamatan_tersedia
    assert kec == sorted({k[:8] for k in full.layanan["kode_desa"].astype(str)} |
                         {k[:8] for k in full.apbdes["kode_desa"].astype(str)})
    app.select(kecamatan=kec[1], tahun=2024)
    expect = kecamatan_view(full, kec[1], 2024)
    for name in ("capaian", "capaian_wilayah", "belanja", "kebutuhan_usulan", "usulan", "agenda", "kualitas"):
        pd.testing.assert_frame_equal(getattr(app.view, name), getattr(expect, name), obj=name)
    assert app.view.identitas == expect.identitas
    assert "DATA SIMULASI" in app.banner.value
    assert app._source.loads == 1  # the same kabupaten: read once


def test_store_source_keeps_only_the_last_kabupaten(demo_store, monkeypatch):
    from p3pd_lib import store

    calls: list[str] = []
    real = store.load_subset
    monkeypatch.setattr(store, "load_subset", lambda kode, *a, **k: calls.append(kode) or real(kode, *a, **k))
    src = dashboard.StoreSource(demo_store, keep=1)
    a = src.dataset("33.07")
    assert src.dataset("33.07") is a and calls == ["33.07"]
    empty = src.dataset("33.08")  # not in the store: empty data, and 33.07 is evicted
    assert empty.apbdes.empty and list(src._cache) == ["33.08"]
    assert src.dataset("33.07") is not a and calls == ["33.07", "33.08", "33.07"]


def test_upload_in_store_mode_keeps_store_running_on_rejection(demo_store):
    app = App.from_store(demo_store, prefetch=False)
    source, view = app._source, app.view
    assert app.load_files([("layanan.csv", b"kode_desa,tahun,penduduk\n99.99.99.9999,2024,5\n")]) is False
    assert app._source is source and app.view is view
    assert "kode_desa" in app.upload_hasil.value


# --------------------------------------------------------------------------- server command


def test_voila_command_uses_project_config(tmp_path):
    from p3pd_lib.dashboard import server
    from p3pd_lib.errors import ParameterError

    argv, env = dashboard.voila_command(8899, "127.0.0.1", tmp_path, cull_idle_timeout=30, max_kernels=7)
    assert argv[1:3] == ["-m", "voila"] and argv[3].endswith("notebooks/dashboard_kecamatan.ipynb")
    assert "--port=8899" in argv and "--Voila.ip=127.0.0.1" in argv and "--template=p3pd" in argv
    assert "--MappingKernelManager.cull_idle_timeout=30" in argv and "--LimitedKernelManager.max_kernels=7" in argv
    assert ("--VoilaConfiguration.multi_kernel_manager_class=p3pd_lib.dashboard.kernels.LimitedKernelManager"
            in argv)
    assert env["P3PD_DATA_DIR"] == str(tmp_path)
    assert (server.JUPYTER_ASSETS / "voila" / "templates" / "p3pd" / "index.html.j2").exists()
    assert (server.JUPYTER_ASSETS / "voila" / "templates" / "p3pd" / "503.html").exists()
    with pytest.raises(ParameterError):
        dashboard.voila_command(0)
    with pytest.raises(ParameterError):
        dashboard.voila_command(8899, max_kernels=1)


def test_server_draws_plotly_charts_with_the_kits_renderer(tmp_path):
    """jupyterlab-plotly is denied (its bundle holds plotly.js); the kit's renderer and plotly.js are installed."""
    import json

    from p3pd_lib.batch.outputs import plotly_js_path
    from p3pd_lib.dashboard import server

    argv, _ = dashboard.voila_command(8899, "127.0.0.1", tmp_path, config_dir=tmp_path)
    folder = tmp_path / "labextensions"
    assert f"--VoilaConfiguration.extra_labextensions_path={folder}" in argv
    denied = [a.split("=", 1)[1] for a in argv if a.startswith("--VoilaConfiguration.extension_denylist=")]
    assert denied == ["jupyterlab_pygments", "jupyterlab-plotly"]  # voila.json's entry kept
    package = json.loads((folder / "p3pd-plotly" / "package.json").read_text())
    assert package["jupyterlab"]["_build"] == {"load": "static/remoteEntry.js", "mimeExtension": "./mimeExtension"}
    entry = (folder / "p3pd-plotly" / "static" / "remoteEntry.js").read_text()
    # The container registers under the package's name (Voila looks it up as window._JUPYTERLAB[name]).
    assert f'var NAME = "{package["name"]}"' in entry and "window._JUPYTERLAB[NAME] = {" in entry
    assert 'var MIME = "application/vnd.plotly.v1+json"' in entry
    assert (folder / "p3pd-plotly" / "static" / "plotly.min.js").read_bytes() == plotly_js_path().read_bytes()
    # Without a run folder nothing is installed and the stock extension stays.
    argv, _ = dashboard.voila_command(8899, "127.0.0.1", tmp_path)
    assert not any("extension_denylist" in a or "extra_labextensions_path" in a for a in argv)
    assert server.STOCK_PLOTLY_EXTENSION == "jupyterlab-plotly"


def test_dashboard_cli_without_store_says_what_to_do(tmp_path, capsys):
    from p3pd_lib.cli import main

    assert main(["dashboard", "--data-dir", str(tmp_path), "--port", "8899"]) == 2
    err = capsys.readouterr().err
    assert "Data belum tersedia" in err and "p3pd demo-data" in err


def test_notebook_only_displays_the_app():
    import nbformat

    from p3pd_lib.dashboard.server import NOTEBOOK_NAME
    from p3pd_lib.paths import NOTEBOOKS_DIR

    nb = nbformat.read(NOTEBOOKS_DIR / NOTEBOOK_NAME, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert code[-1].source.strip() == "app.container"  # the last cell only displays the app
    src = "\n".join(c.source for c in code)
    assert "App.from_store()" in src and "app.open_query(query_string(), background=True)" in src
    assert len([line for line in src.splitlines() if line.strip() and not line.startswith("#")]) <= 4


# --------------------------------------------------------------------------- page size: widgets created on demand


def _widget_models() -> set[str]:
    from ipywidgets.widgets.widget import _instances

    return set(_instances)


def test_widgets_of_hidden_parts_are_created_when_first_shown(demo_dataset):
    before = _widget_models()
    app = App(demo_dataset)
    first_page = _widget_models() - before
    # The browser builds every widget model of the kernel before it shows the page: keep the first page small.
    assert len(first_page) <= 50, len(first_page)
    assert app._tab_widgets(TABS.index("Ringkasan"))[1] is None  # HTML charts, no Output widget
    assert "sektor" not in app._w and "pita_naik" not in app._w and "upload" not in app._w
    assert app._tab_boxes[TABS.index("Kuadran")].children == ()
    app.tabs.selected_index = TABS.index("Kuadran")
    assert app._tab_boxes[TABS.index("Kuadran")].children and app.split_median.value is True
    app.trainer.value = True
    assert app.pita_naik in app.trainer_box.children and app.trainer_box.layout.display == "flex"
    assert app.target_indikator.options  # filled from the view's catalogue when built
    app.trainer.value = False
    app.upload_acc.selected_index = 0
    assert app.upload in app.upload_box.children
    # Asking for a widget of an unopened tab creates it (and puts it into its tab), nothing else.
    assert app.tren_sektor.value == "KES" and app._tab_boxes[TABS.index("Tren")].children


def test_ringkasan_charts_count_every_value_once(app, demo_dataset):
    app.select(kecamatan=_kecamatan(demo_dataset)[0], tab="Ringkasan")
    text, cap = app.tab_html[0].value, app.view.capaian
    totals = re.findall(r"<td class='p3pd-nilai'>(\d+)</td>", text.split("data-grafik='indeks-desa'")[0])
    assert sum(int(t) for t in totals) == len(cap)
    merah = re.findall(r"class='p3pd-merah'[^>]*>(\d+)</span>", text)
    assert sum(int(n) for n in merah) == int((cap["kelas"] == "merah").sum())
    bars = re.findall(r"<tr data-kode-desa='([^']+)'><th>", text.split("data-grafik='indeks-desa'")[1])
    assert set(bars) == set(app.view.indeks["kode_desa"].astype(str))




# --------------------------------------------------------------------------- prefetch within the kabupaten


def test_prefetch_computes_the_kabupaten_ahead_and_renders_the_visible_tab(demo_dataset):
    calls: list[str] = []

    def counting(dataset, kode, *args):
        calls.append(kode)
        return kecamatan_view(dataset, kode, *args)

    app = App(demo_dataset, view_fn=counting, prefetch=True)
    app.prefetch_thread.join(timeout=120)
    kec = _kecamatan(demo_dataset)
    assert sorted(calls) == kec  # each kecamatan computed exactly once
    assert {key[0][0] for key in app._contents if key[1] == 0} == set(kec)  # and its first tab rendered
    app.kecamatan.value = next(o for o in app.kecamatan.options if o.startswith(kec[-1]))
    assert app.view.kode_kecamatan == kec[-1] and len(calls) == len(kec)  # served from the caches


def test_prefetch_of_replaced_data_is_dropped(demo_dataset):
    app = App(demo_dataset, prefetch=True)
    old = app.views
    app._set_dataset(replace(demo_dataset, meta={**demo_dataset.meta, "fingerprint": "baru"}))
    assert app.views is not old
    app.prefetch_thread.join(timeout=120)
    assert app.view.identitas["fingerprint"] == "baru"


# --------------------------------------------------------------------------- every tab module on its own


@pytest.mark.parametrize("idx", range(len(TABS)))
def test_every_tab_renders_from_a_view_alone(demo_dataset, idx):
    from p3pd_lib.dashboard import tabs
    from p3pd_lib.dashboard.html import kelas_colours

    view = kecamatan_view(demo_dataset, _kecamatan(demo_dataset)[0], 2024)
    module = tabs.MODULES[idx]
    content = module.render(view, kelas_colours())
    assert content.html and "Traceback" not in content.html
    assert bool(content.bundles) == (idx in dashboard.FIGURE_TABS and TABS[idx] != "Peta")  # Peta: no boundaries
    assert all("application/vnd.plotly.v1+json" in b["data"] for b in content.bundles)
    sheets = module.tables(view)
    assert sheets and all(isinstance(df, pd.DataFrame) for df in sheets.values())


# --------------------------------------------------------------------------- never trust the network


@pytest.mark.parametrize("query", [
    "x" * 100_000,
    "kecamatan=" + "<b>" * 5000,
    "kecamatan=33.07.01&" * 500,
    "%ff%fe%00kecamatan=%E0%A4&tahun=%%%",
    "tahun=²⁰²⁴&kecamatan=３３.０７.０１",
    "kecamatan=33.07.01'--&tahun=2024;DROP",
])
@pytest.mark.parametrize("background", [False, True])
def test_query_of_any_length_or_content_gives_an_indonesian_message(demo_dataset, query, background):
    app = App(demo_dataset)
    shown = app.view
    q = app.open_query(query, background=background)
    if background:
        app.first_view.join(30)
    assert all(("alamat halaman" in p.lower()) or ("tidak valid" in p) or ("tidak ada" in p) for p in q.pesan)
    assert bool(q.pesan) == ("p3pd-pesan-galat" in app.message.value) and PESAN_UMUM not in app.message.value
    assert app.view is shown  # the previous view stays


PESAN_UMUM = dashboard.PESAN_GALAT_UMUM


def test_upload_too_large_is_refused_before_reading(demo_dataset):
    import datetime

    from p3pd_lib.dashboard import upload

    class NeverRead:
        def __bytes__(self):
            raise AssertionError("content read")

    app = App(demo_dataset)
    big = upload.MAX_BERKAS_BYTES + 1
    app.upload.value = ({"name": "besar.xlsx", "type": "", "size": big, "content": NeverRead(),
                         "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert "terlalu besar" in app.message.value and app.dataset is demo_dataset
    with pytest.raises(DataError, match="terlalu besar"):
        dashboard.check_sizes([("a.csv", upload.MAX_BERKAS_BYTES)] * 3)  # each allowed, together too large


def test_kernel_limit_refuses_in_indonesian_past_the_limit(monkeypatch):
    import asyncio

    from tornado.web import HTTPError

    from p3pd_lib.dashboard.kernels import PESAN_PENUH, LimitedKernelManager

    km = LimitedKernelManager(max_kernels=2)
    monkeypatch.setattr(km, "list_kernel_ids", lambda: ["a", "b"])
    with pytest.raises(HTTPError) as err:
        asyncio.run(km.start_kernel())
    assert err.value.status_code == 503 and err.value.log_message == PESAN_PENUH
    assert "tunggu" in PESAN_PENUH and "muat ulang" in PESAN_PENUH


def test_other_address_than_loopback_requires_a_token(tmp_path):
    import json

    from p3pd_lib.dashboard import server

    assert server.is_loopback("127.0.0.1") and not server.is_loopback("0.0.0.0")
    folder, token = server._prepare("0.0.0.0", None)
    try:
        assert token and len(token) >= 24
        cfg = json.loads((folder / "voila.json").read_text())
        assert cfg == {"Voila": {"token": token}} and (folder / "voila.json").stat().st_mode & 0o077 == 0
    finally:
        import shutil

        shutil.rmtree(folder)
    folder, token = server._prepare("127.0.0.1", None)
    assert token is None and not (folder / "voila.json").exists()
    folder.rmdir()
    assert "JupyterHub" in server.PETUNJUK_JUPYTERHUB


def test_dashboard_module_sizes_and_no_private_imports():
    from pathlib import Path

    root = Path(dashboard.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) < 800, path
        assert not re.search(r"^\s*from [\w.]+ import _\w", text, re.M), path  # nobody's private names


def test_kernels_of_one_server_share_their_views(demo_store, tmp_path, monkeypatch):
    from p3pd_lib.dashboard.shared import CACHE_ENV
    from p3pd_lib.store import load_dataset

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = dashboard.Views(source=dashboard.StoreSource(demo_store))
    before = first.source.shared.computed  # (the region table and the store summary, shared too)
    view = first.get("33.07.02", 2024)
    assert first.source.shared.computed == before + 1  # (its kabupaten's other views follow in a thread: tested below)
    second = dashboard.Views(source=dashboard.StoreSource(demo_store))  # another page's kernel
    again = second.get("33.07.02", 2024)
    assert second.computed == 0 and second.source.loads == 0  # read, not computed: no data loaded either
    pd.testing.assert_frame_equal(again.capaian, view.capaian)
    expect = kecamatan_view(load_dataset(demo_store), "33.07.02", 2024)
    pd.testing.assert_frame_equal(again.agenda, expect.agenda)
    # Trainer settings are part of the key: another view, computed.
    second.get("33.07.02", 2024, TrainerSettings(pita_naik=20))
    assert second.computed == 1


def test_kernels_of_one_server_share_the_province_comparison(demo_store, tmp_path):
    from p3pd_lib import analysis, parameter_files
    from p3pd_lib.dashboard.shared import SharedCache

    ds, cache = dashboard.StoreSource(demo_store).dataset("33.07"), SharedCache(tmp_path, "stempel")
    view = kecamatan_view(ds, "33.07.02", 2024, shared=cache)  # computed here, and shared
    expect = analysis.kecamatan_view(ds, "33.07.02", tahun=2024)
    for name in ("capaian_wilayah", "tren", "ringkasan", "agenda"):
        pd.testing.assert_frame_equal(getattr(view, name), getattr(expect, name))
    key = ("provinsi", "33", parameter_files.fingerprint())
    assert cache.has(key)
    cache.put(key, cache.get(key, lambda: 1 / 0).assign(nilai=1.0))  # marked, to see that another view reads it
    other = kecamatan_view(ds, "33.07.01", 2024, shared=cache).capaian_wilayah.query("tingkat == 'provinsi'")
    assert len(other) and other["nilai"].eq(1.0).all()
    # Trainer settings change the province's classes: computed with them, not read.
    trained = kecamatan_view(ds, "33.07.01", 2024, TrainerSettings(pita_naik=20), shared=cache)
    assert not trained.capaian_wilayah.query("tingkat == 'provinsi'")["nilai"].eq(1.0).all()


def test_kernel_limit_relies_only_on_what_voila_gives_its_pool():
    """Fails when Voila changes the pool it builds over our kernel manager (kernels.py uses its public methods)."""
    import inspect

    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from p3pd_lib.dashboard.kernels import LimitedKernelManager

    pooled = voila_kernel_manager_factory(LimitedKernelManager, True, 1)
    assert issubclass(pooled, LimitedKernelManager)
    assert list(inspect.signature(pooled.fill_if_needed).parameters)[:3] == ["self", "delay", "notebook_name"]
    assert list(inspect.signature(pooled.get_pool_size).parameters) == ["self", "notebook_name"]
    assert "self.notebook_path" in inspect.getsource(pooled.__init__)
    # Voila reads the query string's request through this helper in a preheated kernel.
    from voila.utils import wait_for_request

    assert "VOILA_PREHEAT" in inspect.getsource(wait_for_request)


# --------------------------------------------------------------------------- Peta and Bahan Musdes tabs


@pytest.fixture(scope="module")
def boundary_dir(tmp_path_factory, demo_dataset) -> Path:
    """A data folder holding only simulated desa boundaries of the demo kabupaten."""
    from p3pd_lib import peta
    from p3pd_lib.peta import storage

    folder = tmp_path_factory.mktemp("batas")
    storage.write_boundaries(peta.simulated_boundaries(demo_dataset.wilayah), "desa", folder)
    return folder


def test_peta_tab_draws_the_desa_polygons_and_opens_a_bahan_musdes(demo_dataset, boundary_dir):
    app = App(demo_dataset, data_dir=boundary_dir)
    app.select(tab="Peta")
    idx = TABS.index("Peta")
    assert "p3pd-pesan-galat" not in app.message.value, app.message.value
    fig = app.peta_figure.to_plotly_json()
    assert [w.figure for w in app.tab_figs[idx].children] == [app.peta_figure]
    traces = fig["data"]
    polygons = [t for t in traces if t.get("fill") == "toself"]
    desa = set(app.view.desa["kode_desa"])
    assert polygons and sum(x is None for t in polygons for x in t["x"]) + len(polygons) >= len(desa)
    # Simulated shapes say so on the map (title and note above it).
    assert "PETA SIMULASI" in fig["layout"]["title"]["text"]
    assert any("bukan batas sebenarnya" in a["text"] for a in fig["layout"]["annotations"])
    codes = {c for t in traces for c in (t.get("customdata") or []) if isinstance(c, str)}
    codes |= {c[0] for t in traces for c in (t.get("customdata") or []) if isinstance(c, list) and c}
    assert codes and codes <= desa
    # Another colouring: the choices come from the peta package.
    keys = [k for _, k in app.peta_pilihan.options]
    assert "indeks" in keys and "kuadran" in keys
    app.peta_pilihan.value = "kuadran"
    assert "Kuadran" in app.peta_figure.layout.title.text
    # The desa list under the map opens its Bahan Musdes.
    kode, nama = app.view.desa[["kode_desa", "nama_desa"]].iloc[1]
    app.peta_desa.value = kode
    assert app.tabs.selected_index == TABS.index("Bahan Musdes") and app.musdes_desa.value == kode
    assert nama in html.unescape(app.tab_html[TABS.index("Bahan Musdes")].value)


def test_peta_tab_without_boundaries_says_so(demo_dataset, tmp_path):
    app = App(demo_dataset, data_dir=tmp_path)
    app.select(tab="Peta")
    idx = TABS.index("Peta")
    assert app.tab_figs[idx].children == () and app.peta_figure is None
    assert "data-peta='kosong'" in app.tab_html[idx].value and "belum diimpor" in app.tab_html[idx].value
    assert "p3pd-pesan-galat" not in app.message.value


def test_bahan_musdes_tab_shows_the_desa_page_print_and_pdf(demo_dataset):
    app = App(demo_dataset)
    app.select(tab="Bahan Musdes")
    idx = TABS.index("Bahan Musdes")
    assert "Pilih desa" in app.tab_html[idx].value
    kode, nama = app.view.desa[["kode_desa", "nama_desa"]].iloc[0]
    assert (nama, kode) in [(lab.split(" (")[0], v) for lab, v in app.musdes_desa.options]
    app.musdes_desa.value = kode
    shown = app.tab_html[idx].value
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert nama in page
    numbers = re.findall(r"data-nomor=['\"]?(\d+)", page) or re.findall(r"<td[^>]*>\s*(\d+)\s*</td>", page)
    assert numbers[:2] == ["1", "2"], numbers[:5]
    assert "print()" in shown and ">Cetak<" in shown
    pdf = app.musdes_pdf()
    assert pdf.startswith(b"%PDF")
    app.btn_pdf.click()
    link = re.search(r"href='data:application/pdf;base64,([^']+)'", app.links.value)
    assert link and base64.b64decode(link.group(1)).startswith(b"%PDF")
    assert f"bahan_musdes_{kode}_" in app.links.value


def test_preheated_kernels_start_one_at_a_time_and_visitors_never_wait(monkeypatch):
    import asyncio

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    from p3pd_lib.dashboard.kernels import LimitedKernelManager

    started: list[tuple[str, float]] = []

    async def fake_start(self, *, kernel_id=None, path=None, **kwargs):
        started.append((kwargs["env"]["VOILA_PREHEAT"], asyncio.get_running_loop().time()))
        return f"k{len(started)}"

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", fake_start)
    km = LimitedKernelManager(max_kernels=10, preheat_interval=0.3)
    monkeypatch.setattr(km, "list_kernel_ids", lambda: [])

    async def burst():
        t0 = asyncio.get_running_loop().time()
        pool = [km.start_kernel(env={"VOILA_PREHEAT": "True"}) for _ in range(3)]
        await asyncio.gather(*pool, km.start_kernel(env={"VOILA_PREHEAT": "False"}))
        return t0

    t0 = asyncio.run(burst())
    pool_times = sorted(t - t0 for kind, t in started if kind == "True")
    visitor = [t - t0 for kind, t in started if kind == "False"]
    assert len(pool_times) == 3 and visitor[0] < 0.1  # the visitor's kernel started at once
    assert pool_times[0] < 0.1 and pool_times[1] >= 0.29 and pool_times[2] >= 0.59  # one pool kernel per interval


def test_pool_and_kernel_limit_are_sized_from_memory():
    from p3pd_lib.dashboard import server
    from p3pd_lib.errors import ParameterError

    assert server.default_max_kernels(1_000) == 4  # never below 4
    assert server.default_max_kernels(10_000) == 25  # half of 10 GB at 200 MB per kernel
    assert server.default_max_kernels(1_000_000) == server.MAX_KERNELS
    for limit in (4, 25, 64):
        pool = server.default_pool_size(limit)
        assert 1 <= pool <= server.POOL_SIZE and pool <= limit // 2  # half the limit stays for open pages
    assert server.default_pool_size(64) >= 20  # 20 pages opened at once each find a preheated kernel
    argv, _ = dashboard.voila_command(8899, max_kernels=30, pool_size=20)
    assert "--VoilaConfiguration.default_pool_size=20" in argv and "--VoilaConfiguration.preheat_kernel=True" in argv
    with pytest.raises(ParameterError):
        dashboard.voila_command(8899, max_kernels=10, pool_size=10)  # no room left for any page


def test_a_kabupaten_fill_stops_when_the_page_moves_to_another_kabupaten(tmp_path):
    from p3pd_lib.dashboard.shared import SharedCache

    class Source:  # the store as the views see it: two kabupaten, their data named by code
        data_dir = None
        shared = SharedCache(tmp_path, "stempel")
        kecamatan_with_data = {"33.07.01", "33.07.02", "33.07.03", "33.07.04", "33.08.01"}

        def dataset(self, kode_kabupaten):
            return kode_kabupaten

        def release(self):
            pass

    computed, moves = [], ["33.08.01"]

    def view_fn(dataset, kode, tahun, *rest):
        computed.append(kode)
        if kode == "33.07.02" and moves:  # while its kabupaten is being filled, the visitor picks another one
            views.get(moves.pop(), 2024)
        return f"{dataset}:{kode}"

    views = dashboard.Views(source=Source(), view_fn=view_fn)
    views._filling = 1  # as after the first view of a group (get → compute_for_group)
    views._fill_kabupaten(Source.shared, ("33.07.01", 2024, TrainerSettings(), (None, None)))
    assert computed == ["33.07.02", "33.08.01"]  # 33.07.03 and 33.07.04 are left to whoever needs them
    assert Source.shared.has(("tampilan", *view_key("33.07.02", 2024)))
    assert not Source.shared.has(("tampilan", *view_key("33.07.03", 2024)))
    # Without a move the whole kabupaten is filled.
    computed.clear()
    views.get("33.07.01", 2024)
    views._filling = 1
    (tmp_path / "lain").mkdir()
    views._fill_kabupaten(SharedCache(tmp_path / "lain", "stempel"), ("33.07.01", 2024, TrainerSettings(), (None, None)))
    assert computed == ["33.07.01", "33.07.02", "33.07.03", "33.07.04"]


def test_pages_of_one_kabupaten_opened_together_run_its_analysis_once(demo_store, tmp_path, monkeypatch):
    import threading

    from p3pd_lib.dashboard.shared import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = dashboard.Views(source=dashboard.StoreSource(demo_store))
    codes = sorted(k for k in first.source.kecamatan_with_data if k.startswith("33.07."))
    first.get(codes[0], 2024)
    for thread in threading.enumerate():  # the kabupaten's other views, computed for the other kernels
        if thread.name == "p3pd-isi-kelompok":
            thread.join(timeout=300)
    assert first.computed == len(codes)
    assert first.source.loads == 1 and not first.source._cache  # read once, dropped after sharing
    second = dashboard.Views(source=dashboard.StoreSource(demo_store))  # another page, another kecamatan
    view = second.get(codes[-1], 2024)
    assert second.computed == 0 and second.source.loads == 0
    expect = kecamatan_view(second.source.dataset(codes[0][:5]), codes[-1], 2024)
    pd.testing.assert_frame_equal(view.capaian, expect.capaian)
