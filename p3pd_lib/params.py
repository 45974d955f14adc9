"""Parameters of the report notebooks: declared once, validated by the kit.

papermill injects whatever it is given and only warns about names the
notebook does not know. The report notebooks therefore validate their own
parameters: the names defined by the ``parameters`` cell (and by papermill's
injected cell after it) are collected from the notebook namespace and checked
against a pydantic model here. An unknown name, a badly formed code or a wrong
type stops the notebook with one Indonesian message (:class:`ParameterError`).

>>> p = validate_parameters(KecamatanReportParams, {"kode_kecamatan": "33.07.01"})
>>> p.kode_kecamatan, p.tahun
('33.07.01', None)
>>> validate_parameters(KecamatanReportParams, {"kode_kecamatan": "33.07"})
Traceback (most recent call last):
...
p3pd_lib.errors.ParameterError: Parameter laporan tidak valid: kode_kecamatan: '33.07' bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01; ini kode kabupaten).
"""

from __future__ import annotations

import re
import types
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import ParameterError

_KODE_KECAMATAN = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
_KODE_KABUPATEN = re.compile(r"^\d{2}\.\d{2}$")
_LEVEL_NAMES = {0: "kode provinsi", 1: "kode kabupaten/kota", 2: "kode kecamatan", 3: "kode desa/kelurahan"}

#: Namespace entries that are never parameters (IPython's own names).
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


