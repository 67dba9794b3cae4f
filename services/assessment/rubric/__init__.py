"""Versioned scoring rubrics: what is scored, on which scale, with which weight."""

from __future__ import annotations





