"""Official IDM data of Kemendesa: the yearly list, the per-desa "rumusan" and what it recommends.

Three pure readers and one view, all without file access (the importer reads
the files and calls these):

- :func:`find_list_header` / :func:`parse_list`: the yearly Excel list ("IDM
  tahun … hasil pemutakhiran"): a title block, then a header row with columns
  such as NO, PROVINSI, KABUPATEN, KECAMATAN, KODE DESA, DESA, IKS, IKE, IKL,
  NILAI IDM, STATUS IDM, TARGET STATUS (names and order vary by year). Rows
  become ``status_desa`` rows; the official status is kept in ``status_idm``
  (the kit recomputes its own status from ``idm`` with
  :func:`p3pd_lib.classify.idm_status`).
- :func:`parse_rumusan`: the JSON that Kemendesa's IDM service returns for one
  desa and year (and OpenSID caches): ``mapData.SUMMARIES`` and
  ``mapData.ROW``. Indicator rows (``NO`` filled) become ``idm_rumusan`` rows;
  the subtotal rows (``IKS <tahun>``, ``IKE``, ``IKL``, ``IDM``, ``STATUS IDM``)
  and ``SUMMARIES`` are checked against the indicators and every
  disagreement is a finding (real files disagree; the file is never
  rejected for it). An indicator's dimension is the subtotal row that follows
  it (the order of the service: IKS indicators, the IKS row, IKE indicators,
  the IKE row, ...).
- :func:`agenda_rows`: the recommended activities of a desa's weak IDM
  indicators for the basic-service sectors, in the agenda shape of
  :mod:`p3pd_lib.agenda` (``jenis_agenda = "rekomendasi_idm"``). Which IDM
  indicator belongs to which sector is data: ``parameters/idm_sektor.csv``.

Composite indices follow Permendesa 2/2016: a dimension is the sum of its
indicator scores over five times their number, IDM is the mean of IKS, IKE
and IKL.

>>> rows = [{"NO": 1, "INDIKATOR": "Skor Akses Posyandu", "SKOR": 2}, {"NO": 2, "INDIKATOR": "Skor PAUD", "SKOR": 4},
...         {"NO": None, "INDIKATOR": "IKS 2024", "SKOR": "0.6"}]
>>> p = parse_rumusan({"mapData": {"SUMMARIES": {"TAHUN": 2024}, "ROW": rows}}, kode_desa="3307032005")
>>> p.rows[["no", "dimensi", "skor"]].values.tolist(), p.findings
([[1, 'IKS', 2], [2, 'IKS', 4]], [])
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from .errors import ParameterError
from .paths import parameter_file
from .schemas import DIMENSI_IDM, IDM_RUMUSAN

#: Actors of a rumusan row, in order, with the label used in ``pelaksana``.
PELAKSANA = (("PUSAT", "Pusat"), ("PROV", "Provinsi"), ("KAB", "Kabupaten"), ("DESA", "Desa"), ("CSR", "CSR"),
             ("LAINNYA", "Lainnya"))
JENIS_AGENDA = "rekomendasi_idm"
#: A subtotal that differs from the recomputed value by more than this is a finding (files round to 4 decimals).
TOLERANSI = 0.0006
SEKTOR_COLUMNS = ("pola", "sektor", "alasan")
_RUMUSAN_COLUMNS = tuple(c.name for c in IDM_RUMUSAN.columns)


def _finding(aturan: str, tingkat: str, pesan: str, *, kolom: str | None = None, nilai: object = None,
             baris: int | None = None, lembar: str | None = None) -> dict[str, Any]:
    return {"lembar": lembar, "baris": baris, "kolom": kolom, "nilai": nilai, "aturan": aturan, "tingkat": tingkat,
            "pesan": pesan}


def _row_finding(aturan: str, tingkat: str, pesan: str, i: int, **kw: Any) -> dict[str, Any]:
    """A finding on the ``i``-th (1-based) entry of a rumusan's ``mapData.ROW``."""
    return _finding(aturan, tingkat, pesan, baris=i, lembar="mapData.ROW", **kw)


