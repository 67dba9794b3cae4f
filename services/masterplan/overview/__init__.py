"""What other views read: a region's summary, the funnel rows, open data."""
