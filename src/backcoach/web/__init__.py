"""The web adapter: a FastAPI app with server-rendered pages, a JSON API under /api/v1, and small JS modules."""
