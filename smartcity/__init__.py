"""Operator commands: start the stack, migrate, seed, tokens."""
