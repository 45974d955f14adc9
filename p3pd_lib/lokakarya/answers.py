"""Self-checking exercises: the exercise record, number parsing and answer checking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from ..errors import ParameterError


# --------------------------------------------------------------------------- exercises


@dataclass(frozen=True)
class Exercise:
    """One exercise with its expected answer (computed from the data, never typed in).

    ``jenis``: ``angka`` (a number; accepted within ``toleransi``), ``teks``
    (one of ``jawaban`` and ``alternatif``, case and spacing ignored) or
    ``himpunan`` (a set of codes or years; order ignored). ``jebakan`` maps a
    typical wrong answer to a specific hint (e.g. the mean of village
    percentages). ``desimal``: decimals shown in the answer key.
    """

    id: str
    notebook: str
    pertanyaan: str
    jenis: str
    jawaban: Any
    petunjuk: str = ""
    toleransi: float = 0.0
    alternatif: tuple[str, ...] = ()
    jebakan: tuple[tuple[float, str], ...] = ()
    desimal: int = 0

    def __post_init__(self) -> None:
        if self.jenis not in ("angka", "teks", "himpunan"):
            raise ParameterError(f"Jenis latihan '{self.jenis}' tidak dikenal (angka, teks, himpunan).")

    def jawaban_teks(self) -> str:
        """The expected answer as shown in the trainer guide (Indonesian number format).

        >>> Exercise("a", "02", "?", "angka", 18.1356, desimal=1).jawaban_teks()
        '18,1'
        >>> Exercise("b", "04", "?", "himpunan", {2024, 2023}).jawaban_teks()
        '2023, 2024'
        """
        if self.jenis == "angka":
            return fmt_number(self.jawaban, self.desimal)
        if self.jenis == "himpunan":
            items = sorted(str(x) for x in self.jawaban)
            return ", ".join(items) if items else "(tidak ada)"
        return str(self.jawaban)


def fmt_number(v: Any, desimal: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "(tidak ada data)"
    s = f"{float(v):,.{desimal}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


@dataclass(frozen=True)
class Feedback:
    """The self-check's answer: ``benar`` True ("Benar"), False (a hint) or None (not answered)."""

    benar: bool | None
    pesan: str

    def __str__(self) -> str:
        return self.pesan

    def __repr__(self) -> str:
        return self.pesan

    def _repr_html_(self) -> str:
        import html

        colour = {True: "#2e7d32", False: "#c62828", None: "#616161"}[self.benar]
        return (f'<div style="border-left:5px solid {colour};padding:6px 10px;margin:4px 0;'
                f'background:#fafafa">{html.escape(self.pesan)}</div>')


def parse_number(value: Any) -> float | None:
    """A participant's number: ``18.1``, ``"18,1"``, ``"18,1 %"``, ``"18,1 persen"`` → 18.1;
    ``None`` if unreadable.

    >>> parse_number("18,1 %"), parse_number("18%"), parse_number("18,0"), parse_number(12), parse_number("dua")
    (18.1, 18.0, 18.0, 12.0, None)
    >>> parse_number("Rp 1.250.000"), parse_number("18 persen"), parse_number("± 18,5")
    (1250000.0, 18.0, 18.5)
    """
    from ..numbers import parse_value

    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = re.sub(r"%|\bpersen\b|\bpoin\b|\bjiwa\b|\bdesa\b|^\s*(?:±|\+/-|kira-kira|sekitar)", "", str(value),
                  flags=re.IGNORECASE).strip()
    try:
        out = parse_value(text, "decimal")
    except ValueError:
        return None
    return None if out is None else float(out)


def _norm_text(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


_NOTHING = {"tidak ada", "-", "kosong", "(tidak ada)"}
_JOINERS = re.compile(r"(?:[,;/&+\s]|\b(?:dan|serta|atau|and)\b)+", re.IGNORECASE)


def _as_items(value: Any) -> set[str]:
    if isinstance(value, str) and _norm_text(value) in _NOTHING:
        return set()
    if isinstance(value, str):
        # "2023 dan 2024", "2023, 2024", "2023 & 2024", "2023/2024": the words and signs that join items
        parts = [p for p in _JOINERS.split(value) if p]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        parts = [value]
    if len(parts) == 1 and _norm_text(parts[0]) in _NOTHING:
        return set()
    return {_norm_text(p) for p in parts}


def check_answer(exercise: Exercise, jawaban: Any, mode_jawaban: bool = False) -> Feedback:
    """Check a participant's answer: "Benar ✔" or a hint (Indonesian).

    ``jawaban`` ``None`` means not answered yet; with ``mode_jawaban`` the
    expected answer is filled in instead (the trainer's copy).

    >>> ex = Exercise("02.1", "02", "?", "angka", 18.1356, "Ingat Σ/Σ.", 0.051, jebakan=((17.8, "Itu rata-rata."),), desimal=1)
    >>> check_answer(ex, "18,1").pesan
    'Benar ✔ Latihan 02.1: 18,1.'
    >>> check_answer(ex, 17.8).pesan
    'Belum tepat ✘ Latihan 02.1: Itu rata-rata.'
    >>> check_answer(ex, None).benar is None
    True
    """
    if jawaban is None or jawaban is Ellipsis:
        if not mode_jawaban:
            return Feedback(None, f"Latihan {exercise.id} belum dijawab: ganti None dengan jawaban Anda, "
                                  f"lalu jalankan sel ini lagi. Petunjuk: {exercise.petunjuk}")
        return Feedback(True, f"Benar ✔ Latihan {exercise.id} (mode jawaban, kunci diisikan): {exercise.jawaban_teks()}.")
    ok = False
    hint = exercise.petunjuk
    if exercise.jenis == "angka":
        x = parse_number(jawaban)
        key = exercise.jawaban
        if x is None:
            hint = "Jawaban harus berupa angka, mis. 12,5. " + exercise.petunjuk
        elif key is None or (isinstance(key, float) and np.isnan(key)):
            ok = False
        else:
            ok = abs(x - float(key)) <= exercise.toleransi + 1e-9
            if not ok:
                for wrong, why in exercise.jebakan:
                    if abs(x - wrong) <= max(exercise.toleransi, 0.051):
                        hint = why
                        break
                else:
                    if abs(x - float(key) * 100) <= max(exercise.toleransi * 100, 0.5) or \
                            abs(x * 100 - float(key)) <= max(exercise.toleransi, 0.051):
                        hint = "Periksa satuannya: nilai dalam persen (0–100), bukan pecahan (0–1). " + exercise.petunjuk
    elif exercise.jenis == "teks":
        accepted = {_norm_text(exercise.jawaban), *(_norm_text(a) for a in exercise.alternatif)}
        ok = _norm_text(jawaban) in accepted
    else:
        got = _as_items(jawaban)
        want = {_norm_text(x) for x in exercise.jawaban}
        ok = got == want
        if not ok and got and got < want:
            hint = f"Sebagian benar, tetapi masih ada yang terlewat ({len(want) - len(got)} lagi). " + exercise.petunjuk
        elif not ok and got > want:
            hint = "Ada jawaban yang berlebih. " + exercise.petunjuk
    if ok:
        return Feedback(True, f"Benar ✔ Latihan {exercise.id}: {exercise.jawaban_teks()}.")
    return Feedback(False, f"Belum tepat ✘ Latihan {exercise.id}: {hint}")
