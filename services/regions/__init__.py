"""Region registry: Kemendagri's region tree, regional heads, indicators."""
