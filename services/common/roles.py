"""The roles a token carries, and the groups of them the gates name: vocabulary alone, so what only signs or
names a role (the commands' development tokens) does not import the web framework with it."""

from enum import StrEnum


class Role(StrEnum):
    kominfo_admin = "kominfo_admin"
    kominfo_officer = "kominfo_officer"
    assessor = "assessor"
    kemendagri = "kemendagri"
    kemenkeu = "kemenkeu"
    bappenas = "bappenas"
    pupr = "pupr"
    kemenpanrb = "kemenpanrb"
    ksp = "ksp"
    pemda = "pemda"


KOMINFO = frozenset({Role.kominfo_admin, Role.kominfo_officer})
MINISTRIES = frozenset({Role.kemendagri, Role.kemenkeu, Role.bappenas, Role.pupr, Role.kemenpanrb, Role.ksp})
ALL_ROLES = frozenset(Role)
PUBLIC = "public"
