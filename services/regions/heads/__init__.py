"""Regional heads and their terms of office."""
