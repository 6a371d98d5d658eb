"""What a server starts with (`timeline.settings`, the default of manage.py, wsgi.py and asgi.py):
the shared configuration from base.py, and no start without a SECRET_KEY unless DEBUG is on."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, SECRET_KEY

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to 50 or more random characters for a deployment, "
            "for example: SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
            " — or set DEBUG=1 for local development."
        )
    # A fixed key is fine for local development only.
    SECRET_KEY = "dev-only-insecure-key-crisis-timeline"
