"""The tests marked xdist_group share one server (`smartcity up`, the outage test's database) and must run on
one worker. pytest-xdist says so only through the test's id; with pytest 9.2 it silently stopped (pytest-xdist
issue 1386) and both workers started their own servers."""

import pytest


@pytest.mark.xdist_group("kept-together")
def test_marked_tests_are_kept_on_one_worker(request):
    if getattr(request.config.option, "loadgroup", False):  # make test: pytest -n 2 --dist loadgroup
        assert request.node.nodeid.endswith("@kept-together"), (
            "pytest-xdist no longer groups xdist_group tests with this pytest; see pytest's bound in pyproject.toml")
