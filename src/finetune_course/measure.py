"""What a run costs: peak memory while a block runs, trainable parameters, and size on disk; and whether
other programs took the CPU while a timing ran (`OtherLoad`).

The chain measures each notebook's kernel with `PeakMemory(children=True)`; the notebooks measure their
own training with `PeakMemory()`.
"""

from __future__ import annotations

import ctypes
import gc
import threading
import time
from pathlib import Path

import psutil


class PeakMemory:
    """The largest resident memory (MB) in use at once while the block runs, sampled every 0.2 s (a shorter
    peak can slip by). `children=False`: this process (a notebook's kernel); `added_mb` is the peak above
    what was in use when the block began. `children=True`: the sum over this process's children (the
    kernels the chain starts)."""

    def __init__(self, children: bool = False, every_s: float = 0.2):
        self.children, self.every_s = children, every_s
        self.start_mb = self.peak_mb = 0
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    @property
    def added_mb(self) -> int:
        return max(0, self.peak_mb - self.start_mb)

    def _resident_mb(self) -> int:
        import psutil

        processes = psutil.Process().children(recursive=True) if self.children else [psutil.Process()]
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:          # it ended between the listing and the reading
                pass
        return round(total / 2**20)

    def _sample(self) -> None:
        while not self._done.wait(self.every_s):
            self.peak_mb = max(self.peak_mb, self._resident_mb())

    def __enter__(self) -> PeakMemory:
        if not self.children:
            release_freed_memory()        # so that memory freed by earlier work does not count as in use
        self.start_mb = self.peak_mb = self._resident_mb()
        self._sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._sampler.join()
        self.peak_mb = max(self.peak_mb, self._resident_mb())


def release_freed_memory() -> None:
    """Collect garbage and hand freed memory back to the system (glibc keeps it otherwise), so that the
    resident memory measured next is what is really in use."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):     # not glibc (macOS, Windows): the figure then includes freed memory
        pass


def trainable_parameters(model) -> tuple[int, int]:
    """(parameters that train, all parameters) of a PyTorch model."""
    every = list(model.parameters())
    return sum(p.numel() for p in every if p.requires_grad), sum(p.numel() for p in every)


def size_on_disk_mb(path: Path) -> float:
    """The size of a file, or of every file in a folder, in MB."""
    path = Path(path)
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


# The share of the CPU time that other programs may take while a training runs before its time counts as
# disturbed (the bonus says so): its threads then wait for cores, each training by a different amount.
BUSY = 0.2


class OtherLoad:
    """While the block runs, the share of this machine's CPU time that other programs took: the time every
    core was busy, less this process's own, over the wall time and the cores (`share`: 0 when nothing else
    ran, 1 when other programs kept every core busy). A timing with a share above `BUSY` was disturbed."""

    share: float = float("nan")

    def __enter__(self):
        self._start = self._now()
        return self

    def __exit__(self, *exc) -> None:
        (wall, busy, own), (wall_end, busy_end, own_end) = self._start, self._now()
        cores = psutil.cpu_count() or 1
        self.share = max(0.0, (busy_end - busy - (own_end - own)) / (max(wall_end - wall, 1e-9) * cores))

    @staticmethod
    def _now() -> tuple[float, float, float]:
        every = psutil.cpu_times()              # every core's, added up; on Linux, user time includes guests'
        busy = (sum(every) - every.idle - getattr(every, "iowait", 0)
                - getattr(every, "guest", 0) - getattr(every, "guest_nice", 0))
        own = psutil.Process().cpu_times()
        return time.perf_counter(), busy, own.user + own.system + own.children_user + own.children_system
