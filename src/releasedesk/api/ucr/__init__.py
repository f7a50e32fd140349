"""The UrbanCode Release dialect: not built yet; the package holds its place in the contracts."""
