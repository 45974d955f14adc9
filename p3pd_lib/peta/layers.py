"""What a map shows: one row per region with its class, the class label and the value as text.

Each function turns a table of :class:`p3pd_lib.analysis.KecamatanView` or
:class:`~p3pd_lib.analysis.KabupatenView` into a *layer* for
:func:`p3pd_lib.peta.maps.choropleth`: ``kode, nama, kelas, label_kelas,
nilai_teks``. Classes follow the kit: traffic lights of ``classify`` for
indicator values, the quadrant and need–demand–supply classes as in the
reports, and for scores without official bands (sector score, composite
index) the tercile rule the kit uses for indicators without a target
(``Sepertiga terbaik/tengah/terbawah`` of the regions on the map) [proposed].

>>> import pandas as pd
>>> lay = score_layer(pd.DataFrame({"kode_desa": list("abcd"), "nama_desa": list("ABCD"),
...                                 "indeks_capaian": [0.2, 0.5, 0.9, None]}), "indeks_capaian")
>>> lay["kelas"].tolist(), lay["nilai_teks"].iloc[0]
(['merah', 'kuning', 'hijau', 'abu'], '0,20')
"""

from __future__ import annotations

import pandas as pd

from ..render import WARNA_KELAS_USULAN, fmt_angka, fmt_persen

LAYER_COLUMNS = ("kode", "nama", "kelas", "label_kelas", "nilai_teks")
#: Map class of each quadrant code of ``classify.quadrant``.
KELAS_KUADRAN = {"prioritas": "merah", "evaluasi": "kuning", "pertahankan": "hijau", "pantau": "biru"}
TERSIL = {"merah": "Sepertiga terbawah", "kuning": "Sepertiga tengah", "hijau": "Sepertiga terbaik"}


def _layer(kode: pd.Series, nama: pd.Series, kelas: pd.Series, label: pd.Series, teks: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"kode": kode.astype(str).to_numpy(), "nama": nama.astype(str).to_numpy(),
                         "kelas": kelas.astype(str).to_numpy(), "label_kelas": label.astype(str).to_numpy(),
                         "nilai_teks": teks.astype(str).to_numpy()})


def indicator_layer(capaian: pd.DataFrame, indikator: str, kode: str = "kode_desa", nama: str = "nama_desa") -> pd.DataFrame:
    """Traffic-light classes of one indicator (``capaian`` of a view: ``kelas, label_kelas, nilai``)."""
    part = capaian[capaian["indikator"] == indikator].drop_duplicates(kode)
    teks = part["nilai"].map(lambda v: fmt_persen(v) if pd.notna(v) else "tidak ada data")
    return _layer(part[kode], part[nama], part["kelas"].fillna("abu"), part["label_kelas"].fillna("Tidak ada data"), teks)


def score_layer(table: pd.DataFrame, kolom: str, kode: str = "kode_desa", nama: str = "nama_desa",
                desimal: int = 2) -> pd.DataFrame:
    """Tercile classes of a score where higher is better (composite index, sector score …) [proposed].

    With fewer than three values no terciles exist: the values are shown in one neutral class.
    """
    part = table.drop_duplicates(kode)
    v = pd.to_numeric(part[kolom], errors="coerce").astype("float64")
    has = v.notna()
    kelas = pd.Series("abu", index=part.index)
    label = pd.Series("Tidak ada data", index=part.index)
    if has.sum() >= 3:
        lo, hi = v[has].quantile([1 / 3, 2 / 3]).tolist()
        kelas[has] = "kuning"
        kelas[has & (v < lo)] = "merah"
        kelas[has & (v > hi)] = "hijau"
        for k in ("merah", "kuning", "hijau"):
            sel = kelas == k
            if sel.any():
                label[sel] = f"{TERSIL[k]} ({fmt_angka(v[sel].min(), desimal)}–{fmt_angka(v[sel].max(), desimal)})"
    elif has.any():
        kelas[has] = "biru"
        label[has] = "Ada nilai (kurang dari 3 wilayah: tanpa sepertiga)"
    teks = v.map(lambda x: fmt_angka(x, desimal) if pd.notna(x) else "tidak ada data")
    return _layer(part[kode], part[nama], kelas, label, teks)


def sector_layer(skor_sektor: pd.DataFrame, sektor: str) -> pd.DataFrame:
    """Tercile classes of one sector's score (``skor_sektor`` of a kecamatan view)."""
    return score_layer(skor_sektor[skor_sektor["sektor"] == sektor], "skor")


def quadrant_layer(kuadran: pd.DataFrame) -> pd.DataFrame:
    """The need-versus-spending quadrant of each desa (``kuadran`` of a kecamatan view)."""
    k = kuadran["kuadran"].astype("string")
    kelas = k.map(KELAS_KUADRAN).fillna("abu")
    teks = kuadran["label_kuadran"].astype("string").fillna("Tidak ada data")
    return _layer(kuadran["kode_desa"], kuadran["nama_desa"], kelas, teks, teks)


def need_layer(kebutuhan_usulan: pd.DataFrame, sektor: str) -> pd.DataFrame:
    """The need–demand–supply class of each desa in one sector (``kebutuhan_usulan`` of a kecamatan view)."""
    part = kebutuhan_usulan[kebutuhan_usulan["sektor"] == sektor].drop_duplicates("kode_desa")
    label = part["kelas"].astype("string")
    warna = label.map(WARNA_KELAS_USULAN).replace({"abu": "netral"}).fillna("abu")
    return _layer(part["kode_desa"], part["nama_desa"], warna, label.fillna("Tidak ada data"), label.fillna("tidak ada data"))