def _text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def _number(v: object) -> float | None:
    """A number from a JSON value (number or text with dot or comma decimals); None when empty or unreadable."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    s = str(v).strip().replace(",", ".")
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _show_num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def _id(x: float) -> str:
    """A 0–1 index in Indonesian notation (comma decimals, four places)."""
    return f"{x:.4f}".replace(".", ",")


def kode_desa_dotted(v: object) -> str | None:
    """The dotted desa code of a 10-digit code written in any usual way (``3307032005``, ``33.07.03.2005``).

    >>> kode_desa_dotted("3307032005"), kode_desa_dotted(3307032005.0), kode_desa_dotted("33.07.03.2005"), kode_desa_dotted("x")
    ('33.07.03.2005', '33.07.03.2005', '33.07.03.2005', None)
    """
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    digits = re.sub(r"[.\s]", "", str(v if v is not None else ""))
    if not re.fullmatch(r"\d{10}", digits):
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


# =========================================================================== the rumusan JSON

@dataclass(frozen=True)
class Rumusan:
    """One parsed rumusan: ``rows`` in the ``idm_rumusan`` shape, the summary and the findings (dicts)."""

    kode_desa: str | None
    tahun: int | None
    rows: pd.DataFrame
    ringkasan: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)


def find_map_data(obj: object) -> Mapping[str, Any] | None:
    """The ``{SUMMARIES, ROW, IDENTITAS}`` part of a rumusan response, wherever it is wrapped.

    Accepts the service's ``{"mapData": {...}}``, OpenSID's cache
    (``{"data": {"idm": {...}}}`` and similar) and the bare object.

    >>> find_map_data({"data": {"idm": {"ROW": [], "SUMMARIES": {}}}}) is not None, find_map_data({"a": 1})
    (True, None)
    """
    stack, seen = [obj], 0
    while stack and seen < 200:
        cur = stack.pop(0)
        seen += 1
        if isinstance(cur, Mapping):
            if "ROW" in cur and isinstance(cur.get("ROW"), list):
                return cur
            stack.extend(v for v in cur.values() if isinstance(v, (Mapping, list)))
        elif isinstance(cur, list):
            stack.extend(v for v in cur[:5] if isinstance(v, (Mapping, list)))
    return None


def _subtotal(indikator: str) -> str | None:
    """``IKS``/``IKE``/``IKL``/``IDM``/``STATUS`` for a subtotal row's label, else None."""
    s = indikator.strip().upper()
    if s.startswith("STATUS"):
        return "STATUS"
    m = re.match(r"^(IKS|IKE|IKL|IDM)\b", s)
    return m.group(1) if m else None


