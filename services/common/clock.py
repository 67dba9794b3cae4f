"""The programme's clock: when something is recorded, and the default date of an act done in the system.

Acts in the real world (a signing, a decree, a term of office) carry their own dates from the caller;
these functions only stamp the recording, or stand in for the date of an act done here and now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# Kominfo works on Western Indonesian Time (UTC+7, no daylight saving).
WIB = timezone(timedelta(hours=7), "WIB")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Jakarta."""
    return datetime.now(WIB).date()
