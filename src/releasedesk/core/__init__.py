"""The domain: every rule about releases. Imports nothing from api/, web/ or cli/."""