def parse_rumusan(obj: object, *, kode_desa: str | None = None, tahun: int | None = None) -> Rumusan:
    """Read one rumusan response (already decoded from JSON) into ``idm_rumusan`` rows and findings.

    ``kode_desa``/``tahun``: used when the response does not say (``IDENTITAS``,
    ``SUMMARIES.TAHUN``); a response that says otherwise is a galat. Findings
    are dicts (``aturan, tingkat, pesan, kolom, nilai, baris``; ``baris`` is the
    1-based position in ``ROW``).
    """
    from .classify import idm_status

    found: list[dict[str, Any]] = []
    data = find_map_data(obj)
    if data is None:
        found.append(_finding("bukan_rumusan_idm", "galat", "Berkas JSON ini bukan rumusan IDM Kemendesa (tidak ada "
                              "bagian mapData.ROW)."))
        return Rumusan(kode_desa, tahun, pd.DataFrame(columns=list(_RUMUSAN_COLUMNS)), {}, found)
    summ = data.get("SUMMARIES") if isinstance(data.get("SUMMARIES"), Mapping) else {}
    ident = data.get("IDENTITAS")
    ident = ident[0] if isinstance(ident, list) and ident and isinstance(ident[0], Mapping) else (
        ident if isinstance(ident, Mapping) else {})
    kode = kode_desa_dotted(ident.get("id_desa")) if ident.get("id_desa") is not None else None
    given = kode_desa_dotted(kode_desa) if kode_desa else None
    if kode and given and kode != given:
        found.append(_finding("kode_tidak_sesuai", "galat", f"Rumusan ini untuk desa {kode}, bukan {given}.",
                              kolom="IDENTITAS.id_desa", nilai=ident.get("id_desa")))
    kode = kode or given
    t = _number(summ.get("TAHUN"))
    t_int = int(t) if t is not None and t.is_integer() else None
    if t_int is not None and tahun is not None and t_int != int(tahun):
        found.append(_finding("tahun_tidak_sesuai", "galat", f"Rumusan ini untuk tahun {t_int}, bukan {tahun}.",
                              kolom="SUMMARIES.TAHUN", nilai=t_int))
    t_int = t_int if t_int is not None else (int(tahun) if tahun is not None else None)
    if kode is None:
        found.append(_finding("desa_tidak_diketahui", "galat", "Kode desa tidak ada pada rumusan (IDENTITAS.id_desa) "
                              "maupun pada nama berkas; sebutkan dengan --desa KODE."))
    if t_int is None:
        found.append(_finding("tahun_tidak_diketahui", "galat", "Tahun tidak ada pada rumusan (SUMMARIES.TAHUN); "
                              "sebutkan dengan --tahun YYYY."))

    records: list[dict[str, Any]] = []
    pending: list[int] = []  # indicator records not yet assigned to a dimension
    subtotals: dict[str, tuple[object, int]] = {}
    last_dim: str | None = None
    for i, r in enumerate(data.get("ROW") or [], start=1):
        if not isinstance(r, Mapping):
            found.append(_row_finding("baris_tidak_sah", "peringatan", "Baris ROW bukan objek; dilewati.", i))
            continue
        label = _text(r.get("INDIKATOR")) or ""
        no = _number(r.get("NO"))
        sub = _subtotal(label) if no is None else None
        if sub is not None:
            subtotals[sub] = (r.get("SKOR"), i)
            if sub in DIMENSI_IDM:
                for k in pending:
                    records[k]["dimensi"] = sub
                pending = []
                last_dim = sub
            continue
        if no is None or not no.is_integer() or not 1 <= no <= 999:
            found.append(_row_finding("baris_tidak_sah", "peringatan",
                                      f"Baris '{label}' tanpa nomor indikator yang sah; dilewati.", i,
                                      kolom="NO", nilai=r.get("NO")))
            continue
        skor = _number(r.get("SKOR"))
        unreadable = skor is None and _text(r.get("SKOR")) is not None
        if unreadable or skor is not None and (not skor.is_integer() or not 0 <= skor <= 5):
            found.append(_row_finding("skor_tidak_sah", "peringatan",
                                      f"Skor indikator {int(no)} ({label}) harus bilangan bulat 0–5; dikosongkan.", i,
                                      kolom="SKOR", nilai=r.get("SKOR")))
            skor = None
        nilai = _number(r.get("NILAI"))
        if nilai is not None and abs(nilai) > 1:
            found.append(_row_finding("angka_tidak_wajar", "peringatan",
                                      f"NILAI indikator {int(no)} ({_show_num(nilai)}) bukan tambahan indeks 0–1; "
                                      "dikosongkan.", i, kolom="NILAI", nilai=r.get("NILAI")))
            nilai = None
        pel = "; ".join(f"{lab}: {_text(r.get(key))}" for key, lab in PELAKSANA if _text(r.get(key)))
        records.append({"kode_desa": kode, "tahun": t_int, "no": int(no), "indikator": label or f"Indikator {int(no)}",
                        "dimensi": None, "skor": None if skor is None else int(skor),
                        "keterangan": _text(r.get("KETERANGAN")), "kegiatan": _text(r.get("KEGIATAN")),
                        "nilai": nilai, "pelaksana": pel or None, "_baris": i})
        pending.append(len(records) - 1)
    if pending and last_dim is not None and len(pending) < len(records):
        # Indicators after the last dimension row: the service closes IKL before IDM; keep them unassigned.
        found.append(_finding("dimensi_tidak_diketahui", "peringatan", f"{len(pending)} indikator tidak diikuti baris "
                              "subtotal IKS/IKE/IKL; dimensinya dikosongkan."))
    if not records and not any(f["tingkat"] == "galat" for f in found):
        found.append(_finding("tidak_ada_data", "galat", "Rumusan tidak memuat satu pun indikator (ROW kosong)."))
    # Duplicates and subtotals in plain Python: a kabupaten folder holds hundreds of these small files.
    kept: dict[int, dict[str, Any]] = {}
    for rec in records:
        if rec["no"] in kept:
            found.append(_row_finding("duplikat", "peringatan",
                                      f"Indikator nomor {rec['no']} muncul lebih dari sekali; yang pertama dipakai.",
                                      rec["_baris"], kolom="NO", nilai=rec["no"]))
        else:
            kept[rec["no"]] = rec
    records = list(kept.values())
    frame = pd.DataFrame({c: [rec[c] for rec in records] for c in _RUMUSAN_COLUMNS})

    # --- subtotals checked against the indicators (never a reason to reject)
    computed: dict[str, float] = {}
    for dim in DIMENSI_IDM:
        scores = [rec["skor"] for rec in records if rec["dimensi"] == dim]
        if scores and all(x is not None for x in scores):
            computed[dim] = sum(scores) / (5 * len(scores))
    if len(computed) == 3:
        computed["IDM"] = sum(computed[d] for d in DIMENSI_IDM) / 3
    for key, (raw, i) in subtotals.items():
        if key == "STATUS":
            continue
        stated = _number(raw)
        if key in computed and stated is not None and abs(stated - computed[key]) > TOLERANSI:
            found.append(_row_finding("subtotal_berbeda", "peringatan",
                                      f"{key} tertulis {_id(stated)}, tetapi dari skor indikatornya "
                                      f"{_id(computed[key])}.", i, kolom="SKOR", nilai=raw))
    skor_ini = _number(summ.get("SKOR_SAAT_INI"))
    idm_value = computed.get("IDM", _number(subtotals.get("IDM", (None, 0))[0]))
    if skor_ini is not None and idm_value is not None and abs(skor_ini - idm_value) > TOLERANSI:
        found.append(_finding("subtotal_berbeda", "peringatan", f"SKOR_SAAT_INI tertulis {_id(skor_ini)}, tetapi IDM dari "
                              f"indikatornya {_id(idm_value)}.", kolom="SUMMARIES.SKOR_SAAT_INI", nilai=skor_ini))
    status_stated = [(_text(summ.get("STATUS")), "SUMMARIES.STATUS", None)]
    if "STATUS" in subtotals:
        status_stated.append((_text(subtotals["STATUS"][0]), "SKOR", subtotals["STATUS"][1]))
    basis = idm_value if idm_value is not None else skor_ini
    if basis is not None:
        expect = idm_status([basis]).iloc[0]
        for stated, kolom, i in status_stated:
            if stated and isinstance(expect, str) and stated.lower().replace(" ", "") != expect.lower().replace(" ", ""):
                pesan = f"Status tertulis '{stated}', tetapi nilai IDM {_id(basis)} berstatus '{expect}'."
                found.append(_row_finding("status_berbeda", "peringatan", pesan, i, kolom=kolom, nilai=stated)
                             if i is not None else _finding("status_berbeda", "peringatan", pesan, kolom=kolom,
                                                            nilai=stated))
    ringkasan = {k: summ.get(k) for k in ("SKOR_SAAT_INI", "STATUS", "TARGET_STATUS", "SKOR_MINIMAL", "PENAMBAHAN",
                                          "TAHUN") if k in summ}
    return Rumusan(kode, t_int, frame, ringkasan, found)


