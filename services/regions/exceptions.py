"""The registry's rules, one problem `type` each."""

from __future__ import annotations

from services.common.errors import Conflict


class HeadTermsOverlap(Conflict):
    slug, title = "head-terms-overlap", "The term overlaps another head's term of the same region"
    title_id = "Masa jabatan tumpang tindih dengan masa jabatan kepala daerah lain"
