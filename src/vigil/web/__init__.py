"""The web application and REST API (FastAPI): accounts, roles, audited views, server-rendered UI.

`vigil.web.app.create_app(db_url)` builds the application; `vigil serve` runs it under uvicorn.
Route modules live in `vigil.web.routes` (one per capability) and are discovered automatically.
"""
