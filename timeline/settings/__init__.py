"""Settings. `timeline.settings` itself is the server's configuration (production.py); pytest
selects `timeline.settings.test`; both build on base.py.

production.py is loaded on the first setting asked for rather than imported here, because Python
runs this file before any submodule: importing it here would make `timeline.settings.test` refuse
to load without a SECRET_KEY, which is production's rule, not the test run's."""

from importlib import import_module


def __getattr__(name: str):
    if not name.isupper():  # settings only; probes such as __wrapped__ stay plain misses
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(".production", __name__), name)


def __dir__() -> list[str]:
    return dir(import_module(".production", __name__))
