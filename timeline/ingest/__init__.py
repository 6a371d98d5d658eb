"""From article to timeline: read a news article and propose draft events from its dated sentences."""

from timeline import dates  # noqa: F401 - ingest.dates, as before the package
from timeline.ingest.mentions import *  # noqa: F403 - the package's public names, for now in one module
from timeline.ingest.mentions import (  # noqa: F401 - used by the ingest command and the tests
    ActorIndex,
    SaveReport,
    _shorten,
    same_text_sources,
    split_sentences,
    tokenize,
)
