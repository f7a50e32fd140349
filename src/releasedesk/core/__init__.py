"""The domain: every rule about releases, in neutral types. Imports nothing from api/ or cli/."""
