"""Request rates of the API, read from settings on each request (so deploys and tests can
change them without DRF's class-level cache of THROTTLE_RATES getting in the way)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class ApiUserThrottle(UserRateThrottle):
    """Per user (their token or session): API_THROTTLE_RATE."""

    def get_rate(self):
        return settings.API_THROTTLE_RATE


class ApiAnonThrottle(AnonRateThrottle):
    """Per client address for calls without credentials: API_ANON_THROTTLE_RATE."""

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE
