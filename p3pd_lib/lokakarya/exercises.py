"""The exercises of every notebook, their expected answers computed from the data, and the answer key."""

from __future__ import annotations

from typing import Callable, TYPE_CHECKING

import pandas as pd

from .. import classify, indicators
from ..errors import ParameterError
from .agenda_quality_tables import (
    finding_codes, kabupaten_findings, match_planted, need_demand_counts, planted_problems,
)
from .answers import Exercise
from .band_tables import band_change_summary
from .indicator_tables import SUMBER_DATA, mean_vs_ratio, one_case_points, sector_overview, small_denominators
from .report_bridge import dashboard_url, report_parameters
from .spending_tables import explain_kegiatan_code, judge_share_by_year, kecamatan_share

if TYPE_CHECKING:  # only for annotations: the workshop module imports this one
    from .workshop import Workshop


# --------------------------------------------------------------------------- the exercises

_Builder = Callable[["Workshop"], Exercise]


def _ex01_1(ws: Workshop) -> Exercise:
    return Exercise("01.1", "01", "Berapa jumlah desa (tidak termasuk kelurahan) di kecamatan ini?", "angka",
                    int(ws.view.identitas["n_desa"]),
                    "Lihat identitas kecamatan atau tabel ws.view.desa (kolom jenis = desa).")


def _ex01_2(ws: Workshop) -> Exercise:
    o = sector_overview(ws.view.capaian, ws.view.capaian_wilayah)
    top = o[o["merah"] == o["merah"].max()]["sektor"].tolist()
    labels = indicators.catalogue_frame(ws.catalogue).drop_duplicates("sektor").set_index("sektor")["label_sektor"]
    alt = tuple(str(labels.get(s, s)) for s in top) + tuple(top[1:])
    return Exercise("01.2", "01", "Sektor mana yang paling banyak memiliki nilai merah (desa × indikator)? "
                    "Tulis kode sektornya (KES, PEND, AIR, SOS atau ADM).", "teks", top[0],
                    "Lihat kolom 'merah' pada tabel ringkasan sektor.", alternatif=alt)


def _ex01_3(ws: Workshop) -> Exercise:
    return Exercise("01.3", "01", "Siapa yang mengirim data kepesertaan JKN (KES06) ke kecamatan?", "teks",
                    SUMBER_DATA["KES06"][1], "Lihat kolom 'dikirim_oleh' pada tabel sumber data.",
                    alternatif=("BPJS",))


def _ex02_1(ws: Workshop) -> Exercise:
    kec = ws.view.capaian_wilayah
    v = kec[(kec["tingkat"] == "kecamatan") & (kec["indikator"] == "KES01")]["nilai"]
    value = float(v.iloc[0]) if len(v) and pd.notna(v.iloc[0]) else float("nan")
    mv = mean_vs_ratio(ws.view.capaian, ws.view.desa["kode_desa"], ws.catalogue)
    wrong = mv.loc[mv["indikator"] == "KES01", "rata_rata_desa"]
    trap = ((float(wrong.iloc[0]), "Itu rata-rata persentase desa, cara yang keliru. Jumlahkan dulu pembilang "
             "dan penyebut semua desa, baru dibagi."),) if len(wrong) else ()
    return Exercise("02.1", "02", "Berapa prevalensi stunting (KES01) kecamatan, dihitung Σ pembilang / Σ penyebut? "
                    "(persen, satu desimal)", "angka", value,
                    "Jumlahkan kolom pembilang dan penyebut tabel KES01 per desa, lalu bagi dan kalikan 100.",
                    toleransi=0.051, jebakan=trap, desimal=1)


def _ex02_2(ws: Workshop) -> Exercise:
    mv = mean_vs_ratio(ws.view.capaian, ws.view.desa["kode_desa"], ws.catalogue)
    top = mv.iloc[0]
    return Exercise("02.2", "02", "Pada indikator dengan selisih terbesar antara cara keliru dan Σ/Σ, berapa "
                    "selisihnya dalam poin persen (nilai mutlak, satu desimal)?", "angka",
                    abs(float(top["selisih"])), "Lihat baris teratas tabel perbandingan, kolom 'selisih'.",
                    toleransi=0.051, desimal=1)


