"""The ``p3pd`` command: argument parsing and printing only.

Each subcommand parses its arguments here and calls one function of the
library; the logic lives in the modules. Errors the user can fix are printed in
Bahasa Indonesia without a traceback (exit code 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import __version__

Handler = Callable[[argparse.Namespace], int]


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="folder data (berisi raw/ dan processed/); bawaan: data/ proyek")


_REGISTRY: list[Callable[[argparse._SubParsersAction], None]] = []


def command(register: Callable[[argparse._SubParsersAction], None]) -> Callable[[argparse._SubParsersAction], None]:
    """Decorator adding a subcommand registration function to the parser."""
    _REGISTRY.append(register)
    return register


# --- subcommands (each block: parser + handler) ---------------------------------------------
# Each block is one ``@command`` function that adds a subparser and sets ``handler``;
# the handler imports its module lazily so ``p3pd --help`` stays fast.


@command
def _register_demo_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo-data",
        help="buat data SIMULASI (deterministik) di atas kode wilayah resmi, lengkap dengan masalah data yang ditanam",
    )
    _add_data_dir(p)
    p.add_argument("--seed", type=int, default=None, help="bibit acak (bawaan: parameters/demo.yaml)")
    p.add_argument("--provinsi", action="append", default=None, metavar="KODE",
                   help="kode provinsi, boleh diulang (bawaan: 11, 12, 33, 35)")
    p.add_argument("--kabupaten", action="append", default=None, metavar="KODE",
                   help="hanya kabupaten/kota ini (mis. 33.07), boleh diulang")
    p.add_argument("--tahun", action="append", type=int, default=None, metavar="TAHUN",
                   help="tahun anggaran, boleh diulang (bawaan: 2022–2025)")
    p.add_argument("--paksa", action="store_true", help="buat ulang walaupun data yang sama sudah ada")
    p.set_defaults(handler=_demo_data)


def _demo_data(args: argparse.Namespace) -> int:
    from .demo import build_demo_store

    out = build_demo_store(args.data_dir, seed=args.seed, provinsi=args.provinsi, kabupaten=args.kabupaten,
                           tahun=args.tahun, paksa=args.paksa)
    if not out.diperbarui:
        print(f"Data simulasi di '{out.folder}' sudah mutakhir (seed {out.meta.get('seed')}, "
              f"versi generator {out.meta.get('versi_generator')}); tidak ada yang diubah. "
              "Pakai --paksa untuk membuat ulang.")
        return 0
    print(f"Data SIMULASI ditulis ke '{out.folder}' (sidik {out.meta.get('fingerprint')}):")
    for name, n in out.jumlah_baris.items():
        print(f"  {name:12s} {n:>10,d} baris".replace(",", "."))
    print(f"  {out.jumlah_masalah} masalah data sengaja ditanam, daftarnya di masalah_simulasi.csv.")
    return 0


@command
def _register_wilayah(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wilayah", help="daftar resmi wilayah: cari nama, lihat kode (Kepmendagri 300.2.2-2138/2025)")
    wsub = p.add_subparsers(dest="aksi", metavar="AKSI")
    wsub.required = True
    cari = wsub.add_parser("cari", help="cari wilayah menurut nama (toleran salah ketik dan awalan Kec./Desa/Kab.)")
    cari.add_argument("nama", help='nama yang dicari, mis. "Kec. Bakongan"')
    cari.add_argument("--tingkat", default=None, help="provinsi, kabupaten/kota, kecamatan atau desa/kelurahan")
    cari.add_argument("--dalam", default=None, help="hanya di dalam wilayah berkode ini, mis. 11.01")
    cari.add_argument("--batas", type=int, default=5, help="jumlah hasil paling banyak (bawaan 5)")
    cari.set_defaults(handler=_wilayah_cari)
    kode = wsub.add_parser("kode", help="tampilkan nama, tingkat dan induk sebuah kode wilayah")
    kode.add_argument("kode", help="kode wilayah, mis. 11.01.01.2001 atau 1101012001")
    kode.set_defaults(handler=_wilayah_kode)


def _wilayah_cari(args: argparse.Namespace) -> int:
    from .wilayah import search

    found = search(args.nama, args.tingkat, args.dalam, limit=args.batas)
    if found.empty:
        print(f"Tidak ada wilayah yang cocok dengan '{args.nama}'.")
        return 1
    print(found.to_string(index=False))
    return 0


def _wilayah_kode(args: argparse.Namespace) -> int:
    from .wilayah import describe

    for label, value in describe(args.kode).items():
        print(f"{label}: {value}")
    return 0


@command
def _register_dashboard(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="jalankan Dashboard Kecamatan (Voila) di peramban")
    p.add_argument("--port", type=int, default=8866, help="port server (bawaan 8866)")
    p.add_argument("--host", default="127.0.0.1", help="alamat server (bawaan 127.0.0.1, hanya komputer ini)")
    _add_data_dir(p)
    p.set_defaults(handler=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from .dashboard import serve

    return serve(port=args.port, host=args.host, data_dir=args.data_dir)



@command
def _register_analisis(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analisis", help="hasil analisis satu kecamatan (format panjang: CSV/JSON/Excel)")
    p.add_argument("--kecamatan", required=True, help="kode kecamatan, mis. 33.07.01")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran (bawaan: tahun terakhir yang ada)")
    p.add_argument("--format", choices=["csv", "json", "xlsx"], default=None, help="format keluaran (bawaan: dari --output, atau csv)")
    p.add_argument("--output", default=None, help="berkas keluaran (bawaan: cetak CSV ke layar)")
    _add_data_dir(p)
    p.set_defaults(handler=_analisis)


def _analisis(args: argparse.Namespace) -> int:
    from .analysis import kecamatan_view, long_results
    from .export import table_bytes, write_table
    from .store import load_dataset

    dataset = load_dataset(args.data_dir)
    view = kecamatan_view(dataset, args.kecamatan, args.tahun)
    table = long_results(view, dataset)
    if args.output:
        path = write_table(table, args.output, args.format)
        print(f"{len(table)} baris hasil analisis ditulis ke {path}")
    else:
        fmt = args.format or "csv"
        if fmt == "xlsx":
            print("GALAT: format xlsx memerlukan --output BERKAS.", file=sys.stderr)
            return 2
        sys.stdout.write(table_bytes(table, fmt).decode("utf-8"))
    return 0


@command
def _register_ringkasan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ringkasan", help="ringkasan angka kunci setiap kecamatan dalam satu kabupaten (di layar)")
    p.add_argument("--kabupaten", required=True, help="kode kabupaten/kota, mis. 33.07")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran (bawaan: tahun terakhir yang ada)")
    _add_data_dir(p)
    p.set_defaults(handler=_ringkasan)


def _ringkasan(args: argparse.Namespace) -> int:
    from .analysis import kabupaten_view, label
    from .store import load_dataset

    dataset = load_dataset(args.data_dir)
    view = kabupaten_view(dataset, args.kabupaten, args.tahun)
    ident = view.identitas
    if ident["simulasi"]:
        print("*** DATA SIMULASI — bukan data resmi ***")
    print(f"{ident['nama_kabupaten']} ({ident['kode_kabupaten']}), {ident['nama_provinsi']} — tahun {view.tahun}")
    table = view.kecamatan[["peringkat", "kode_kecamatan", "nama_kecamatan", "n_desa", "indeks_capaian", "n_merah",
                            "porsi_layanan_dasar", "porsi_siltap"]]
    shown = label(table.round({"indeks_capaian": 3, "porsi_layanan_dasar": 1, "porsi_siltap": 1}), {
        "indeks_capaian": "Indeks capaian", "n_merah": "Nilai merah", "porsi_layanan_dasar": "Belanja LD (%)",
        "porsi_siltap": "Siltap (%)", "n_desa": "Desa", "peringkat": "Peringkat"})
    print(shown.to_string(index=False))
    return 0


@command
def _register_template(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="buat templat Excel isian data untuk satu kecamatan dan tahun")
    p.add_argument("--kecamatan", required=True, help="kode kecamatan, mis. 33.07.01")
    p.add_argument("--tahun", type=int, required=True, help="tahun anggaran, mis. 2025")
    p.add_argument("--output", default=None, help="berkas .xlsx keluaran (bawaan: laporan/templat/...)")
    p.set_defaults(handler=_template)


def _template(args: argparse.Namespace) -> int:
    from .template import write_template

    path = write_template(args.kecamatan, args.tahun, args.output)
    print(f"Templat ditulis: {path}")
    return 0


def _add_import_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("berkas", nargs="+", metavar="BERKAS", help="templat terisi, CSV/Excel kanonik, tabel Siskeudes "
                   "(Ta_RAB.csv, ...) atau laporan Penjabaran APBDes")
    p.add_argument("--kecamatan", default=None, help="kode kecamatan berkas (membatasi kode dan pencocokan nama desa)")
    p.add_argument("--kabupaten", default=None, help="kode kabupaten/kota berkas Siskeudes (pencocokan nama desa)")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran yang diharapkan")
    p.add_argument("--desa", default=None, help="kode desa laporan Penjabaran APBDes (bila judulnya tidak jelas)")
    p.add_argument("--tanpa-laporan", action="store_true", help="jangan tulis laporan temuan (.temuan.xlsx/.html)")
    _add_data_dir(p)


def _print_import(result) -> int:  # noqa: ANN001 - ImportResult, imported lazily
    print(result.summary_text())
    import pandas as pd

    shown = result.findings.head(40)
    if len(shown):
        print("\nTemuan (paling banyak 40 ditampilkan; selengkapnya di laporan):")
        for r in shown.itertuples(index=False):
            baris = None if pd.isna(r.baris) else f"baris {int(r.baris)}"
            where = ", ".join(str(x) for x in (r.lembar, baris, r.kolom) if x is not None and not pd.isna(x))
            print(f"  {r.tingkat.upper():10s} {r.berkas} [{where}] {r.pesan}")
    return 0 if result.accepted else 1


@command
def _register_impor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("impor", help="periksa lalu simpan berkas data ke penyimpanan (berkas dengan galat ditolak)")
    _add_import_scope(p)
    p.add_argument("--ganti", action="store_true",
                   help="kiriman baru menggantikan data lama desa dan tahun yang sama (bila tidak: dilaporkan konflik)")
    p.set_defaults(handler=_impor)


def _impor(args: argparse.Namespace) -> int:
    from .importer import import_files

    result = import_files(args.berkas, args.data_dir, replace=args.ganti, kecamatan=args.kecamatan,
                          kabupaten=args.kabupaten, tahun=args.tahun, kode_desa=args.desa,
                          write_reports=not args.tanpa_laporan)
    return _print_import(result)


@command
def _register_periksa(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("periksa", help="periksa berkas data tanpa menyimpan apa pun")
    _add_import_scope(p)
    p.set_defaults(handler=_periksa)


def _periksa(args: argparse.Namespace) -> int:
    from .importer import check_files

    result = check_files(args.berkas, args.data_dir, kecamatan=args.kecamatan, kabupaten=args.kabupaten,
                         tahun=args.tahun, kode_desa=args.desa, write_reports=not args.tanpa_laporan)
    return _print_import(result)


@command
def _register_riwayat(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("riwayat", help="riwayat impor: berkas apa, kapan, apa yang berubah")
    p.add_argument("--desa", default=None, help="kode desa (atau awalan kecamatan/kabupaten)")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran")
    p.add_argument("--tabel", default=None, help="layanan, apbdes, status_desa atau usulan")
    _add_data_dir(p)
    p.set_defaults(handler=_riwayat)


def _riwayat(args: argparse.Namespace) -> int:
    from .history import read_history

    table = read_history(args.data_dir, kode_desa=args.desa, tahun=args.tahun, tabel=args.tabel)
    if table.empty:
        print("Belum ada riwayat impor yang cocok.")
        return 0
    cols = ["waktu", "berkas", "tabel", "kode_desa", "tahun", "tindakan", "baris"]
    print(table[cols].to_string(index=False))
    return 0


@command
def _register_laporan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "laporan",
        help="buat laporan per kecamatan (HTML, notebook, Excel) secara massal",
        description="Membuat laporan setiap kecamatan terpilih: HTML tanpa kode, notebook yang dijalankan dan "
        "buku kerja Excel, ditambah index.html dan manifest. Laporan yang sudah terkini dilewati; yang gagal diulang.",
    )
    p.add_argument("--kecamatan", action="append", default=[], metavar="KODE", help="kode kecamatan PP.KK.CC (boleh diulang)")
    p.add_argument("--kabupaten", action="append", default=[], metavar="KODE", help="kode kabupaten/kota PP.KK (boleh diulang)")
    p.add_argument("--provinsi", action="append", default=[], metavar="KODE", help="kode provinsi PP (boleh diulang)")
    p.add_argument("--semua", action="store_true", help="semua kecamatan dalam data")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran (bawaan: tahun terakhir yang ada datanya)")
    p.add_argument("--output", default=None, metavar="FOLDER", help="folder keluaran (bawaan: laporan/ proyek)")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="jumlah proses pekerja (bawaan: jumlah inti CPU)")
    p.add_argument("--pdf", action="store_true", help="cetak juga setiap laporan ke PDF A4 (Chromium headless)")
    p.add_argument("--scheduler", default=None, metavar="ALAMAT", help="alamat penjadwal Dask distributed, mis. tcp://10.0.0.5:8786")
    p.add_argument("--tanpa-kabupaten", action="store_true", help="jangan buat laporan kabupaten")
    p.add_argument("--tanpa-progres", action="store_true", help="tanpa bilah kemajuan")
    _add_data_dir(p)
    p.set_defaults(handler=_laporan)


def _laporan(args: argparse.Namespace) -> int:
    from .report import BatchInterrupted, run_batch

    try:
        result = run_batch(
            kecamatan=args.kecamatan, kabupaten=args.kabupaten, provinsi=args.provinsi, semua=args.semua,
            tahun=args.tahun, output_dir=args.output, workers=args.workers, data_dir=args.data_dir, pdf=args.pdf,
            scheduler=args.scheduler, progress=not args.tanpa_progres, laporan_kabupaten=not args.tanpa_kabupaten,
        )
    except BatchInterrupted as exc:
        print(exc.result.summary(), file=sys.stderr)
        return 130
    print(result.summary())
    return 1 if result.count("gagal") else 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (exposed for tests and ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="p3pd",
        description="Kit Analisis Dashboard Kecamatan (P3PD): layanan dasar, belanja desa, agenda terpadu.",
    )
    parser.add_argument("--version", action="version", version=f"p3pd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.required = True
    for register in _REGISTRY:
        register(sub)
    return parser


# --- end of subcommands ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``p3pd`` console script."""
    from .errors import KitError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KitError as exc:
        print(f"GALAT: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Dihentikan oleh pengguna.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
