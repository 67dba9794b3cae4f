"""Indicators per region and year, loaded by the ministry that owns each."""
