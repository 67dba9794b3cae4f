"""The masterplan stage's rules, one problem `type` each."""

from __future__ import annotations

from services.common.errors import Conflict


class RegionNotSelected(Conflict):
    slug, title = "region-not-selected", "The region was not selected in a published round"
    title_id = "Daerah tidak terpilih pada putaran yang telah diumumkan"


class MouExists(Conflict):
    slug, title = "mou-exists", "The region already signed the MoU for that round"
    title_id = "Daerah sudah menandatangani nota kesepahaman untuk putaran tersebut"


class MasterplanExists(Conflict):
    slug, title = "masterplan-exists", "The region already has a masterplan; revise it instead"
    title_id = "Daerah sudah memiliki masterplan; lakukan revisi"


class NoMou(Conflict):
    slug, title = "mou-missing", "A masterplan follows the MoU"
    title_id = "Masterplan disusun setelah nota kesepahaman"


class MasterplanNotDraft(Conflict):
    slug, title = "masterplan-not-draft", "Only a draft masterplan changes"
    title_id = "Hanya draf masterplan yang dapat diubah"


class NotFlagged(Conflict):
    slug, title = "not-flagged", "The masterplan is not flagged for reconfirmation"
    title_id = "Masterplan tidak ditandai untuk dikonfirmasi ulang"
