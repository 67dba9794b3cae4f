"""What every request pays for: nothing that can be done once, and no hop to a worker thread."""

import inspect

from fastapi.routing import APIRoute

from tests.conftest import all_apps


def _sync_dependencies(dependant, found: set[str]) -> set[str]:
    for sub in dependant.dependencies:
        call = sub.call
        # A gate is an instance whose __call__ is the dependency.
        target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
        if not (inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)):
            found.add(getattr(call, "__qualname__", type(call).__qualname__))
        _sync_dependencies(sub, found)
    return found


def test_no_dependency_runs_in_a_worker_thread():
    """FastAPI runs a plain `def` dependency in the thread pool: a hop out and back on every request that uses it
    (a round's results paid one for building its registry client)."""
    found: set[str] = set()
    for app in all_apps().values():
        for route in app.router.routes:
            if isinstance(route, APIRoute):
                _sync_dependencies(route.dependant, found)
    assert found == set()
