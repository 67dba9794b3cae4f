"""Masterplans: MoU, versioned masterplans, programmes on a roadmap, progress."""
