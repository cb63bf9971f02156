"""Request dependencies every layer uses: the database session (one transaction per request), the
settings and the process registry the app was created with. Who is asking lives in
`backend.accounts.deps`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from backend.config import Settings
from backend.db import SAFE_METHODS, WRITE, committing
from backend.processes import Registry


def get_session(request: Request) -> Iterator[Session]:
    """Request-scoped session: one transaction per request (services only flush).

    A request that may change something (any method but GET, HEAD, OPTIONS) takes SQLite's write
    lock when its transaction begins, so that concurrent workers queue instead of failing."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    options = {} if request.method in SAFE_METHODS else WRITE
    with factory(execution_options=options) as session, committing(session):
        request.state.db = session
        yield session


def get_settings(request: Request) -> Settings:
    """The settings `create_app` was given (read once, when the app was created)."""
    settings: Settings = request.app.state.settings
    return settings


def get_registry(request: Request) -> Registry:
    """The process registry `create_app` built."""
    registry: Registry = request.app.state.registry
    return registry


DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppRegistry = Annotated[Registry, Depends(get_registry)]
