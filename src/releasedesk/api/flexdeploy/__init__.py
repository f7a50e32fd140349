"""The FlexDeploy dialect (`/flexdeploy/rest/v1`): its own sub-app (`app.py`) whose routes
(`router.py`, `catalog.py`) parse FlexDeploy's JSON (`input.py`, `wire.py`), translate it
(`translate.py`) for the core's deployment and catalog, and answer FlexDeploy's errors
(`errors.py`); see docs/dialects.md."""
