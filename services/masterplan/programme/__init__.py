"""Programmes of a masterplan and the yearly roadmap they make."""