def _level_hint(kode: str) -> str:
    """'; ini kode kabupaten' when a well-formed code of another level was given."""
    if re.fullmatch(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?", kode):
        level = kode.count(".")
        return f"; ini {_LEVEL_NAMES[level].replace('kode kabupaten/kota', 'kode kabupaten')}"
    return ""


def _check_tahun(v: int | None) -> int | None:
    if v is not None and not 2000 <= v <= 2100:
        raise ValueError(f"tahun {v} di luar rentang yang masuk akal (2000–2100)")
    return v


class _ReportParams(BaseModel):
    """Fields shared by every report notebook."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    #: Fiscal year; ``None`` = the latest year with data.
    tahun: int | None = None
    #: Data folder (holding ``processed/``); ``""`` = the project's ``data/`` or ``P3PD_DATA_DIR``.
    data_dir: str = ""
    #: Indicator catalogue (targets and their sources); ``""`` = ``parameters/indikator.yaml``.
    file_indikator: str = ""

    @field_validator("tahun")
    @classmethod
    def _tahun(cls, v: int | None) -> int | None:
        return _check_tahun(v)


class KecamatanReportParams(_ReportParams):
    """Parameters of ``notebooks/laporan_kecamatan.ipynb`` (same names as its parameters cell)."""

    #: Kemendagri code of the kecamatan, ``PP.KK.CC``.
    kode_kecamatan: str
    #: Quadrant split of the service gap (0–1); ``None`` = median of the kecamatan's desa.
    pembagi_kesenjangan: float | None = None
    #: Quadrant split of the basic-service spending share (%); ``None`` = median of the desa.
    pembagi_belanja: float | None = None
    #: When not empty, the kecamatan's Excel workbook is written to this path.
    file_excel: str = ""

    @field_validator("pembagi_kesenjangan")
    @classmethod
    def _px(cls, v: float | None) -> float | None:
        if v is not None and not 0 <= v <= 1:
            raise ValueError(f"{v} di luar rentang 0–1")
        return v

    @field_validator("pembagi_belanja")
    @classmethod
    def _py(cls, v: float | None) -> float | None:
        if v is not None and not 0 <= v <= 100:
            raise ValueError(f"{v} di luar rentang 0–100 (persen)")
        return v

    @field_validator("kode_kecamatan")
    @classmethod
    def _kode(cls, v: str) -> str:
        v = v.strip()
        if not _KODE_KECAMATAN.fullmatch(v):
            raise ValueError(f"'{v}' bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01{_level_hint(v)})")
        return v


class KabupatenReportParams(_ReportParams):
    """Parameters of ``notebooks/laporan_kabupaten.ipynb`` (same names as its parameters cell)."""

    #: Kemendagri code of the kabupaten/kota, ``PP.KK``.
    kode_kabupaten: str
    #: Link from each kecamatan row to its report: ``{kode}`` is replaced by the kecamatan code;
    #: ``""`` = no links.
    pola_tautan: str = ""

    @field_validator("kode_kabupaten")
    @classmethod
    def _kode(cls, v: str) -> str:
        v = v.strip()
        if not _KODE_KABUPATEN.fullmatch(v):
            raise ValueError(f"'{v}' bukan kode kabupaten/kota (format PP.KK, mis. 33.07{_level_hint(v)})")
        return v


_TYPE_WORDS = {
    "int_parsing": "harus bilangan bulat",
    "int_type": "harus bilangan bulat",
    "int_from_float": "harus bilangan bulat",
    "string_type": "harus teks",
    "bool_type": "harus benar/salah (True/False)",
    "bool_parsing": "harus benar/salah (True/False)",
    "float_parsing": "harus angka",
    "float_type": "harus angka",
}


def _message(error: Mapping[str, Any]) -> str:
    """One Indonesian line for one pydantic error."""
    field = ".".join(str(p) for p in error.get("loc", ())) or "parameter"
    kind = error.get("type", "")
    if kind == "missing":
        return f"{field}: wajib diisi"
    if kind == "extra_forbidden":
        return f"{field}: parameter tidak dikenal"
    if kind in _TYPE_WORDS:
        return f"{field}: {_TYPE_WORDS[kind]} (diberikan {error.get('input')!r})"
    if kind == "value_error":
        ctx = error.get("ctx") or {}
        return f"{field}: {ctx.get('error', error.get('msg', ''))}"
    return f"{field}: nilai {error.get('input')!r} tidak valid"


def validate_parameters(model: type[BaseModel], values: Mapping[str, Any]) -> Any:
    """Validate a mapping of parameters against ``model``; Indonesian errors.

    Unknown names are refused with the list of the names the notebook knows.

    >>> validate_parameters(KecamatanReportParams, {"kode_kecamatan": "33.07.01", "warna": 1})
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Parameter tidak dikenal: warna. Parameter yang tersedia: kode_kecamatan, tahun, data_dir, file_indikator, pembagi_kesenjangan, pembagi_belanja, file_excel.
    """
    fields = list(model.model_fields)
    ordered = sorted(fields, key=lambda f: (f not in ("kode_kecamatan", "kode_kabupaten"), fields.index(f)))
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ParameterError(
            f"Parameter tidak dikenal: {', '.join(unknown)}. Parameter yang tersedia: {', '.join(ordered)}."
        )
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        lines = [_message(e) for e in exc.errors()]
        raise ParameterError("Parameter laporan tidak valid: " + "; ".join(lines) + ".") from None


def _is_code(value: Any) -> bool:
    return isinstance(value, (types.ModuleType, type)) or callable(value)


def from_namespace(model: type[BaseModel], namespace: Mapping[str, Any], before: Iterable[str]) -> Any:
    """Validate the parameters a notebook defined, taken from its namespace.

    ``before`` is the set of names that existed before the ``parameters`` cell;
    every public name added since (by the parameters cell or by papermill's
    injected cell) is a parameter, so a name papermill injected that the model
    does not know is caught here. Modules, classes and functions (imports in
    the validating cell itself) are never parameters: parameters are literals.

    >>> ns = {"In": [], "kode_kecamatan": "33.07.02", "tahun": 2024, "_i3": "x", "re": re}
    >>> from_namespace(KecamatanReportParams, ns, before={"In"}).tahun
    2024
    """
    seen = set(before)
    names = [
        n for n in namespace
        if n not in seen and not n.startswith("_") and n not in _IPYTHON_NAMES and not _is_code(namespace[n])
    ]
    return validate_parameters(model, {n: namespace[n] for n in names})


def _distinct_text(values: Iterable[Any]) -> set[str]:
    """The distinct values as text; a pandas column is reduced to its distinct values first.

    (The ``kode_kecamatan`` column of a whole store has tens of thousands of rows and
    a few thousand codes: turning every row into a Python string cost more than the check.)
    """
    unique = getattr(values, "unique", None)
    return {str(k) for k in (unique() if callable(unique) else values)}


def check_kecamatan_in(kode_kecamatan: str, wilayah_kode_kecamatan: Iterable[str]) -> None:
    """Refuse a well-formed kecamatan code that is not in the data (Indonesian message).

    >>> check_kecamatan_in("33.07.01", ["33.07.01", "33.07.02"])
    >>> check_kecamatan_in("33.07.99", ["33.07.01", "33.07.02"])
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Kecamatan 33.07.99 tidak ada dalam data. Kecamatan kabupaten 33.07 yang tersedia: 33.07.01, 33.07.02.
    """
    known = sorted(_distinct_text(wilayah_kode_kecamatan))
    if kode_kecamatan in known:
        return
    kab = kode_kecamatan[:5]
    same_kab = [k for k in known if k.startswith(kab + ".")]
    if same_kab:
        shown = ", ".join(same_kab[:40]) + (" …" if len(same_kab) > 40 else "")
        hint = f" Kecamatan kabupaten {kab} yang tersedia: {shown}."
    else:
        kabs = sorted({k[:5] for k in known})
        hint = f" Data memuat kabupaten: {', '.join(kabs[:30])}{' …' if len(kabs) > 30 else ''}." if kabs else " Data kosong."
    raise ParameterError(f"Kecamatan {kode_kecamatan} tidak ada dalam data.{hint}")


def check_kabupaten_in(kode_kabupaten: str, wilayah_kode_kabupaten: Iterable[str]) -> None:
    """Refuse a well-formed kabupaten code that is not in the data (Indonesian message).

    >>> check_kabupaten_in("33.99", ["33.07"])
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Kabupaten/kota 33.99 tidak ada dalam data. Data memuat: 33.07.
    """
    known = sorted(_distinct_text(wilayah_kode_kabupaten))
    if kode_kabupaten not in known:
        shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
        raise ParameterError(f"Kabupaten/kota {kode_kabupaten} tidak ada dalam data. Data memuat: {shown or '-'}.")
