"""Finding a kecamatan by part of its name, and the page address that follows the selection.

- :func:`match_kecamatan`: what the search box picks when Enter is pressed on a partial text
  (the first kecamatan, in the list's order, whose name or code contains it);
- :func:`address_output`: an output for an ``ipywidgets.Output`` that rewrites the browser's
  address (``?kecamatan=…&tahun=…``, read back by :func:`~p3pd_lib.dashboard.query.parse_query`)
  with the browser's ``history.replaceState``: the page can be bookmarked or shared, and
  nothing is reloaded.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

PESAN_TIDAK_COCOK = ("Tidak ada kecamatan yang nama atau kodenya memuat '{teks}'. Ketik sebagian nama kecamatan "
                     "(misalnya '{contoh}') lalu tekan Enter; tampilan sebelumnya tetap ditampilkan.")
_KODE_KEC = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}")


def _norm(text: Any) -> str:
    return " ".join(str(text or "").casefold().split())


def match_kecamatan(text: Any, pilihan: Mapping[str, str]) -> str | None:
    """The code of the kecamatan ``text`` asks for, or ``None`` when nothing matches.

    ``pilihan`` maps each label of the list (``"33.07.01 – Wadaslintang"``) to its code, in
    the list's order. An exact label or code wins; otherwise the first label containing
    ``text`` (case and spaces ignored), so Enter on a partial name picks the first suggestion.

    >>> p = {"33.07.01 – Wadaslintang": "33.07.01", "33.07.02 – Kepil": "33.07.02", "33.07.03 – Sapuran": "33.07.03"}
    >>> match_kecamatan("kepil", p), match_kecamatan("  SAP ", p), match_kecamatan("33.07.01", p)
    ('33.07.02', '33.07.03', '33.07.01')
    >>> match_kecamatan("a", p), match_kecamatan("Semarang", p), match_kecamatan("", p)
    ('33.07.01', None, None)
    """
    want = _norm(text)
    if not want:
        return None
    for label, kode in pilihan.items():
        if want in (_norm(label), _norm(kode)):
            return kode
    return next((kode for label, kode in pilihan.items() if want in _norm(label)), None)


def no_match_message(text: Any, pilihan: Mapping[str, str]) -> str:
    """The Indonesian message for a search that matches no kecamatan (the text quoted, shortened).

    >>> no_match_message("Semarang", {"33.07.02 – Kepil": "33.07.02"})[:52]
    "Tidak ada kecamatan yang nama atau kodenya memuat 'S"
    """
    contoh = next(iter(pilihan), "– Wadaslintang").split("–")[-1].strip()[:4] or "Wado"
    return PESAN_TIDAK_COCOK.format(teks=str(text).strip()[:40], contoh=contoh)


def address_script(kode_kecamatan: str, tahun: int) -> str:
    """JavaScript that puts ``kecamatan`` and ``tahun`` into the page's address without reloading it.

    Only a kecamatan code and a year are ever written (anything else raises ``ValueError``).

    >>> "replaceState" in address_script("33.07.01", 2024)
    True
    >>> address_script("<script>", 2024)
    Traceback (most recent call last):
    ...
    ValueError: bukan kode kecamatan: '<script>'
    """
    if not _KODE_KEC.fullmatch(str(kode_kecamatan)):
        raise ValueError(f"bukan kode kecamatan: {kode_kecamatan!r}")
    params = json.dumps({"kecamatan": str(kode_kecamatan), "tahun": str(int(tahun))})
    return ("(function () { var u = new URL(window.location.href), p = " + params + ";"
            " Object.keys(p).forEach(function (k) { u.searchParams.set(k, p[k]); });"
            " if (u.href !== window.location.href) { window.history.replaceState(window.history.state, '', u.href); } })();")


def address_output(kode_kecamatan: str, tahun: int) -> dict[str, Any]:
    """:func:`address_script` as an output of an ``ipywidgets.Output`` (run once by the page when shown)."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/javascript": address_script(kode_kecamatan, tahun), "text/plain": ""}}
