"""Widget factories of the App's controls that are created when first shown (tab controls, trainer, upload).

Each returns new widgets only; the :class:`~p3pd_lib.dashboard.app.App` owns them, wires
them to its one update method and places them.
"""

from __future__ import annotations

from typing import Any

from .html import SEKTOR_NAMA
from .query import PITA_NAIK_BAWAAN, PITA_TURUN_BAWAAN

TEKS_UNGGAHAN = (
    "Unggah data sendiri, seperti pada <code>p3pd impor</code>: templat Excel yang sudah diisi "
    "(<code>p3pd template</code>), berkas CSV/Excel dengan kolom tabel kit, ekspor tabel Siskeudes "
    "(<code>Ta_RAB</code>, <code>Ta_Kegiatan</code>, …; pilih bersamaan) atau laporan Penjabaran "
    "APBDes. Data unggahan hanya dipakai selama halaman ini terbuka dan tidak disimpan. Bila ada "
    "berkas yang ditolak, dashboard tetap memakai data sebelumnya dan menampilkan temuannya."
)
TEKS_PELATIH = ("<b>Mode pelatih</b>: geser untuk melihat bagaimana pita lampu lalu lintas dan target "
                "mengubah warna semua tampilan. Perubahan tidak disimpan.")

#: The tab that creates each tab control (the "Bahan Musdes" tab also makes its PDF button).
CONTROL_TAB = {"sektor": "Layanan Dasar", "desa": "Layanan Dasar", "kartu": "Layanan Dasar", "split_median": "Kuadran",
               "split_x": "Kuadran", "split_y": "Kuadran", "tren_sektor": "Tren", "peta_pilihan": "Peta",
               "peta_desa": "Peta", "musdes_desa": "Bahan Musdes", "btn_pdf": "Bahan Musdes",
               "agenda_desa": "Agenda Terpadu", "agenda_sektor": "Agenda Terpadu"}
#: Sectors of the agenda filter: the five basic-service sectors and the spending rules.
AGENDA_SEKTOR = [("Semua sektor", "")] + [(v, k) for k, v in SEKTOR_NAMA.items()] + [("Aturan belanja desa", "ATURAN")]


def tab_controls(W: Any, tab: str, style: Any, layout: Any) -> dict[str, Any]:
    """The controls of one tab by name (``sektor``/``desa``, ``split_*``, ``tren_sektor``); none for the others."""
    if tab == "Layanan Dasar":
        return {
            "sektor": W.Dropdown(description="Sektor", options=[("Semua sektor", "")] + [(v, k) for k, v in SEKTOR_NAMA.items()],
                                 style=style, layout=layout),
            "desa": W.Dropdown(description="Kartu Desa", options=[("— pilih desa —", "")], style=style,
                               layout=W.Layout(width="420px")),
        }
    if tab == "Kuadran":
        return {
            "split_median": W.Checkbox(value=True, description="Pembagi = median kecamatan", indent=False, layout=layout),
            "split_x": W.FloatText(description="Pembagi kesenjangan", value=0.0, step=0.05, style=style, disabled=True,
                                   layout=layout),
            "split_y": W.FloatText(description="Pembagi porsi belanja (%)", value=0.0, step=1, style=style,
                                   disabled=True, layout=layout),
        }
    if tab == "Tren":
        return {"tren_sektor": W.Dropdown(description="Sektor", options=[(v, k) for k, v in SEKTOR_NAMA.items()],
                                          value="KES", style=style, layout=layout)}
    if tab == "Peta":
        return {"peta_pilihan": W.Dropdown(description="Warna peta", options=[("Indeks Capaian Layanan Dasar", "indeks")],
                                           value="indeks", style=style, layout=W.Layout(width="520px")),
                "peta_desa": W.Dropdown(description="Buka Bahan Musdes desa", options=[("— pilih desa —", "")],
                                        style=style, layout=W.Layout(width="420px"))}
    if tab == "Agenda Terpadu":
        return {"agenda_desa": W.Dropdown(description="Desa", options=[("Semua desa", "")], style=style,
                                          layout=W.Layout(width="420px")),
                "agenda_sektor": W.Dropdown(description="Sektor", options=AGENDA_SEKTOR, value="", style=style,
                                            layout=layout)}
    if tab == "Bahan Musdes":
        return {"musdes_desa": W.Dropdown(description="Desa", options=[("— pilih desa —", "")], style=style,
                                          layout=W.Layout(width="420px"))}
    return {}


def desa_options(view: Any, kosong: str = "— pilih desa —") -> list[tuple[str, str]]:
    """The kecamatan's desa by name (code beside it) for a desa dropdown, after an empty choice."""
    return [(kosong, "")] + [(f"{r.nama_desa} ({r.kode_desa})", str(r.kode_desa))
                                       for r in view.desa.itertuples()]


def view_options(widgets: dict[str, Any], view: Any, names: Any) -> None:
    """Set the options that depend on the kecamatan (desa lists, map choices) of the existing ``names``
    among ``widgets``; a desa list starts unchosen, the map keeps its choice when ``view`` offers it."""
    from .. import peta

    for name in (n for n in names if n in widgets and n in ("peta_pilihan", "desa", "peta_desa", "musdes_desa",
                                                               "agenda_desa")):
        w = widgets[name]
        if name == "peta_pilihan":
            current, w.options = w.value, peta.map_choices(view)
            w.value = current if current in {k for _, k in w.options} else "indeks"
        else:
            w.options, w.value = desa_options(view, "Semua desa" if name == "agenda_desa" else "— pilih desa —"), ""


def target_options(kamus: Any, base_targets: dict[str, float]) -> list[tuple[str, str]]:
    """The trainer's indicator choices: indicators with a target (not spending ones), code and name."""
    idcol = "indikator" if "indikator" in kamus.columns else kamus.columns[0]
    namecol = "nama_indikator" if "nama_indikator" in kamus.columns else idcol
    names = dict(zip(kamus[idcol].astype(str), kamus[namecol].astype(str)))
    return [(f"{i} – {names.get(i, i)}", i) for i in kamus[idcol].astype(str)
            if not i.startswith(("BEL", "DD")) and i in base_targets]


def trainer_controls(W: Any, style: Any) -> dict[str, Any]:
    """The trainer's sliders (bands, one indicator's target) and its reset button.

    The bands move by whole points (their readout shows no decimal); the target moves by
    half points and has no readout (the browser would write "14.5"): the App states it in
    Indonesian under the sliders.
    """
    slider_style = W.SliderStyle(description_width="initial")
    wide = W.Layout(width="520px", max_width="100%")
    return {
        "pita_naik": W.FloatSlider(value=PITA_NAIK_BAWAAN, min=0, max=30, step=1, continuous_update=False,
                                   style=slider_style, layout=wide, readout_format=".0f",
                                   description="Pita kuning, makin tinggi makin baik (poin)"),
        "pita_turun": W.FloatSlider(value=PITA_TURUN_BAWAAN, min=0, max=20, step=1, continuous_update=False,
                                    style=slider_style, layout=wide, readout_format=".0f",
                                    description="Pita kuning, makin rendah makin baik (poin)"),
        "target_indikator": W.Dropdown(description="Indikator", options=[], style=style,
                                       layout=W.Layout(width="420px", max_width="100%")),
        "target_nilai": W.FloatSlider(value=0, min=0, max=100, step=0.5, continuous_update=False, readout=False,
                                      description="Target (%)", style=slider_style, layout=wide),
        "reset": W.Button(description="Kembalikan ke bawaan", layout=W.Layout(width="auto")),
    }
