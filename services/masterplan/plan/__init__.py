"""Versioned masterplans: draft, review, approval with its legal basis, revision, reconfirmation."""