def _ex02_3(ws: Workshop) -> Exercise:
    n = len(small_denominators(ws.view.capaian))
    return Exercise("02.3", "02", "Berapa nilai desa tahun ini yang ditandai tidak stabil (penyebut terlalu kecil)?",
                    "angka", n, "Hitung baris tabel penyebut kecil (kolom stabil = False tetapi nilai ada).")


def _ex02_4(ws: Workshop) -> Exercise:
    return Exercise("02.4", "02", "Sebuah desa punya 8 keluarga miskin ekstrem. Berapa poin persen cakupan bansosnya "
                    "berubah bila satu keluarga lagi menerima bansos?", "angka", one_case_points(8),
                    "Satu kasus = 100 / penyebut poin persen.", toleransi=0.051, desimal=1)


def _ex03_1(ws: Workshop) -> Exercise:
    n = int((ws.view.capaian["kelas"] == "merah").sum())
    return Exercise("03.1", "03", "Dengan pita bawaan, berapa nilai desa (desa × indikator) yang merah tahun ini?",
                    "angka", n, "Lihat tabel jumlah per warna.")


def _ex03_2(ws: Workshop) -> Exercise:
    b = classify.load_parameters().bands
    r = band_change_summary(ws.view.capaian, ws.catalogue, 15, b.kuning_turun)
    return Exercise("03.2", "03", "Jika pita kuning arah naik dilebarkan dari 10 menjadi 15 poin (pita turun tetap), "
                    "berapa desa/kelurahan berubah warna pada sedikitnya satu indikator?", "angka",
                    r.n_desa_berubah, "Geser penggeser 'Pita naik' ke 15 dan baca kalimat hasilnya.")


def _ex03_3(ws: Workshop) -> Exercise:
    s = str(classify.idm_status([0.7072]).iloc[0])
    return Exercise("03.3", "03", "Sebuah desa punya IDM tepat 0,7072. Apa status IDM-nya?", "teks", s,
                    "Nilai yang tepat pada batas masuk kelas yang lebih rendah (lihat tabel aturan).")


def _ex03_4(ws: Workshop) -> Exercise:
    n = int((ws.view.status_desa["status_idm"] == "Mandiri").sum())
    return Exercise("03.4", "03", "Berapa desa berstatus IDM Mandiri (dihitung dari nilai IDM) tahun ini?", "angka", n,
                    "Lihat tabel jumlah desa per status IDM, kolom 'dihitung'.")


def _ex04_1(ws: Workshop) -> Exercise:
    r = explain_kegiatan_code("02.04.06.")
    return Exercise("04.1", "04", "Siskeudes menulis kode kegiatan '02.04.06.'. Masuk sektor layanan dasar apa "
                    "menurut tabel pemetaan kit? (kode sektor)", "teks", r["sektor"] or "bukan layanan dasar",
                    "Gunakan lokakarya.explain_kegiatan_code('02.04.06.').",
                    alternatif=(r["label_sektor"],))


def _ex04_2(ws: Workshop) -> Exercise:
    a = ws.view.aturan_belanja
    a = a[(a["aturan"] == "PERSONEL") & (a["tahun"] == ws.tahun)]
    n = int(a["patuh"].astype("boolean").eq(False).fillna(False).sum())
    return Exercise("04.2", "04", "Berapa desa yang porsi siltap & tunjangannya melebihi 30 % belanja desa tahun ini?",
                    "angka", n, "Lihat tabel aturan belanja, aturan PERSONEL, kolom patuh = False.")


