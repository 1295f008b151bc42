"""Processes that die with their parent: no crawl or extraction pool outlives its owner.

Linux's ``PR_SET_PDEATHSIG`` sends a signal when the *thread* that started the process exits,
so the owner must start its children from a thread that lives as long as they should.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import signal
import sys

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (elsewhere: nothing)."""
    libc_name = ctypes.util.find_library("c")
    if not (libc_name and sys.platform.startswith("linux")):
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        logger.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())


def extraction_worker_init() -> None:
    """An extraction pool worker: dies with its forkserver, and leaves Ctrl-C to its owner.

    A terminal's Ctrl-C reaches the whole process group; the crawl that owns the pool shuts it
    down, so a worker interrupted on its own would only print a KeyboardInterrupt traceback.
    """
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
