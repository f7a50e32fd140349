"""The FlexDeploy dialect (not built yet: the package holds the place the import contracts check)."""
