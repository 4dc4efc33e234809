"""The home page: identifier lookup for those who read records; what the role may do for the rest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.web.accounts import SessionInfo
from vigil.web.documents import IDENTIFIER_KINDS
from vigil.web.roles import EVERYONE
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    return render(request, "home.html", who, kinds=IDENTIFIER_KINDS, purpose=who.purpose)
