"""Trainer mode of the App (a mixin of :class:`~p3pd_lib.dashboard.app.App`, split off for size).

The trainer moves the yellow bands and one indicator's target; every text that states
a band or a target (the header, the legends, the headers and notes of the tabs, the
Ringkasan key figures, the Bahan Musdes page) reads them from the view, so it shows the
value in use. The sliders' own readouts of a target would show a dot decimal (the
browser formats them), so the target is stated beside its slider in Indonesian.
"""

from __future__ import annotations

from typing import Any

from .controls import TEKS_PELATIH, target_options, trainer_controls
from .html import esc, header_html, pita_text, target_text, view_bands
from .query import PITA_NAIK_BAWAAN, PITA_TURUN_BAWAAN, TrainerSettings


def trainer_note(view: Any, indikator: str | None, base_targets: dict[str, float], target: float | None = None) -> str:
    """The values the trainer's sliders stand for, in words with Indonesian numbers (escaped HTML).

    ``target`` (the slider's value) replaces the view's target of ``indikator`` when given.
    """
    text = f"Dipakai sekarang: pita {pita_text(view_bands(view))}."
    kamus = view.kamus
    if indikator and "indikator" in kamus.columns:
        row = kamus[kamus["indikator"].astype(str) == indikator]
        if len(row):
            r = row.iloc[0]
            arah = r.get("arah")
            shown = r.get("target") if target is None else target
            base = base_targets.get(indikator)
            text += f" Target {target_text(shown, arah)} untuk {r.get('nama', indikator)} ({indikator})"
            if base is not None and abs(float(shown) - base) > 1e-9:
                text += f" (bawaan {target_text(base, arah)})"
            text += "."
    return f"<div class='p3pd-catatan' data-pelatih-nilai='1'>{esc(text)}</div>"


class TrainerMixin:
    """The trainer's sliders: created when first shown, read into :class:`TrainerSettings`, reset."""

    _view: Any
    _w: dict[str, Any]
    _settings: TrainerSettings
    _base_targets: dict[str, float]

    def _build_trainer(self) -> None:
        if "pita_naik" in self._w:
            return
        W = self._W
        with self._hold():
            c = trainer_controls(W, self._dd_style)
            c["nilai"] = self._html()
            self._w.update(c)
            if self._view is not None:
                self._set_target_options(self._view)
        self.trainer_box.children = (self._html(TEKS_PELATIH), c["pita_naik"], c["pita_turun"],
                                     W.HBox([c["target_indikator"], c["target_nilai"]], layout=self._row), c["nilai"],
                                     c["reset"])
        for w in (c["pita_naik"], c["pita_turun"], c["target_nilai"]):
            w.observe(self.update, "value")
        c["target_indikator"].observe(self._on_target_indikator, "value")
        c["reset"].on_click(self._on_reset)
        self._render_trainer_note()

    @property
    def trainer_nilai(self) -> Any:
        """Trainer: the values in use, stated in Indonesian under the sliders."""
        return self._widget("nilai")

    def _render_trainer_note(self) -> None:
        """The note under the sliders: the bands of the view shown, the chosen indicator's target (slider value)."""
        if "nilai" not in self._w or self._view is None:
            return
        ind = self._w["target_indikator"].value
        target = float(self._w["target_nilai"].value) if ind in self._base_targets else None
        value = trainer_note(self._view, ind, self._base_targets, target)
        if self._w["nilai"].value != value:
            self._w["nilai"].value = value

    def _render_header(self, view: Any, settings: TrainerSettings) -> None:
        value = header_html(view, trainer=not settings.is_default)
        if self.header.value != value:
            self.header.value = value
        self._render_trainer_note()

    def _on_trainer(self, change: Any) -> None:
        if change["new"]:
            self._build_trainer()
        self.trainer_box.layout.display = "flex" if change["new"] else "none"
        if not change["new"]:
            self._reset_trainer()
        self.update()

    def _on_target_indikator(self, change: Any) -> None:
        # Only moves the slider to the chosen indicator's target; no redraw until the target changes.
        if not self._suspended and self._view is not None:
            with self._hold():
                self._sync_target_slider()
            self._render_trainer_note()

    def _on_reset(self, _button: Any) -> None:
        self._reset_trainer()
        self.update()

    def _reset_trainer(self) -> None:
        with self._hold():
            self._settings = TrainerSettings()
            if "pita_naik" in self._w:
                self._w["pita_naik"].value = PITA_NAIK_BAWAAN
                self._w["pita_turun"].value = PITA_TURUN_BAWAAN
                self._sync_target_slider()

    def _sync_target_slider(self) -> None:
        ind = self._w["target_indikator"].value if "target_indikator" in self._w else None
        value = dict(self._settings.targets).get(ind, self._base_targets.get(ind)) if ind else None
        if value is not None:
            self._w["target_nilai"].value = float(value)

    def _read_settings(self) -> TrainerSettings:
        if not self.trainer.value or "pita_naik" not in self._w:
            return TrainerSettings()
        s = TrainerSettings(pita_naik=float(self.pita_naik.value), pita_turun=float(self.pita_turun.value),
                            targets=self._settings.targets)
        ind = self.target_indikator.value
        base = self._base_targets.get(ind)
        if ind and base is not None:
            changed = abs(float(self.target_nilai.value) - base) > 1e-9
            s = s.with_target(ind, float(self.target_nilai.value) if changed else None)
        self._settings = s
        return s

    def _set_target_options(self, view: Any) -> None:
        opts = target_options(view.kamus, self._base_targets)
        with self._hold():
            w = self._w["target_indikator"]
            current = w.value
            if list(w.options) != opts:
                w.options = opts
            if opts:
                w.value = current if current in {v for _, v in opts} else opts[0][1]
                self._sync_target_slider()
