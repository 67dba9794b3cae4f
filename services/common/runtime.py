"""Process-wide settings of the Python runtime, applied once a process has started."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# The cyclic collector's first-generation threshold. Python's default (700 allocations) made a 514-region
# selection collect over a hundred times, each full pass re-walking every object the process holds:
# a quarter of the time to finalise (bench/assessment.py). Reference counting still frees almost everything
# at once; this only makes the search for cycles less frequent.
YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    """Objects made while starting (modules, routes, schemas) live as long as the process: set them aside
    so that no collection walks them again, and collect cycles less often. No collection first: at this point
    it found some 1,300 unreachable objects among 180,000 (an app's start) and cost 0.25 s of every start."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)


@contextlib.contextmanager
def starting() -> Iterator[None]:
    """While a process imports and builds what it keeps for life: no cyclic collection, which would only walk
    the growing heap again and again and find nothing to free (a fifth of the CPU of importing an app)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
