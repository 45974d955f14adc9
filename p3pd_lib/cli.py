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
from .cli_parser import IndonesianArgumentParser, quiet_on_broken_pipe

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
        _demo_maps(args.data_dir, out.meta, only_if_missing=True)
        return 0
    print(f"Data SIMULASI ditulis ke '{out.folder}' (sidik {out.meta.get('fingerprint')}):")
    for name, n in out.jumlah_baris.items():
        print(f"  {name:12s} {n:>10,d} baris".replace(",", "."))
    print(f"  {out.jumlah_masalah} masalah data sengaja ditanam, daftarnya di masalah_simulasi.csv.")
    _demo_maps(args.data_dir, out.meta, only_if_missing=False)
    return 0


def _demo_maps(data_dir: str | None, meta: dict, only_if_missing: bool) -> None:
    """Simulated desa boundaries for the demo store (the map lessons need shapes; none are real)."""
    from .peta import store_simulated_boundaries
    from .peta.storage import boundary_path

    if only_if_missing and boundary_path("desa", data_dir).exists():
        return
    path = store_simulated_boundaries(data_dir, seed=int(meta.get("seed") or 0))
    print(f"  PETA SIMULASI (bentuk desa buatan, bukan batas sebenarnya) ditulis ke {path}.")


@command
def _register_peta(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("peta", help="batas desa untuk peta: impor Shapefile/GeoPackage/GeoJSON milik kantor")
    psub = p.add_subparsers(dest="aksi", metavar="AKSI")
    psub.required = True
    for name, help_, dry in (("impor", "periksa, cocokkan dengan kode resmi, lalu simpan batas desa (atau kecamatan)", False),
                             ("periksa", "periksa berkas batas tanpa menyimpan apa pun", True)):
        q = psub.add_parser(name, help=help_)
        q.add_argument("berkas", metavar="BERKAS", help="Shapefile (.shp atau .zip), GeoPackage (.gpkg) atau GeoJSON")
        q.add_argument("--kabupaten", default=None, help="kode kabupaten/kota berkas, mis. 33.07 (pencocokan nama)")
        q.add_argument("--tingkat", choices=["desa", "kecamatan"], default=None,
                       help="poligon berkas adalah desa atau kecamatan (bawaan: dari nama kolom)")
        q.add_argument("--lapisan", default=None, help="nama lapisan GeoPackage bila ada lebih dari satu")
        _add_data_dir(q)
        q.set_defaults(handler=_peta_impor, dry_run=dry)


def _peta_impor(args: argparse.Namespace) -> int:
    import pandas as pd

    from .peta import import_boundaries

    result = import_boundaries(args.berkas, args.data_dir, kabupaten=args.kabupaten, tingkat=args.tingkat,
                               lapisan=args.lapisan, dry_run=args.dry_run)
    print(result.summary_text())
    order = result.findings["tingkat"].map({"galat": 0, "peringatan": 1}).fillna(2)
    shown = result.findings.assign(_u=order).sort_values("_u", kind="stable").head(40)
    if len(shown):
        print("\nTemuan (paling banyak 40 ditampilkan):")
        for r in shown.itertuples(index=False):
            where = ", ".join(str(x) for x in (r.lapisan, None if pd.isna(r.fitur) else f"fitur {r.fitur}", r.kolom)
                              if x is not None and not pd.isna(x))
            print(f"  {r.tingkat.upper():10s} {r.berkas} [{where}] {r.pesan}")
    return 0 if result.accepted else 1


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
    from .numbers import format_angka

    if "skor" in found.columns:
        found = found.assign(skor=[format_angka(v, 1) for v in found["skor"].tolist()])
    heads = {"kode": "Kode", "nama": "Nama", "tingkat": "Tingkat", "induk": "Induk", "skor": "Kemiripan"}
    print(found.rename(columns=heads).to_string(index=False))
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
    p.add_argument("--host", default="127.0.0.1",
                   help="alamat server (bawaan 127.0.0.1, hanya komputer ini; alamat lain memerlukan token)")
    p.add_argument("--token", default=None,
                   help="token akses (bawaan: dibuat acak bila --host bukan alamat komputer ini)")
    p.add_argument("--batas-menganggur", type=int, default=600, metavar="DETIK",
                   help="tutup kernel halaman yang tidak dipakai selama DETIK (bawaan 600 = 10 menit)")
    p.add_argument("--maks-kernel", type=int, default=None, metavar="N",
                   help="paling banyak N kernel sekaligus; pengunjung berikutnya diminta menunggu "
                        "(bawaan: dari memori yang tersedia, 200 MB per kernel, paling banyak 64)")
    p.add_argument("--kernel-siap", type=int, default=None, metavar="N",
                   help="N kernel disiapkan lebih dulu agar halaman langsung terbuka "
                        "(bawaan: separuh batas kernel, paling banyak 24)")
    p.add_argument("--tanpa-pemanasan", action="store_true",
                   help="jangan hitung tampilan setiap kecamatan lebih dulu di latar belakang (bawaan: dihitung "
                        "dengan prioritas CPU terendah, agar halaman pertama setiap kecamatan cepat terbuka)")
    _add_data_dir(p)
    p.set_defaults(handler=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from .dashboard import serve

    return serve(port=args.port, host=args.host, data_dir=args.data_dir, cull_idle_timeout=args.batas_menganggur,
                 max_kernels=args.maks_kernel, pool_size=args.kernel_siap, token=args.token,
                 warm=not args.tanpa_pemanasan)


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
    from .numbers import format_angka
    from .store import load_dataset

    dataset = load_dataset(args.data_dir)
    view = kabupaten_view(dataset, args.kabupaten, args.tahun)
    ident = view.identitas
    if ident["simulasi"]:
        print("*** DATA SIMULASI — bukan data resmi ***")
    print(f"{ident['nama_kabupaten']} ({ident['kode_kabupaten']}), {ident['nama_provinsi']} — tahun {view.tahun}")
    table = view.kecamatan[["peringkat", "kode_kecamatan", "nama_kecamatan", "n_desa", "indeks_capaian", "n_merah",
                            "porsi_layanan_dasar", "porsi_siltap"]]
    decimals = {"indeks_capaian": 3, "porsi_layanan_dasar": 1, "porsi_siltap": 1}
    table = table.assign(**{c: [format_angka(v, d) for v in table[c].tolist()] for c, d in decimals.items()})
    shown = label(table, {
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
    p.add_argument("berkas", nargs="+", metavar="BERKAS", help="templat terisi, CSV/Excel kanonik, ekspor basis data "
                   "Siskeudes (folder, .zip atau semua berkasnya), laporan Penjabaran APBDes (Excel/CSV/PDF)")
    p.add_argument("--kecamatan", default=None, help="kode kecamatan berkas (membatasi kode dan pencocokan nama desa)")
    p.add_argument("--kabupaten", default=None, help="kode kabupaten/kota berkas Siskeudes (pencocokan nama desa)")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran yang diharapkan")
    p.add_argument("--desa", default=None, help="kode desa laporan Penjabaran APBDes (bila judulnya tidak jelas)")
    _add_data_dir(p)


def _print_import(result) -> int:  # noqa: ANN001 - ImportResult, imported lazily
    print(result.summary_text())
    import pandas as pd

    from .importer import rule_name

    shown = result.findings.head(40)
    if len(shown):
        written = result.files["laporan"].fillna("").astype(str).str.len().gt(0).any()
        more = "selengkapnya di laporan" if written else (
            "laporan lengkap: ulangi dengan --tulis-laporan" if result.dry_run else "laporan tidak ditulis")
        print(f"\nTemuan (paling banyak 40 ditampilkan; {more}):")
        for r in shown.itertuples(index=False):
            baris = None if pd.isna(r.baris) else f"baris {int(r.baris)}"
            where = ", ".join(str(x) for x in (r.lembar, baris, r.kolom) if x is not None and not pd.isna(x))
            print(f"  {r.tingkat.upper():10s} {r.berkas} [{where}] {rule_name(r.aturan)}: {r.pesan}")
    return 0 if result.accepted else 1


@command
def _register_impor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("impor", help="periksa lalu simpan berkas data ke penyimpanan (berkas dengan galat ditolak)")
    _add_import_scope(p)
    p.add_argument("--tanpa-laporan", action="store_true", help="jangan tulis laporan temuan (.temuan.xlsx/.html)")
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
    p = sub.add_parser("periksa", help="periksa berkas data tanpa menyimpan atau menulis apa pun")
    _add_import_scope(p)
    p.add_argument("--tulis-laporan", action="store_true",
                   help="tulis juga laporan temuan (.temuan.xlsx/.html) di samping setiap berkas yang bertemuan")
    p.add_argument("--tanpa-laporan", action="store_true", help=argparse.SUPPRESS)  # old option: now the default
    p.set_defaults(handler=_periksa)


def _periksa(args: argparse.Namespace) -> int:
    from .importer import check_files

    result = check_files(args.berkas, args.data_dir, kecamatan=args.kecamatan, kabupaten=args.kabupaten,
                         tahun=args.tahun, kode_desa=args.desa, write_reports=args.tulis_laporan)
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
        "buku kerja Excel, ditambah index.html dan manifest (semua laporan di folder keluaran, per tahun). "
        "Laporan yang masih terkini (masukan sama, berkas utuh) dilewati; yang gagal atau rusak dibuat ulang. "
        "Dijalankan di Dask: klaster lokal (satu proses per inti CPU) atau klaster di --scheduler.",
    )
    p.add_argument("--kecamatan", action="append", default=[], metavar="KODE", help="kode kecamatan PP.KK.CC (boleh diulang)")
    p.add_argument("--kabupaten", action="append", default=[], metavar="KODE", help="kode kabupaten/kota PP.KK (boleh diulang)")
    p.add_argument("--provinsi", action="append", default=[], metavar="KODE", help="kode provinsi PP (boleh diulang)")
    p.add_argument("--semua", action="store_true", help="semua kecamatan dalam data")
    p.add_argument("--tahun", type=int, default=None, help="tahun anggaran (bawaan: tahun terakhir yang ada datanya)")
    p.add_argument("--output", default=None, metavar="FOLDER", help="folder keluaran (bawaan: laporan/ proyek); "
                   "laporan ditulis ke FOLDER/TAHUN/KABUPATEN/")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="jumlah pekerja klaster lokal (bawaan: jumlah inti CPU)")
    p.add_argument("--pdf", action="store_true", help="cetak juga setiap laporan ke PDF A4 (Chromium headless)")
    p.add_argument("--mandiri", action="store_true",
                   help="HTML berdiri sendiri (plotly.js dan CSS disisipkan): satu berkas untuk dikirim terpisah")
    p.add_argument("--scheduler", default=None, metavar="ALAMAT",
                   help="alamat penjadwal Dask distributed, mis. tcp://10.0.0.5:8786 (folder data dan keluaran "
                   "harus terlihat oleh setiap pekerja)")
    p.add_argument("--tanpa-kabupaten", action="store_true", help="jangan buat laporan kabupaten")
    p.add_argument("--bahan-musdes", action="store_true",
                   help="buat juga Bahan Musdes: satu halaman A4 per desa (HTML dan PDF) dan satu PDF gabungan per "
                   "kecamatan, di FOLDER/TAHUN/KABUPATEN/bahan_musdes/KECAMATAN/")
    p.add_argument("--tanpa-progres", action="store_true", help="tanpa bilah kemajuan")
    _add_data_dir(p)
    p.set_defaults(handler=_laporan)


def _laporan(args: argparse.Namespace) -> int:
    from .batch import BatchInterrupted, run_batch

    try:
        result = run_batch(
            kecamatan=args.kecamatan, kabupaten=args.kabupaten, provinsi=args.provinsi, semua=args.semua,
            tahun=args.tahun, output_dir=args.output, workers=args.workers, data_dir=args.data_dir, pdf=args.pdf,
            scheduler=args.scheduler, progress=not args.tanpa_progres, laporan_kabupaten=not args.tanpa_kabupaten,
            mandiri=args.mandiri,
        )
    except BatchInterrupted as exc:
        print(exc.result.summary(), file=sys.stderr)
        return 130
    print(result.summary())
    if args.bahan_musdes:
        from .batch.musdes_pages import write_bahan_musdes

        made = write_bahan_musdes(result.entries, result.output_dir, result.tahun, data_dir=args.data_dir)
        print(f"Bahan Musdes: {len(made)} kecamatan, PDF gabungan di "
              f"{result.output_dir / str(result.tahun)}/<kabupaten>/bahan_musdes/")
    return 1 if result.count("gagal") else 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (exposed for tests and ``--help``)."""
    parser = IndonesianArgumentParser(
        prog="p3pd",
        description="Kit Analisis Dashboard Kecamatan (P3PD): layanan dasar, belanja desa, agenda terpadu.",
    )
    parser.add_argument("--version", action="version", version=f"p3pd {__version__}",
                        help="tampilkan versi program lalu keluar")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.required = True
    for register in _REGISTRY:
        register(sub)
    return parser


# --- end of subcommands ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``p3pd`` console script (exits quietly when piped into ``head``)."""
    return quiet_on_broken_pipe(lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
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
