"""One module per capability, each with a module-level `router` (a FastAPI APIRouter).

`vigil.web.app.create_app` includes every module here that defines `router`, in name order, so a new
capability adds `routes/<thing>.py` and nothing else. Each route names its roles with
`vigil.web.security.allow(...)` (the app refuses to start otherwise). JSON lives under
`/api/<thing>...` (the documents of shared/formats.md), pages under `/<thing>...`.
"""
