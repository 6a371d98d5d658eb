"""The login lockout: django-axes' database handler, plus a limit per address.

Axes locks a (username, address) pair after AXES_FAILURE_LIMIT wrong passwords, so that nobody
can lock an editor out from elsewhere. That alone never stops one address from trying a few
passwords on every username (password spraying); axes has one limit for all its lockout
parameters, and a per-address limit as low as the per-pair one would lock a whole newsroom
behind one NAT out after five typos. So an address is refused for every username once its
failures, over all usernames within the cool-off time, reach LOGIN_ADDRESS_FAILURE_LIMIT.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes answers "locked out" (429) only when its own limit is reached; an address over
        # its limit gets the same answer rather than the login form again.
        if request is not None and not request.axes_locked_out and self.address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def address_locked(self, request) -> bool:
        """Whether the request's address has failed too often, whatever the usernames."""
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        failures = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(n=Sum("failures_since_start"))["n"]
        return (failures or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
