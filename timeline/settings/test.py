"""The test run's settings, selected by pyproject.toml's DJANGO_SETTINGS_MODULE (and by a child
process's environment where a test starts manage.py). Everything else is the production
configuration from base.py, so that the tests see the headers, cookies and storage a server
uses; pytest-django runs with DEBUG off, like production."""

from .base import *  # noqa: F403
from .base import RUNTIME_DIR, caches, static_storages

SECRET_KEY = "test-only-insecure-key-crisis-timeline"
# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
# The source files as they are: nothing is collected before a test run.
STORAGES = static_storages(collected=False)
WHITENOISE_USE_FINDERS = True
# No cache unless CACHE_URL says otherwise: a test's rolled-back rows send no signal, so a page
# cached in one test could be served to the next. tests/test_production.py switches local memory
# on where the cache itself is tested.
CACHES = caches("dummy://")
# Never the project's own media/: tests that upload point MEDIA_ROOT at their own tmp_path.
MEDIA_ROOT = RUNTIME_DIR / "test-media"
