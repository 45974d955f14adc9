"""A kernel manager that keeps the dashboard server under a configurable number of kernels.

Set through Voila's public configuration trait ``VoilaConfiguration.multi_kernel_manager_class``
(see :func:`p3pd_lib.dashboard.server.voila_command`); Voila builds its preheating pool as a
subclass of this class. Past ``max_kernels`` a new kernel is refused with HTTP 503, and the
page template's ``503.html`` asks the visitor, in Indonesian, to wait and reload: the server
never exhausts its memory.

Preheated kernels start one at a time, :attr:`LimitedKernelManager.preheat_interval`
seconds apart (Voila starts a whole pool, or the refill after a burst of visitors, at
once; measured on 2 cores: 20 kernels importing pandas and the dashboard together
starve the pages being opened). Voila marks a pool kernel with its public
``VOILA_PREHEAT=True`` environment variable; a visitor's own kernel never waits.

With preheating, the pool's refill is a kernel start like any other; when it was refused
the pool is refilled as soon as a kernel ends (:meth:`LimitedKernelManager.shutdown_kernel`)
or at the next culling round, through the pool's public ``fill_if_needed``/``get_pool_size``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Float, Int

PESAN_PENUH = ("Dashboard sedang dipakai banyak pengguna dan belum dapat membuka halaman baru. "
               "Mohon tunggu satu atau dua menit, lalu muat ulang halaman ini.")


class LimitedKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` whose ``start_kernel`` refuses (HTTP 503, Indonesian) past ``max_kernels``."""

    max_kernels = Int(0, config=True, help="Most kernels at once, the preheated ones included (0: no limit).")

    preheat_interval = Float(3.0, config=True,
                             help="Seconds between the starts of two preheated (pool) kernels (0: all at once).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0  # starts in flight: not yet listed by list_kernel_ids()
        self._preheat_gate: asyncio.Lock | None = None  # held from one pool start until preheat_interval later

    def kernel_count(self) -> int:
        """Kernels running or starting."""
        return len(self.list_kernel_ids()) + self._starting

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None, **kwargs: Any) -> str:
        """Start a kernel, or refuse with HTTP 503 when ``max_kernels`` are running or starting.

        A preheated (pool) kernel first waits its turn (:attr:`preheat_interval`).
        """
        if kernel_id is None and (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True" and self.preheat_interval > 0:
            if self._preheat_gate is None:
                self._preheat_gate = asyncio.Lock()
            await self._preheat_gate.acquire()
            asyncio.get_running_loop().call_later(self.preheat_interval, self._preheat_gate.release)
        self._refuse_past_limit(kernel_id)
        self._starting += 1
        try:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting -= 1

    def _refuse_past_limit(self, kernel_id: str | None) -> None:
        if kernel_id is None and self.max_kernels and self.kernel_count() >= self.max_kernels:
            self.log.warning("p3pd: %d kernel berjalan (batas %d): kernel baru ditolak", self.kernel_count(),
                             self.max_kernels)
            raise HTTPError(503, PESAN_PENUH)

    async def shutdown_kernel(self, kernel_id: str, now: bool = False, restart: bool = False) -> None:
        """Shut the kernel down, then refill Voila's preheating pool if a refused refill left it empty."""
        await ensure_async(super().shutdown_kernel(kernel_id, now=now, restart=restart))
        self._refill_pool()

    async def cull_kernels(self) -> None:
        """Cull idle kernels (Jupyter server's culling), then refill an empty preheating pool."""
        await ensure_async(super().cull_kernels())
        self._refill_pool()

    def _refill_pool(self) -> None:
        fill = getattr(self, "fill_if_needed", None)  # present when Voila's preheating wraps this class
        notebook = getattr(self, "notebook_path", None)
        if fill is None or notebook is None or self.get_pool_size(notebook) > 0:
            return
        if not self.max_kernels or self.kernel_count() < self.max_kernels:
            fill(delay=0, notebook_name=notebook)
