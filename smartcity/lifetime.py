"""What ties a stack's lifetime together, light enough to run before anything heavy is imported: one stack per
data folder, and children that die with the process that started them."""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO


class DataDirInUse(Exception):
    pass


def hold_data_dir(data_dir: Path) -> IO[str]:
    """One stack per data folder: a second `smartcity up` on it would share, then stop, the first one's database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "up.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DataDirInUse(f"{data_dir} is in use by a running stack ({holder}); stop it first, or give this one "
                           "its own SMARTCITY_DATA_DIR and ports") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Looked up here, not in the forked child, where only the plainest calls are safe.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with(parent: int, signum: int = signal.SIGTERM) -> Callable[[], None]:
    """In the child, before exec or first thing after fork: the kernel sends it `signum` when the supervisor
    dies, even by SIGKILL."""
    def preexec() -> None:
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, signum)
        if os.getppid() != parent:  # the supervisor died before the line above ran
            os._exit(1)
    return preexec
