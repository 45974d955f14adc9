"""The workshop notebooks' parameters, validated with Indonesian messages."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import ParameterError


# --------------------------------------------------------------------------- parameters

_KODE_KECAMATAN = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
_LEVEL_WORD = {0: "kode provinsi", 1: "kode kabupaten/kota", 2: "kode kecamatan", 3: "kode desa/kelurahan"}


class WorkshopParams(BaseModel):
    """The parameters of every workshop notebook (same names as their ``parameters`` cell)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Kemendagri code of the kecamatan, ``PP.KK.CC``.
    kode_kecamatan: str = "33.07.01"
    #: Fiscal year discussed.
    tahun: int = 2024
    #: Data folder (holding ``processed/``); ``None`` = the project's ``data/`` or ``P3PD_DATA_DIR``.
    data_dir: str | None = None
    #: Answer mode: unanswered exercises are filled with the expected answer (trainer copy, tests).
    mode_jawaban: bool = False

    @field_validator("kode_kecamatan")
    @classmethod
    def _kode(cls, v: str) -> str:
        v = v.strip()
        if not _KODE_KECAMATAN.fullmatch(v):
            hint = ""
            if re.fullmatch(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?", v):
                hint = f"; yang diberikan adalah {_LEVEL_WORD[v.count('.')]}"
            raise ValueError(f"'{v}' bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01{hint})")
        return v

    @field_validator("tahun")
    @classmethod
    def _tahun(cls, v: int) -> int:
        if not 2000 <= v <= 2100:
            raise ValueError(f"tahun {v} di luar rentang yang masuk akal (2000–2100)")
        return v


_TYPE_WORDS = {
    "int_parsing": "harus bilangan bulat", "int_type": "harus bilangan bulat", "int_from_float": "harus bilangan bulat",
    "string_type": "harus teks", "bool_type": "harus True atau False", "bool_parsing": "harus True atau False",
}


def check_parameters(**values: Any) -> WorkshopParams:
    """Validate a workshop notebook's parameters; :class:`ParameterError` in Indonesian.

    >>> check_parameters(kode_kecamatan="33.07", tahun=2024)
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Parameter notebook pelatihan tidak valid: kode_kecamatan: '33.07' bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01; yang diberikan adalah kode kabupaten/kota).
    >>> check_parameters(kode_kecamatan="33.07.01", warna="merah")
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Parameter tidak dikenal: warna. Parameter yang tersedia: kode_kecamatan, tahun, data_dir, mode_jawaban.
    """
    fields_ = list(WorkshopParams.model_fields)
    unknown = sorted(set(values) - set(fields_))
    if unknown:
        raise ParameterError(f"Parameter tidak dikenal: {', '.join(unknown)}. Parameter yang tersedia: {', '.join(fields_)}.")
    values = dict(values)
    if values.get("data_dir") == "":
        values["data_dir"] = None
    try:
        return WorkshopParams.model_validate(values)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            name = ".".join(str(p) for p in e.get("loc", ())) or "parameter"
            kind = e.get("type", "")
            if kind in _TYPE_WORDS:
                lines.append(f"{name}: {_TYPE_WORDS[kind]} (diberikan {e.get('input')!r})")
            elif kind == "value_error":
                lines.append(f"{name}: {(e.get('ctx') or {}).get('error', e.get('msg', ''))}")
            else:
                lines.append(f"{name}: nilai {e.get('input')!r} tidak valid")
        raise ParameterError("Parameter notebook pelatihan tidak valid: " + "; ".join(lines) + ".") from None
