"""The one call a report (or the dashboard) needs for a map: boundaries read, layer built, figure drawn.

When the store holds no boundaries for the region, these return an Indonesian
note (a :class:`p3pd_lib.render.Html`) instead of a figure, so a report cell
never fails for want of a map.
"""

from __future__ import annotations

import os
from typing import Any

from ..render import note
from . import layers, maps, storage

NO_BOUNDARIES = ("Peta belum tersedia: batas {what} belum diimpor ke folder data. Impor berkas batas desa dari "
                 "Bappeda/BIG (Shapefile, GeoPackage atau GeoJSON) dengan perintah: p3pd peta impor BERKAS.")
CATATAN_TERSIL = "Kelas: sepertiga wilayah di peta dengan nilai terbaik/tengah/terbawah (usulan kit, bukan target resmi)."


def desa_boundaries(kode: str, data_dir: str | os.PathLike[str] | None = None) -> Any:
    """Stored desa polygons inside a kecamatan or kabupaten code (``None`` when there are none)."""
    gdf = storage.read_boundaries("desa", data_dir or None, dalam=kode)
    return gdf if gdf is not None and len(gdf) else None


def kecamatan_boundaries(kode_kabupaten: str, data_dir: str | os.PathLike[str] | None = None) -> Any:
    """Kecamatan polygons of a kabupaten: imported kecamatan polygons, else the desa polygons dissolved."""
    kec = storage.read_boundaries("kecamatan", data_dir or None, dalam=kode_kabupaten)
    desa = desa_boundaries(kode_kabupaten, data_dir)
    if desa is not None and (kec is None or len(kec) == 0 or desa["kode_kecamatan"].nunique() > len(kec)):
        return dissolve_kecamatan(desa)
    return kec if kec is not None and len(kec) else None


def dissolve_kecamatan(desa: Any) -> Any:
    """Desa polygons merged into their kecamatan (official kecamatan names; ``simulasi`` kept)."""
    from .. import wilayah

    out = desa.dissolve(by="kode_kecamatan", aggfunc={"simulasi": "max", "kode_kabupaten": "first"}).reset_index()
    return out.assign(kode=out["kode_kecamatan"], nama=[wilayah.name(k) for k in out["kode_kecamatan"]],
                      tingkat="kecamatan")


def kecamatan_map(view: Any, data_dir: str | os.PathLike[str] | None = None) -> Any:
    """Map of a kecamatan's desa coloured by the composite index (``view``: :class:`~p3pd_lib.analysis.KecamatanView`)."""
    b = desa_boundaries(view.kode_kecamatan, data_dir)
    if b is None:
        return note(NO_BOUNDARIES.format(what=f"desa Kecamatan {view.identitas['nama_kecamatan']}"))
    lay = layers.score_layer(view.indeks, "indeks_capaian")
    return maps.choropleth(b, lay, f"Peta Indeks Capaian Layanan Dasar per desa, {view.tahun}", catatan=CATATAN_TERSIL)


def kabupaten_map(view: Any, data_dir: str | os.PathLike[str] | None = None) -> Any:
    """Map of a kabupaten's kecamatan coloured by their composite index (``view``: KabupatenView)."""
    b = kecamatan_boundaries(view.kode_kabupaten, data_dir)
    if b is None:
        return note(NO_BOUNDARIES.format(what=f"wilayah {view.identitas['nama_kabupaten']}"))
    lay = layers.score_layer(view.kecamatan, "indeks_capaian", kode="kode_kecamatan", nama="nama_kecamatan")
    return maps.choropleth(b, lay, f"Peta Indeks Capaian Layanan Dasar per kecamatan, {view.tahun}",
                           catatan=CATATAN_TERSIL)


def map_choices(view: Any) -> list[tuple[str, str]]:
    """What a kecamatan map can be coloured by, as (label, key) pairs for a dropdown (key for :func:`view_map`)."""
    from ..figures import LABEL_SEKTOR

    out = [("Indeks Capaian Layanan Dasar", "indeks"), ("Kuadran kebutuhan vs belanja", "kuadran")]
    sektor = [s for s in LABEL_SEKTOR if s in set(view.skor_sektor["sektor"])]
    out += [(f"Skor sektor {LABEL_SEKTOR[s]}", f"skor:{s}") for s in sektor]
    kebutuhan = set(view.kebutuhan_usulan["sektor"]) if len(view.kebutuhan_usulan) else set()
    out += [(f"Kebutuhan–usulan–anggaran {LABEL_SEKTOR[s]}", f"usulan:{s}") for s in sektor if s in kebutuhan]
    kamus = view.capaian.drop_duplicates("indikator").sort_values("indikator")
    out += [(f"{r.indikator} {r.nama_indikator}", f"indikator:{r.indikator}") for r in kamus.itertuples()]
    return out


def view_map(view: Any, boundaries: Any, pilihan: str = "indeks") -> Any:
    """The kecamatan map coloured by one choice of :func:`map_choices` (what a dashboard Peta tab draws).

    The point trace (one point per desa, where its name is written) carries the ``kode`` in ``customdata``,
    so a click can open that desa's page.
    """
    from ..errors import ParameterError

    labels = dict((k, lab) for lab, k in map_choices(view))
    if pilihan not in labels:
        raise ParameterError(f"Pilihan peta '{pilihan}' tidak dikenal; pilih salah satu: {', '.join(labels)}.")
    kind, _, what = pilihan.partition(":")
    catatan = ""
    if kind == "indeks":
        lay, catatan = layers.score_layer(view.indeks, "indeks_capaian"), CATATAN_TERSIL
    elif kind == "kuadran":
        lay = layers.quadrant_layer(view.kuadran)
    elif kind == "skor":
        lay, catatan = layers.sector_layer(view.skor_sektor, what), CATATAN_TERSIL
    elif kind == "usulan":
        lay = layers.need_layer(view.kebutuhan_usulan, what)
    else:
        lay = layers.indicator_layer(view.capaian, what)
    return maps.choropleth(boundaries, lay, f"Peta {labels[pilihan]}, {view.tahun}", catatan=catatan)


def desa_locator(kode_desa: str, data_dir: str | os.PathLike[str] | None = None) -> Any:
    """Small map of a desa's kecamatan with the desa highlighted (note when no boundaries)."""
    b = desa_boundaries(kode_desa[:8], data_dir)
    if b is None:
        return note(NO_BOUNDARIES.format(what="desa kecamatan ini"))
    return maps.locator(b, kode_desa)


__all__ = ["map_choices", "view_map", "desa_boundaries", "kecamatan_boundaries", "dissolve_kecamatan", "kecamatan_map", "kabupaten_map",
           "desa_locator"]