def _ex04_3(ws: Workshop) -> Exercise:
    t = judge_share_by_year("BLT", 20)
    years = {int(y) for y in t.loc[t["patuh"], "tahun"]}
    return Exercise("04.3", "04", "Sebuah desa memakai 20 % Dana Desa untuk BLT. Pada tahun berapa saja itu patuh "
                    "aturan? (tulis tahunnya, dipisah koma)", "himpunan", years,
                    "Bandingkan 20 % dengan batas BLT setiap tahun pada tabel aturan per tahun.")


def _ex04_4(ws: Workshop) -> Exercise:
    return Exercise("04.4", "04", "Berapa porsi belanja layanan dasar (BEL01) kecamatan, Σ/Σ seluruh desa? "
                    "(persen, satu desimal)", "angka", kecamatan_share(ws.view.belanja, "BEL01"),
                    "Jumlahkan pembilang dan penyebut BEL01 semua desa, lalu bagi.", toleransi=0.051, desimal=1)


def _ex05_1(ws: Workshop) -> Exercise:
    label = classify.KUADRAN_LABEL["prioritas"]
    n = int((ws.view.kuadran["label_kuadran"] == label).sum())
    return Exercise("05.1", "05", f"Berapa desa di kuadran '{label}'?", "angka", n,
                    "Lihat tabel jumlah desa per kuadran.")


def _ex05_2(ws: Workshop) -> Exercise:
    a = ws.view.agenda
    n = a["penanggung_jawab"].astype("string").value_counts()
    top = sorted(n[n == n.max()].index.tolist()) if len(n) else ["(tidak ada agenda)"]
    return Exercise("05.2", "05", "Pihak mana yang paling banyak mendapat baris agenda terpadu? (tulis persis seperti "
                    "di tabel)", "teks", top[0], "Lihat tabel jumlah baris agenda per penanggung jawab.",
                    alternatif=tuple(top[1:]))


def _ex05_3(ws: Workshop) -> Exercise:
    from .. import usulan

    c = need_demand_counts(ws.view.kebutuhan_usulan)
    n = int(c.loc[c["kelas"] == usulan.BELUM_TERSUARAKAN, "jumlah"].iloc[0])
    return Exercise("05.3", "05", "Berapa pasangan desa–sektor berkelas 'Kebutuhan belum tersuarakan' tahun ini?",
                    "angka", n, "Lihat tabel jumlah per kelas kebutuhan–usulan–belanja.")


def _ex06_1(ws: Workshop) -> Exercise:
    f = kabupaten_findings(ws)
    return Exercise("06.1", "06", "Berapa temuan tingkat 'galat' di seluruh kabupaten (semua tahun)?", "angka",
                    int((f["tingkat"] == "galat").sum()), "Lihat ringkasan temuan per aturan, kolom tingkat = galat.")


def _ex06_2(ws: Workshop) -> Exercise:
    codes = finding_codes(kabupaten_findings(ws), "kode_tidak_resmi", ws.kode_kecamatan)
    return Exercise("06.2", "06", "Kode desa mana di kecamatan Anda yang tidak ada dalam daftar resmi Kemendagri? "
                    "(tulis 'tidak ada' bila tidak ada)", "himpunan", codes,
                    "Saring temuan dengan aturan kode_tidak_resmi.")


def _ex06_3(ws: Workshop) -> Exercise:
    codes = finding_codes(kabupaten_findings(ws), "baris_ganda")
    return Exercise("06.3", "06", "Desa mana di kabupaten yang datanya tercatat dua kali (baris ganda)? (kode desa)",
                    "himpunan", codes, "Saring temuan dengan aturan baris_ganda.")


def _ex06_4(ws: Workshop) -> Exercise:
    codes = finding_codes(kabupaten_findings(ws), "kelurahan_ber_apbdes")
    return Exercise("06.4", "06", "Kelurahan mana yang (keliru) memiliki baris APBDes? (kode)", "himpunan", codes,
                    "Saring temuan dengan aturan kelurahan_ber_apbdes; ingat digit pertama kode 1 = kelurahan.")


