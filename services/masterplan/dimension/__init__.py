"""The six smart city dimensions and their elements: reference data an administrator edits."""
