"""Unit tests of the dashboard App on in-memory datasets (no server, no browser)."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest

from p3pd_lib import dashboard
from p3pd_lib.dashboard import TABS, App, TrainerSettings, parse_query
from p3pd_lib.store import Dataset

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


def _two_kabupaten(demo_dataset) -> Dataset:
    """The demo plus a copy of two of its kecamatan re-coded into a second kabupaten (33.99)."""
    kec = _kecamatan(demo_dataset)[:2]

    def recode(df: pd.DataFrame) -> pd.DataFrame:
        part = df[df["kode_desa"].astype(str).str.slice(0, 8).isin(kec)]
        return part.assign(kode_desa=("33.99" + part["kode_desa"].astype(str).str.slice(5)).astype("string"))

    w = recode(demo_dataset.wilayah)
    w = w.assign(
        kode_kecamatan=w["kode_desa"].str.slice(0, 8), kode_kabupaten="33.99", nama_kabupaten="Kabupaten Uji"
    ).astype({"kode_kabupaten": "string", "nama_kabupaten": "string"})
    tables = {
        name: pd.concat([df, w if name == "wilayah" else recode(df)], ignore_index=True)
        for name, df in demo_dataset.tables().items()
    }
    return Dataset(**tables, meta={**demo_dataset.meta, "fingerprint": "uji-dua-kab"})


def test_cascading_dropdowns(demo_dataset):
    app = App(_two_kabupaten(demo_dataset))
    kabs = [v for _, v in app.kabupaten.options]
    assert kabs == ["33.07", "33.99"]
    assert all(o.startswith("33.07.") for o in app.kecamatan.options)
    app.kabupaten.value = "33.99"
    # Kecamatan options follow the kabupaten, the first one is chosen and shown at once.
    assert len(app.kecamatan.options) == 2 and all(o.startswith("33.99.") for o in app.kecamatan.options)
    assert app.view.kode_kecamatan == app.kecamatan.options[0][:8]
    assert app.view.identitas["nama_kabupaten"] == "Kabupaten Uji"
    # Typing a full option selects it; a partial text does nothing (and says how to choose).
    second = app.kecamatan.options[1]
    app.kecamatan.value = second
    assert app.view.kode_kecamatan == second[:8]
    app.kecamatan.value = "Wado"
    assert app.view.kode_kecamatan == second[:8]
    assert "Pilih kecamatan dari daftar" in app.message.value


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
        assert app.tab_html[i].value or app.tab_figs[i].outputs
    # Figures are sent as plotly mimetype outputs (drawn offline by the lab extension).
    assert any("application/vnd.plotly.v1+json" in o["data"] for o in app.tab_figs[0].outputs)


def test_prefetch_computes_the_other_kecamatan_in_background(demo_dataset, monkeypatch):
    monkeypatch.setattr(dashboard, "PREFETCH_DELAY_S", 0.0)
    calls: list[str] = []

    def counting(dataset, kode, *args):
        calls.append(kode)
        return dashboard._default_view_fn(dataset, kode, *args)

    app = App(demo_dataset, view_fn=counting, prefetch=True)
    app._prefetch_thread.join(timeout=120)
    kec = _kecamatan(demo_dataset)
    assert sorted(calls) == kec  # each kecamatan computed exactly once
    app.kecamatan.value = next(o for o in app.kecamatan.options if o.startswith(kec[-1]))
    assert app.view.kode_kecamatan == kec[-1] and len(calls) == len(kec)  # served from the cache


def test_layanan_table_lists_the_kecamatan_villages(app, demo_dataset):
    app.select(kecamatan=_kecamatan(demo_dataset)[0], tab="Layanan Dasar")
    v = app.view
    rows = set(re.findall(r"<tr data-kode-desa='([^']+)'>", app.tab_html[1].value))
    assert rows == set(v.capaian["kode_desa"].astype(str))
    # Sector filter keeps only that sector's indicators as columns.
    app.sektor.value = "KES"
    heads = re.findall(r"<th title='[^']*'>([A-Z]+\d+)</th>", app.tab_html[1].value)
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


def test_upload_bad_file_keeps_previous_data(demo_dataset):
    app = App(demo_dataset)
    before_view = app.view
    bad = b"kode_desa,tahun,penduduk\n33.07.01.2001,2024,banyak\n"
    ok = app.load_files([("layanan.csv", bad), ("catatan.txt", b"x")])
    assert ok is False
    msg = app.message.value
    assert "bukan angka" in msg and "baris 2" in msg and "hanya berkas CSV" in msg
    assert app.dataset is demo_dataset and app.view is before_view


def test_upload_widget_path(demo_dataset):
    import datetime

    app = App(demo_dataset)
    bad = b"kode_desa,tahun\n33.07.01.2001,dua ribu\n"
    app.upload.value = ({"name": "layanan.csv", "type": "text/csv", "size": len(bad), "content": memoryview(bad),
                         "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert "Data unggahan tidak dipakai" in app.message.value and "tahun" in app.message.value
    assert app.dataset is demo_dataset and app.upload.value == ()


def test_upload_unknown_table_name(demo_dataset):
    app = App(demo_dataset)
    assert app.load_files([("data_saya.csv", b"a,b\n1,2\n")]) is False
    assert "nama berkas harus salah satu tabel kit" in app.message.value


def test_upload_good_csv_replaces_table(demo_dataset):
    app = App(demo_dataset)
    kec = _kecamatan(demo_dataset)[0]
    lay = demo_dataset.layanan
    part = lay[lay["kode_desa"].astype(str).str.startswith(kec + ".")]
    csv = part.to_csv(index=False).encode()
    assert app.load_files([("layanan.csv", csv)]) is True, app.message.value
    assert "Data unggahan dipakai" in app.message.value
    assert app.kecamatan_tersedia[0] == kec
    assert app.dataset.simulasi  # the other tables are still the simulated ones
    assert "DATA SIMULASI" in app.banner.value


def test_report_only_from_the_store(demo_dataset):
    app = App(demo_dataset)
    app.btn_laporan.click()
    assert "hanya dapat dibuat dari data tersimpan" in app.message.value
    assert app.links.value == ""


def test_read_uploaded_tables_validates_schema():
    bad = b"kode_desa,tahun,penduduk\n33.07.01.99,2024,10\n"
    with pytest.raises(dashboard.DataError) as err:
        dashboard.read_uploaded_tables([("layanan.csv", bad)])
    assert "kode_desa" in str(err.value)


# --------------------------------------------------------------------------- server command


def test_voila_command_uses_project_config(tmp_path):
    argv, env = dashboard.voila_command(8899, "127.0.0.1", tmp_path)
    assert argv[1:3] == ["-m", "voila"] and argv[3].endswith("notebooks/dashboard_kecamatan.ipynb")
    assert "--port=8899" in argv and "--Voila.ip=127.0.0.1" in argv and "--template=p3pd" in argv
    assert env["P3PD_DATA_DIR"] == str(tmp_path)
    assert (dashboard.JUPYTER_ASSETS / "voila" / "templates" / "p3pd" / "index.html.j2").exists()
    with pytest.raises(dashboard.ParameterError):
        dashboard.voila_command(0)


def test_dashboard_cli_without_store_says_what_to_do(tmp_path, capsys):
    from p3pd_lib.cli import main

    assert main(["dashboard", "--data-dir", str(tmp_path), "--port", "8899"]) == 2
    err = capsys.readouterr().err
    assert "Data belum tersedia" in err and "p3pd demo-data" in err


def test_wait_for_request_outside_preheat_returns_at_once(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    dashboard.wait_for_request()  # plain Voila / Jupyter: nothing to wait for


def test_wait_for_request_reads_the_request_like_voila(monkeypatch):
    """The kernel side of Voila's preheat protocol, against a tiny websocket server playing Voila."""
    import asyncio
    import json
    import threading

    import websockets

    got: dict[str, str] = {}
    ready = threading.Event()
    port = dashboard.free_port()

    async def handler(ws):
        got["path"] = ws.request.path
        await ws.send(json.dumps({"QUERY_STRING": "kecamatan=33.07.01&tahun=2024"}))

    async def serve():
        async with websockets.serve(handler, "127.0.0.1", port):
            ready.set()
            await asyncio.sleep(5)

    t = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    t.start()
    ready.wait(5)
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    dashboard.wait_for_request()
    assert got["path"] == "/voila/query/abc"
    assert dashboard.query_string_from_env() == "kecamatan=33.07.01&tahun=2024"


def test_notebook_only_displays_the_app():
    import nbformat

    from p3pd_lib.paths import NOTEBOOKS_DIR

    nb = nbformat.read(NOTEBOOKS_DIR / dashboard.NOTEBOOK_NAME, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    src = "\n".join(c.source for c in code)
    assert "App.from_store()" in src and "wait_for_request()" in src and src.strip().endswith("app.container")
    assert "import voila" not in src and "from voila" not in src  # 45 MiB and 1.5 s per kernel
    assert len([line for line in src.splitlines() if line.strip() and not line.startswith("#")]) <= 7