# =========================================================================== the yearly list

_LIST_COLUMNS = {
    "kode_desa": ("kodedesa", "kodedesakel", "kddesa", "kodewilayah", "iddesa", "kodedesakemendagri", "kodebps",
                  "kodedesapum", "kode"),
    "nama_desa": ("desa", "namadesa", "desakelurahan", "namadesakelurahan"),
    "iks": ("iks", "indeksketahanansosial"),
    "ike": ("ike", "indeksketahananekonomi"),
    "ikl": ("ikl", "indeksketahananlingkungan", "indeksketahananekologi"),
    "idm": ("nilaiidm", "idm", "skoridm", "indeksdesamembangun", "nilaiidm20"),
    "status_idm": ("statusidm", "status", "statusdesa"),
    "tahun": ("tahun",),
}


def _norm(v: object) -> str:
    return re.sub(r"(\d{4})$", "", re.sub(r"[^a-z0-9]", "", str(v).lower())) if v is not None else ""


def find_list_header(rows: Sequence[Sequence[object]], max_scan: int = 30) -> tuple[int, dict[int, str]] | None:
    """(header row index, {column index: field}) of an IDM list, or None when this is not one.

    A header row needs a desa code column, IKS, IKE, IKL and the IDM value or
    status; column names are compared without case, spaces, punctuation and a
    trailing year ("NILAI IDM 2024").

    >>> find_list_header([["IDM TAHUN 2024"], [], ["NO", "KODE DESA", "DESA", "IKS 2024", "IKE", "IKL", "NILAI IDM",
    ...                                            "STATUS IDM"]])
    (2, {1: 'kode_desa', 2: 'nama_desa', 3: 'iks', 4: 'ike', 5: 'ikl', 6: 'idm', 7: 'status_idm'})
    """
    def fields(row: Sequence[object]) -> dict[int, str]:
        cmap: dict[int, str] = {}
        for j, v in enumerate(row):
            n = _norm(v)
            for fld, names in _LIST_COLUMNS.items():
                if n in names and fld not in cmap.values():
                    cmap[j] = fld
                    break
        return cmap

    def complete(cmap: dict[int, str]) -> bool:
        have = set(cmap.values())
        return {"kode_desa", "iks", "ike", "ikl"} <= have and bool(have & {"idm", "status_idm"})

    for h, row in enumerate(rows[:max_scan]):
        cmap = fields(row)
        if complete(cmap):
            return h, cmap
        if h and cmap:  # a two-row header ("KODE DESA" merged over two rows, "IKS" under "INDEKS")
            above = rows[h - 1]
            width = max(len(row), len(above))
            both = [row[j] if j < len(row) and row[j] not in (None, "") else (above[j] if j < len(above) else None)
                    for j in range(width)]
            cmap = fields(both)
            if complete(cmap):
                return h, cmap
    return None


