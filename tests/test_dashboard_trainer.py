"""Trainer mode: every text that states a band or a target follows the sliders (in-process, no browser)."""

from __future__ import annotations

import json
import re

import pytest

from p3pd_lib.dashboard import TABS, App

#: The yellow band (higher is better) and the stunting target as the page writes them, by value.
BAND = "sampai {} poin di bawah target"
BAND_TURUN = "sampai {} poin di atas target"
TARGET = re.compile(r"[Tt]arget\s(?:[≤≥]\s)?{}\s?%")


def _target(value: str) -> re.Pattern[str]:
    return re.compile(TARGET.pattern.format(re.escape(value)))


def _agenda_targets(html: str, indikator: str) -> list[str]:
    """The Target cells of the agenda rows of one indicator (the table's 9th column)."""
    heads = re.findall(r"<th>(.*?)</th>", html.split("</thead>")[0])
    col = heads.index("Target")
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", html):
        cells = re.findall(r"<td>(.*?)</td>", row)
        if len(cells) > col and indikator in cells:
            out.append(cells[col])
    return out


def _rendered(app: App, desa: str) -> dict[str, str]:
    """Every text of the page by place: header, trainer note, each tab (HTML, figures, Kartu Desa)."""
    out = {"header": app.header.value, "pelatih": app.trainer_nilai.value}
    app.desa.value = desa
    app.musdes_desa.value = desa
    for i, title in enumerate(TABS):
        app.tabs.selected_index = i
        figs = app.tab_figs[i]
        bundles = json.dumps(list(figs.outputs), ensure_ascii=False) if hasattr(figs, "outputs") else ""
        out[title] = app.tab_html[i].value + bundles + (app.kartu.value if title == "Layanan Dasar" else "")
    return out


def _mentions(texts: dict[str, str], pattern: re.Pattern[str] | str) -> set[str]:
    find = pattern.search if isinstance(pattern, re.Pattern) else (lambda t: pattern in t)
    return {place for place, text in texts.items() if find(text)}


@pytest.fixture(scope="module")
def moved(demo_dataset):
    """The page before and after the trainer moves both bands and the stunting target (14 → 8,5)."""
    app = App(demo_dataset)
    cap = app.view.capaian
    desa = str(cap.loc[(cap["indikator"] == "KES01") & (cap["kelas"] == "merah"), "kode_desa"].iloc[0])
    app.trainer.value = True
    app.target_indikator.value = "KES01"
    before = _rendered(app, desa)
    app.pita_naik.value = 23
    app.pita_turun.value = 7
    app.target_nilai.value = 8.5
    after = _rendered(app, desa)
    yield app, before, after
    app.trainer.value = False


def test_band_sliders_change_every_text_that_states_the_band(moved):
    app, before, after = moved
    places = _mentions(before, BAND.format(10))
    assert {"pelatih", "Ringkasan", "Layanan Dasar"} <= places, places
    assert not _mentions(after, BAND.format(10)) and not _mentions(after, BAND_TURUN.format(5))
    assert _mentions(after, BAND.format(23)) >= places | {"header"}
    assert _mentions(after, BAND_TURUN.format(7)) == _mentions(after, BAND.format(23))


def test_target_slider_changes_every_text_that_states_the_target(moved):
    app, before, after = moved
    old, new = _target("14"), _target("8,5")
    places = _mentions(before, old)
    # The key figures, the matrix (headers and cells), the trainer's note, the desa's Bahan Musdes page.
    assert {"Ringkasan", "Layanan Dasar", "pelatih"} <= places, places
    assert not _mentions(after, old), {p: old.findall(t)[:3] for p, t in after.items() if old.search(t)}
    assert _mentions(after, new) >= places | {"header"}
    assert "bawaan ≤ 14 %" in after["pelatih"]  # the note says what the official target was
    # The agenda table's Target column of the stunting rows.
    assert set(_agenda_targets(before["Agenda Terpadu"], "KES01")) == {"14,0"}
    assert set(_agenda_targets(after["Agenda Terpadu"], "KES01")) == {"8,5"}
    assert not any(re.search(r"\d\.\d", m) for m in new.findall(" ".join(after.values())))  # decimal commas only


def test_reset_brings_every_text_back(moved, demo_dataset):
    app, before, _after = moved
    desa = app.desa.value
    app.reset.click()
    again = _rendered(app, desa)
    assert _mentions(again, BAND.format(10)) == _mentions(before, BAND.format(10))
    assert _mentions(again, _target("14")) == _mentions(before, _target("14"))
    assert not _mentions(again, _target("8,5"))
