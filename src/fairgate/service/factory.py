"""The app as uvicorn's worker processes build it: settings from the environment
(``fairgate serve`` puts its options there before starting the workers)."""

from __future__ import annotations

from fastapi import FastAPI

from fairgate.service.app import create_app
from fairgate.settings import Settings


def app_from_env() -> FastAPI:
    return create_app(Settings())