def list_year(rows: Sequence[Sequence[object]], header: int) -> int | None:
    """The year written in the title block above ``header`` ("IDM TAHUN 2024 ..."), or None."""
    for row in rows[:header]:
        for v in row:
            m = re.search(r"\b(20[1-3]\d)\b", str(v)) if v is not None else None
            if m:
                return int(m.group(1))
    for v in rows[header] if header < len(rows) else []:
        m = re.search(r"\b(20[1-3]\d)\b", str(v)) if v is not None else None
        if m:
            return int(m.group(1))
    return None


# =========================================================================== recommendations for the agenda

@lru_cache(maxsize=4)
def _sector_map(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype="string", comment="#", keep_default_na=False)
    missing = [c for c in SEKTOR_COLUMNS if c not in df.columns]
    if missing:
        raise ParameterError(f"Berkas '{path}' tidak memuat kolom: {', '.join(missing)}.")
    from .schemas import SEKTOR_LAYANAN

    bad = df[~df["sektor"].isin(SEKTOR_LAYANAN)]
    if len(bad):
        raise ParameterError(f"Berkas '{path}': sektor '{bad['sektor'].iloc[0]}' tidak dikenal; pilih "
                             f"{', '.join(SEKTOR_LAYANAN)}.")
    empty = df[df["pola"].str.strip().eq("") | df["alasan"].str.strip().eq("")]
    if len(empty):
        raise ParameterError(f"Berkas '{path}': setiap baris wajib berisi pola dan alasan.")
    for p in df["pola"]:
        try:
            re.compile(p)
        except re.error as exc:
            raise ParameterError(f"Berkas '{path}': pola '{p}' tidak sah ({exc}).") from None
    return df[list(SEKTOR_COLUMNS)]


