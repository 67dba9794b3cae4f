"""The region tree: codes, names, levels, search, lookup and export."""
