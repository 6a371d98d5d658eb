# The settings moved here unchanged; the split into production and test settings follows.
from .base import *  # noqa: F403
