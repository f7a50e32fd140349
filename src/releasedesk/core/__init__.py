"""The domain: every rule about releases, in neutral types. Imports nothing from api/ or cli/.

Importing it registers how the storage's constraint violations become core errors
(core/violations.py): whatever runs the domain's statements has imported the core first."""

from releasedesk.core import violations as _violations  # noqa: F401  (registers at import)