def _ex06_5(ws: Workshop) -> Exercise:
    m = match_planted(kabupaten_findings(ws), planted_problems(ws))
    return Exercise("06.5", "06", "Berapa dari masalah yang sengaja ditanam di data simulasi kabupaten ini yang "
                    "ditemukan oleh pemeriksaan otomatis?", "angka", int(m["ditemukan"].sum()),
                    "Lihat tabel pencocokan masalah tertanam, kolom ditemukan.")


def _ex07_1(ws: Workshop) -> Exercise:
    return Exercise("07.1", "07", "Berapa parameter yang dapat diatur pada notebook laporan kecamatan?", "angka",
                    len(report_parameters()), "Lihat tabel parameter notebook laporan.")


def _ex07_2(ws: Workshop) -> Exercise:
    url = dashboard_url(ws.kode_kecamatan, ws.tahun)
    return Exercise("07.2", "07", "Alamat dashboard apa yang langsung membuka kecamatan dan tahun ini? (salin "
                    "alamat lengkapnya)", "teks", url, "Bentuknya http://127.0.0.1:8866/?kecamatan=…&tahun=…",
                    alternatif=(url.replace("127.0.0.1", "localhost"),))


#: Every exercise by id ("NN.k": notebook NN, exercise k) → builder computing it from a :class:`Workshop`.
EXERCISES: dict[str, _Builder] = {
    "01.1": _ex01_1, "01.2": _ex01_2, "01.3": _ex01_3,
    "02.1": _ex02_1, "02.2": _ex02_2, "02.3": _ex02_3, "02.4": _ex02_4,
    "03.1": _ex03_1, "03.2": _ex03_2, "03.3": _ex03_3, "03.4": _ex03_4,
    "04.1": _ex04_1, "04.2": _ex04_2, "04.3": _ex04_3, "04.4": _ex04_4,
    "05.1": _ex05_1, "05.2": _ex05_2, "05.3": _ex05_3,
    "06.1": _ex06_1, "06.2": _ex06_2, "06.3": _ex06_3, "06.4": _ex06_4, "06.5": _ex06_5,
    "07.1": _ex07_1, "07.2": _ex07_2,
}


def answer_key(ws: Workshop, notebook: str | None = None) -> pd.DataFrame:
    """Every exercise (or one notebook's) with its expected answer: ``id, notebook, pertanyaan, jawaban``."""
    rows = []
    for id_ in EXERCISES:
        if notebook and not id_.startswith(notebook + "."):
            continue
        ex = ws.exercise(id_)
        rows.append((ex.id, ex.notebook, ex.pertanyaan, ex.jawaban_teks()))
    return pd.DataFrame(rows, columns=["id", "notebook", "pertanyaan", "jawaban"])


KEY_START = "<!-- kunci-jawaban:mulai -->"
KEY_END = "<!-- kunci-jawaban:selesai -->"


def answer_key_markdown(ws: Workshop) -> str:
    """The answer key as the markdown table of ``docs/panduan_pelatih.md`` (between its markers)."""
    key = answer_key(ws)
    lines = [KEY_START, "",
             f"Dihitung dengan `lokakarya.answer_key` untuk kecamatan {ws.kode_kecamatan}, tahun {ws.tahun} "
             f"(data simulasi bawaan, bibit {ws.dataset.meta.get('seed', '-')}).", "",
             "| Latihan | Pertanyaan | Jawaban |", "|---|---|---|"]
    for row in key.itertuples(index=False):
        q = str(row.pertanyaan).replace("|", "\\|")
        a = str(row.jawaban).replace("|", "\\|")
        lines.append(f"| {row.id} | {q} | **{a}** |")
    lines += ["", KEY_END]
    return "\n".join(lines)


def guide_answer_block(text: str) -> str:
    """The answer-key block of a trainer guide's text (between the markers), for the staleness test."""
    start, end = text.find(KEY_START), text.find(KEY_END)
    if start < 0 or end < 0:
        raise ParameterError("Panduan pelatih tidak memuat penanda kunci jawaban.")
    return text[start: end + len(KEY_END)]
