"""The levels of detail the boundaries are stored at, and which one serves a zoom: what the loader makes and the
maps read (apart from the loader, so serving maps never imports its geometry libraries)."""

FULL = 22
# The coarsest zoom a level serves -> its tolerance in degrees (None: as shipped, about 55 m).
LEVELS: dict[int, float | None] = {4: 0.04, 6: 0.01, 8: 0.0025, FULL: None}


def level_for(zoom: int | None) -> int:
    """The stored level that serves a map zoom: the coarsest whose detail is enough."""
    if zoom is None:
        return FULL
    return min(level for level in LEVELS if level >= zoom)
