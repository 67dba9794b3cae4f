"""Shared plumbing for every process: settings, database, errors, auth, pagination."""
