"""The programme's history replayed through the API as its users act it: worlds for the tests and the benchmarks.

Everything here goes through the gateway with real tokens, so a world built here is one production could hold.
"""
