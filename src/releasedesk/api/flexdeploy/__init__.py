"""The FlexDeploy dialect: not built yet; the package holds its place in the import contracts."""
