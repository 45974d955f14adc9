"""Which official village a Siskeudes ``Kd_Desa`` is: code first, then name, else the user decides.

In a kabupaten's Siskeudes database ``Kd_Desa`` ``KK.DDDD.`` is normally the
Kemendagri kecamatan number and desa suffix inside the kabupaten (``03.2005.``
in kabupaten 33.07 is 33.07.03.2005). :func:`match_kd_desa` takes that code when
it is in the official list and the Siskeudes name agrees with the official one
after the usual prefixes and spellings are normalised (:func:`desa_key`);
otherwise it matches the name inside the kecamatan. A match it is not sure of
goes into the correctable mapping file with its candidates (``cara = periksa``)
and that village's lines wait until the user has corrected the file; the rest
of the export is imported.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .siskeudes import MAPPING_COLUMNS, finding

_PREFIX = re.compile(
    r"^(?:pemerintah(?:an)?\s+)?(?:desa\s+adat|desa|ds|kelurahan|kel|kampung|kampong|kampuang|gampong|gampoeng|"
    r"nagari|pekon|lembang|negeri|kalurahan)\b\.?\s*")
_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("ch", "kh"), ("j", "y"))


def desa_key(name: object) -> str:
    """A village name reduced for comparison: prefixes, old spellings, case, spaces and hyphens removed.

    >>> desa_key("PEMERINTAH DESA SUMBER-SARI"), desa_key("Kampung Soember Sari"), desa_key("Gampong Djati")
    ('sumbersari', 'sumbersari', 'yati')
    >>> desa_key("Nagari Koto Baru") == desa_key("KOTO BARU")
    True
    """
    t = re.sub(r"[^a-z0-9 ]+", " ", str(name or "").lower())
    t = re.sub(r"\s+", " ", t).strip()
    for _ in range(2):  # "PEMERINTAH DESA DESA X" happens
        t = _PREFIX.sub("", t)
    t = t.replace(" ", "")
    for old, new in _OLD_SPELLING:
        t = t.replace(old, new)
    return t


def _score(a: object, b: object) -> float:
    from rapidfuzz import fuzz

    ka, kb = desa_key(a), desa_key(b)
    return 100.0 if ka == kb else round(float(fuzz.ratio(ka, kb)), 1)


def kabupaten_from_pemda(ta_pemda: pd.DataFrame | None) -> str | None:
    """The official kabupaten code a database belongs to, from ``Ta_Pemda`` (``None`` when not sure).

    The code (``Kd_Prov``, ``Kd_Kab``) is used only when it is official and its
    name appears in ``Nama_Pemda``.
    """
    from . import wilayah
    from .siskeudes import pick_column

    if ta_pemda is None or not len(ta_pemda):
        return None
    c_prov, c_kab, c_nama = (pick_column(ta_pemda, n) for n in ("kdprov", "kdkab", "namapemda"))
    if c_kab is None or c_nama is None:
        return None
    for _, r in ta_pemda.iterrows():
        kab = re.sub(r"\D", "", str(r[c_kab]))
        prov = re.sub(r"\D", "", str(r[c_prov])) if c_prov else ""
        if len(kab) >= 4:
            prov, kab = kab[:2], kab[2:4]
        if len(prov) != 2 or not kab:
            continue
        code = f"{prov}.{int(kab):02d}"
        if not wilayah.is_official(code):
            continue
        official = re.sub(r"(?i)^(kabupaten|kota)\s+", "", wilayah.name(code))
        if desa_key(official) and desa_key(official) in desa_key(r[c_nama]):
            return code
    return None


def _official_from_code(kd: str, kabupaten: str | None) -> str | None:
    """``03.2005.`` in kabupaten 33.07 → ``33.07.03.2005`` when that code is official."""
    from . import wilayah

    m = re.fullmatch(r"\s*(\d{1,2})\.(\d{4})\.?\s*", kd)
    if m is None or kabupaten is None:
        return None
    code = f"{kabupaten}.{int(m.group(1)):02d}.{m.group(2)}"
    return code if wilayah.is_official(code) else None


def match_kd_desa(
    ref_desa: pd.DataFrame,
    mapping: pd.DataFrame,
    *,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    ref_kecamatan: pd.DataFrame | None = None,
    min_score: float = 90.0,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Map local Siskeudes ``Kd_Desa`` codes to official codes.

    ``ref_desa`` has ``kd_desa`` and ``nama_desa`` (and optionally ``kd_kec``
    and ``baris``, the row in Ref_Desa); ``mapping`` is the saved mapping
    (:data:`~p3pd_lib.siskeudes.MAPPING_COLUMNS`), whose rows win unless they
    still read ``cara = periksa``. ``kabupaten`` (or the kabupaten of
    ``kecamatan``) turns ``Kd_Desa`` into an official code. Returns (one mapping
    row per ``kd_desa``: ``cara`` ``kode``/``otomatis``/``manual`` rows are used,
    ``periksa`` rows are not; findings).
    """
    from . import wilayah

    findings: list[dict[str, Any]] = []
    saved_by_pair = {(str(r.kd_desa).strip(), desa_key(r.nama_desa_siskeudes)): r for r in mapping.itertuples()}
    saved_by_code: dict[str, list] = {}
    for r in mapping.itertuples():
        saved_by_code.setdefault(str(r.kd_desa).strip(), []).append(r)
    kab = kabupaten or (kecamatan[:5] if kecamatan else None)
    kec_names: dict[str, str] = {}
    if ref_kecamatan is not None:
        kec_names = {str(k).strip().rstrip("."): str(n).strip()
                     for k, n in zip(ref_kecamatan["kd_kec"], ref_kecamatan["nama_kecamatan"])}
    kec_found: dict[str, str | None] = {}
    out: list[dict[str, Any]] = []
    for r in ref_desa.itertuples():
        kd = str(r.kd_desa).strip()
        nama = str(r.nama_desa).strip() if isinstance(r.nama_desa, str) else ""
        baris = getattr(r, "baris", None)
        baris = None if baris is None or pd.isna(baris) else int(baris)
        hit = saved_by_pair.get((kd, desa_key(nama)))
        if hit is None and len(saved_by_code.get(kd, [])) == 1 and not nama:
            hit = saved_by_code[kd][0]
        if hit is not None:
            row = {c: getattr(hit, c, None) for c in MAPPING_COLUMNS}
            out.append(row)
            if str(row["cara"]).strip().lower() == "periksa":
                findings.append(finding("Ref_Desa", baris, "Kd_Desa", kd, "pemetaan_perlu_diperiksa", "peringatan",
                                        f"Kd_Desa '{kd}' ({nama or 'tanpa nama'}) masih bertanda 'periksa' di berkas "
                                        "pemetaan; datanya belum diimpor. Isi kode_desa yang benar dan ubah cara "
                                        "menjadi 'manual'."))
            continue
        if kab is None:
            findings.append(finding("Ref_Desa", baris, "Kd_Desa", kd, "pemetaan_kd_desa", "galat",
                                    f"Kd_Desa '{kd}' ({nama or 'tanpa nama'}) belum dipetakan. Sebutkan kecamatan atau "
                                    "kabupatennya (--kecamatan KODE atau --kabupaten KODE) agar kode dan nama desa "
                                    "dapat dicocokkan."))
            continue
        code = _official_from_code(kd, kab)
        if code is not None and (not nama or _score(nama, wilayah.name(code)) >= min_score):
            out.append({"kd_desa": kd, "nama_desa_siskeudes": nama or None, "kode_desa": code,
                        "nama_desa": wilayah.name(code), "cara": "kode",
                        "skor": _score(nama, wilayah.name(code)) if nama else None, "kandidat": None})
            continue
        # Name matching inside the kecamatan (from the code, else from Ref_Kecamatan's name).
        kk = str(getattr(r, "kd_kec", "") or "").strip().rstrip(".") or kd.split(".")[0]
        dalam = None
        if kk.isdigit() and wilayah.is_official(f"{kab}.{int(kk):02d}"):
            dalam = f"{kab}.{int(kk):02d}"
            if kk in kec_names and _score(kec_names[kk], wilayah.name(dalam)) < min_score:
                dalam = None
        dalam = dalam or kecamatan
        if dalam is None and kk in kec_names:
            if kk not in kec_found:
                kec_found[kk] = wilayah.match(kec_names[kk], "kecamatan", dalam=kab)
            dalam = kec_found[kk]
        dalam = dalam or kab
        cands = (wilayah.search(re.sub(r"(?i)^pemerintah\s+", "", nama), "desa", dalam=dalam, limit=3, min_score=0)
                 if nama else pd.DataFrame(columns=["kode", "nama"]))
        scored = sorted(((_score(nama, n), c, n) for c, n in zip(cands["kode"], cands["nama"])), reverse=True)
        if code is not None and all(c != code for _, c, _ in scored):
            scored.append((_score(nama, wilayah.name(code)), code, wilayah.name(code)))
        best = scored[0] if scored else None
        sure = best is not None and best[0] >= min_score and (len(scored) < 2 or scored[1][0] < best[0])
        if sure:
            out.append({"kd_desa": kd, "nama_desa_siskeudes": nama, "kode_desa": best[1], "nama_desa": best[2],
                        "cara": "otomatis", "skor": best[0], "kandidat": None})
            continue
        kandidat = "; ".join(f"{c} {n} (skor {s:.0f})" for s, c, n in scored) or None
        out.append({"kd_desa": kd, "nama_desa_siskeudes": nama or None, "kode_desa": best[1] if best else None,
                    "nama_desa": best[2] if best else None, "cara": "periksa", "skor": best[0] if best else None,
                    "kandidat": kandidat})
        findings.append(finding("Ref_Desa", baris, "Nama_Desa", nama or kd, "pemetaan_perlu_diperiksa", "peringatan",
                                f"Desa '{nama or kd}' (Kd_Desa {kd}) belum pasti cocok dengan desa resmi di "
                                f"{wilayah.name(dalam)} ({dalam}). Kandidat: {kandidat or 'tidak ada'}. Datanya belum "
                                "diimpor; periksa berkas pemetaan (pemetaan_kd_desa.csv), isi kode_desa yang benar, "
                                "ubah cara menjadi 'manual', lalu impor ulang."))
    return pd.DataFrame(out, columns=list(MAPPING_COLUMNS)), findings
