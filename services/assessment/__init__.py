"""Assessment: rounds, invitations, sessions and panels, scoring, selection."""