def load_sector_map(path: str | Path | None = None) -> pd.DataFrame:
    """Which IDM indicator belongs to which basic-service sector (``parameters/idm_sektor.csv``).

    Columns ``pola`` (a regular expression, case-insensitive, searched in the
    indicator name), ``sektor`` (PEND/KES/AIR/SOS/ADM) and ``alasan``. The first
    matching row wins; indicators matching none are not basic services.
    """
    return _sector_map(str(path or parameter_file("idm_sektor.csv"))).copy()


def indicator_sectors(indikator: pd.Series, sector_map: pd.DataFrame | None = None) -> pd.DataFrame:
    """``sektor`` and ``alasan`` for each IDM indicator name (``<NA>`` when not a basic service).

    >>> indicator_sectors(pd.Series(["Skor Tingkat aktifitas posyandu", "Skor Akses ke listrik"]))["sektor"].tolist()
    ['KES', <NA>]
    """
    m = load_sector_map() if sector_map is None else sector_map
    sektor = pd.Series(pd.NA, index=indikator.index, dtype="string")
    alasan = pd.Series(pd.NA, index=indikator.index, dtype="string")
    names = indikator.astype("string").fillna("")
    for r in m.itertuples(index=False):
        hit = sektor.isna() & names.str.contains(r.pola, case=False, regex=True)
        sektor = sektor.mask(hit, r.sektor)
        alasan = alasan.mask(hit, r.alasan)
    return pd.DataFrame({"sektor": sektor, "alasan": alasan}, index=indikator.index)


