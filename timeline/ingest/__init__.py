"""From article to timeline: read a news article and propose draft events from its dated sentences.

`manage.py ingest` is the command; this package holds the reading and the proposing, so that they
can be tested without a command line. One module per concern: `article.py` (1. reading),
`mentions.py` (dates and names in a sentence), `cues.py` (type, status, speaker), `propose.py`
(2.), `save.py` (3.).

1. `read_article(path, published=None)` reads the article. Two formats:

   - the seed format (`seeds/`): the file starts with ` date YYYY-MM[-DD] ` followed by the body
     on the same line; paragraphs are separated by blank lines;
   - plain text or Markdown, dated by `--published` (or a `date:` line in front matter between
     `---` lines, which may also give `outlet`, `title`, `url` and `language`). Markdown markup
     is removed (headings, emphasis, links, list markers); the first `# Title` is the title.

   A paragraph of one short line without a full stop ("Diplomaten", "Baerbock en Macron") or a
   Markdown heading is a sub-heading: never a sentence of an event.

2. `propose(article, ...)` splits every paragraph into sentences (pysbd), finds the date
   expressions in each (`find_dates`: a table of the phrases `timeline.dates.resolve` knows,
   longest first, whole words; dateparser's `search_dates` only as a fallback for sentences with
   digits), resolves the first one against the publication date, finds the known actors (names
   and aliases, accent- and case-insensitive; a person also by surname) and proposes one draft
   event per sentence that has a date expression. Sentences without one inherit nothing.

3. `save_proposals(...)` creates or updates the Source and writes the drafts in one
   transaction: unpublished, `proposed_from` the source, the sentence as their quote (position
   1), slug `<source>-zin-<n>` (n counts the article's sentences), so that a second run finds
   them. A draft anyone but ingest has saved (in the admin, an import, the shell; the audit
   history tells) is never changed again; one only ingest wrote is brought up to date (run
   without --published, then with it: the dates get resolved); one that was deleted is not
   brought back.

How honest guesses are kept honest:

- A source dated only by month ("2022-01") cannot place "woensdag" or "vanmorgen": a phrase is
  resolved only if its answer is the same on the first and the last day of that month ("26
  januari" is, "woensdag" is not). Otherwise the draft keeps the phrase in `unresolved_date`,
  its EDTF is the source's own date at the source's precision ("2022-01": what the article's
  date supports, a placeholder an editor must settle), and its confidence is low.
- The status is "occurred" unless the date lies after the publication date or a cue word
  ("later", "verwacht", "gaat", "will", "expected") looks ahead, and no past speech verb
  ("zei", "said") makes the date the day something was said; then "scheduled" for a day,
  "expected" for anything vaguer or when "verwacht"/"expected" says so. A date wholly before
  the publication date is always "occurred".
- Roles are "mentioned" unless a speech cue ("zei", "said", "liet weten", "onderstreept",
  "hekelde", "volgens") puts an actor right after it, or shortly before it: that one is the
  speaker. The type comes from a table of cue words; without a cue it is "statement", marked
  as a guess. Nothing else is inferred.
- `confidence` (0-1) is a rough score to sort proposals by, not a probability: a resolved date
  counts most, then actors (a speaker more), then a type backed by a cue.
"""

from timeline import dates  # noqa: F401 - ingest.dates, as before the package
from timeline.ingest.article import (
    Article,
    IngestError,
    PublicationDate,
    Sentence,
    article_from_text,
    read_article,
    shorten,
    split_sentences,
)
from timeline.ingest.mentions import ActorIndex, DateMention, find_dates, tokenize
from timeline.ingest.propose import Proposal, Proposals, propose
from timeline.ingest.save import SaveReport, same_text_sources, save_proposals

__all__ = [
    "ActorIndex",
    "Article",
    "DateMention",
    "IngestError",
    "Proposal",
    "Proposals",
    "PublicationDate",
    "SaveReport",
    "Sentence",
    "article_from_text",
    "find_dates",
    "propose",
    "read_article",
    "same_text_sources",
    "save_proposals",
    "shorten",
    "split_sentences",
    "tokenize",
]
