"""Progress reports, late programmes and the yearly evaluation."""
