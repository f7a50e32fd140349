"""How much structure one request may carry: every bound a client's input is checked against
before anything is compiled, looked up or written, in one place with the reason for each.

Each is set far above what a real client sends (the vendors document no such limits; their
samples send one criterion, a dozen `fields_required`, a few ids) and far below what would
hurt the server: Python's recursion limit, the databases' bound parameters per statement
(32,766 on SQLite, 32,767 on PostgreSQL), one lookup per item. A request past one is a 400
in the dialect's format naming the field and the limit (docs/dialects.md lists them).
"""

from __future__ import annotations

# --- any JSON a client sends -------------------------------------------------------------

# Objects and arrays inside one another. SDP's deepest legitimate input, search_criteria
# nested MAX_SEARCH_DEPTH levels, is 26 deep; UCR and FlexDeploy bodies are under 8. Past
# this, walking, validating and echoing the value (orjson writes at most 255 levels) would
# recurse for nothing.
MAX_JSON_DEPTH = 32

# --- a search (SDP's list_info; the core's filter tree) ---------------------------------

# Criteria in one search_criteria, counted at every level of `children`. The SDP web
# client's advanced search builds a handful; a flat array of 330 used to exhaust Python's
# recursion (issue #19).
MAX_SEARCH_CRITERIA = 100

# Levels of `children` inside one another: the vendor's examples use one.
MAX_SEARCH_DEPTH = 10

# Values over all criteria (`values: [...]` of `is`, `between`, ...). Each is one bound
# parameter; 40,000 ids in one `is` passed SQLite and failed PostgreSQL's 32,767.
MAX_SEARCH_VALUES = 1000

# The core's own bound on a filter tree, whoever built it: conditions, and AND/OR groups
# inside one another once runs of the same operator are one group. SQLAlchemy compiles a
# group in about 7 Python frames, so 50 levels stay well inside the interpreter's 1,000
# beside the ~350 frames of the server around them. SDP criteria alternating AND and OR
# more than 50 times in a row reach it (a search of 100 criteria that all join by AND, or
# all by OR, is one level).
MAX_FILTER_CONDITIONS = 2 * MAX_SEARCH_CRITERIA  # the criteria and SDP's search_fields
MAX_FILTER_DEPTH = 50

# Characters in one text value searched for (a criterion's value, a search_fields entry):
# words to look for, not a document. A title holds at most a few hundred characters; a
# 100,000-character `like` used to be sent to the database as it was.
MAX_SEARCH_TEXT = 1000

# Names in fields_required (a release has about 60 fields) and sorts in sort_fields.
MAX_FIELDS_REQUIRED = 100
MAX_SORT_FIELDS = 10

# --- several things in one request ------------------------------------------------------

# Ids in SDP's `?ids=1,2,3` (close, trash, restore, assign, pickup, approvals): each is
# loaded, locked and answered on its own.
MAX_IDS = 100

# Items of a list to add in one request (SDP's approvers of a level, associated changes or
# projects): each is looked up on its own.
MAX_ITEMS_PER_REQUEST = 500

# --- bodies ------------------------------------------------------------------------------

# A web page's form: its largest, a release's edit, holds a description of MAX_LONG_TEXT
# characters, up to 9 bytes each once percent-encoded. (The dialects' bodies are bounded
# where each reads them: SDP and FlexDeploy 2 MB, UCR 5 MB for 500 releases at once.)
MAX_FORM_BYTES = 2_000_000

# --- text --------------------------------------------------------------------------------

# A description (HTML or plain), a task's or a note's text: the columns are unbounded TEXT,
# so without this a 1 MB description was stored, and read back on every page that shows it.
# FlexDeploy's wire already took at most this much.
MAX_LONG_TEXT = 100_000

# --- times -------------------------------------------------------------------------------

# The years a time given to releasedesk's own API or a freeze window may fall in: far past
# any release plan, and far enough from datetime's year 1 and 9999 that a zone's offset, a
# window's length or a search's span (a year at most) added to it stays a date (a window
# ending 9999-12-31T23:00:00-05:00 was a 500).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999

# Characters of an ISO 8601 duration (P366D or PT8784H and then some; the column holds 40):
# the digits of P99999999999D were read and overflowed a timedelta.
MAX_DURATION_TEXT = 40