def agenda_rows(
    idm_rumusan: pd.DataFrame,
    wilayah: pd.DataFrame,
    tahun: int,
    *,
    skor_maksimum: int = 2,
    sector_map: pd.DataFrame | None = None,
    agenda_params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Recommended activities of weak IDM indicators for the basic-service sectors, as agenda rows.

    ``idm_rumusan``: the table of that name; ``wilayah``: at least
    ``kode_desa, nama_desa``; ``tahun``: the rumusan year. An indicator is weak
    when its ``skor`` is at most ``skor_maksimum`` (scores run 0–5) and it
    belongs to a sector by ``parameters/idm_sektor.csv`` (``sector_map``).
    Returns :data:`p3pd_lib.agenda.AGENDA_COLUMNS` plus ``sumber`` and
    ``alasan_sektor``: ``jenis_agenda = "rekomendasi_idm"``, ``indikator =
    "IDM-<no>"``, ``nilai`` = the score, ``target`` = 5, ``kesenjangan`` = 5 −
    score, ``penanggung_jawab`` = the rumusan's actors, ``keterangan`` = the
    recommended activity (and the rumusan's note), ``sumber`` and
    ``sumber_target`` = "Rumusan IDM Kemendesa <tahun>"; ``prioritas`` and
    ``kuadran`` are left for :func:`p3pd_lib.agenda.agenda_terpadu`
    (``extra_rows``). Inputs are not modified.

    >>> r = pd.DataFrame({"kode_desa": ["33.07.03.2005"] * 2, "tahun": [2024] * 2, "no": [1, 2],
    ...     "indikator": ["Skor Tingkat aktifitas posyandu", "Skor Akses ke listrik"], "dimensi": ["IKS", "IKL"],
    ...     "skor": [1, 1], "keterangan": [None, None], "kegiatan": ["Revitalisasi posyandu", "PLTS"],
    ...     "nilai": [0.003, 0.002], "pelaksana": ["Desa: Pemdes", None]})
    >>> w = pd.DataFrame({"kode_desa": ["33.07.03.2005"], "nama_desa": ["Contoh"]})
    >>> agenda_rows(r, w, 2024)[["indikator", "sektor", "keterangan", "sumber"]].values.tolist()
    [['IDM-1', 'KES', 'Revitalisasi posyandu', 'Rumusan IDM Kemendesa 2024']]
    """
    from .agenda import AGENDA_COLUMNS, load_agenda_parameters

    need = ["kode_desa", "tahun", "no", "indikator", "skor", "kegiatan"]
    missing = [c for c in need if c not in idm_rumusan.columns]
    if missing:
        raise ParameterError(f"Tabel idm_rumusan tidak memuat kolom: {', '.join(missing)}.")
    if isinstance(tahun, bool) or not isinstance(tahun, int):
        raise ParameterError(f"Tahun '{tahun}' tidak sah; isi tahun rumusan IDM, mis. 2024.")
    if not 0 <= skor_maksimum <= 5:
        raise ParameterError("skor_maksimum harus 0–5 (skala skor indikator IDM).")
    p = dict(agenda_params or load_agenda_parameters())
    sumber = f"Rumusan IDM Kemendesa {tahun}"
    weak = (idm_rumusan["tahun"] == tahun) & (idm_rumusan["skor"] <= skor_maksimum)  # missing score: not weak
    df = idm_rumusan[weak.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
    sec = indicator_sectors(df["indikator"], sector_map)
    df = df.assign(sektor=sec["sektor"], alasan_sektor=sec["alasan"])
    df = df[df["sektor"].notna()].reset_index(drop=True)
    names = wilayah.drop_duplicates("kode_desa").set_index("kode_desa")["nama_desa"]
    skor = df["skor"].astype("Float64")
    kegiatan = df["kegiatan"].astype("string")
    ket = df["keterangan"].astype("string") if "keterangan" in df else pd.Series(pd.NA, index=df.index, dtype="string")
    keterangan = kegiatan.where(ket.isna(), kegiatan.fillna("") + " (" + ket + ")").str.strip(" ()")
    pelaksana = df["pelaksana"].astype("string") if "pelaksana" in df else pd.Series(pd.NA, index=df.index,
                                                                                        dtype="string")
    out = pd.DataFrame({
        "prioritas": pd.array([pd.NA] * len(df), dtype="Int64"),
        "kode_desa": df["kode_desa"].astype("string"),
        "nama_desa": df["kode_desa"].map(names).astype("string"),
        "tahun": df["tahun"].astype("Int64"),
        "jenis_agenda": JENIS_AGENDA,
        "sektor": df["sektor"].astype("string"),
        "indikator": ("IDM-" + df["no"].astype("Int64").astype("string")).astype("string"),
        "nama_indikator": df["indikator"].astype("string"),
        "nilai": skor,
        "target": pd.array([5.0] * len(df), dtype="Float64"),
        "sumber_target": sumber,
        "kesenjangan": (5 - skor).astype("Float64"),
        "kuadran": pd.array([pd.NA] * len(df), dtype="string"),
        "penanggung_jawab": pelaksana.fillna(df["sektor"].map(p["penanggung_jawab"]).astype("string")),
        "sub_bidang_apbdes": df["sektor"].map(p["sub_bidang_apbdes"]).astype("string"),
        "keterangan": keterangan.astype("string"),
        "sumber": sumber,
        "alasan_sektor": df["alasan_sektor"].astype("string"),
    })
    out = out.astype({"jenis_agenda": "string", "sumber_target": "string", "sumber": "string"})
    out = out.sort_values(["kode_desa", "kesenjangan", "indikator"], ascending=[True, False, True], kind="stable")
    return out[[*AGENDA_COLUMNS, "sumber", "alasan_sektor"]].reset_index(drop=True)
