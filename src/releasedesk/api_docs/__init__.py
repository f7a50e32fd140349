"""The API docs: /docs (and /app/{portal}/docs), a page linking each dialect's interactive
docs, each rendered in the browser by Swagger UI from that dialect's own OpenAPI document
(api/openapi.py). Swagger UI is vendored in static/ (VENDORED.txt), never fetched from a CDN,
so the docs work offline."""
