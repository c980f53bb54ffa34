"""The enforcement part of a policy: the penalty ladder and how long strikes count.

    enforcement:
      strike_window: 90d
      levels:
        - {name: warning, points: 1}
        - {name: restricted_24h, points: 3, restrict: [send], duration: 24h}
        - {name: restricted_7d, points: 6, restrict: [send], duration: 7d}
        - {name: permanent, points: 10, restrict: [send]}

A level applies when the sender's active strike points reach its ``points``;
``restrict`` names the capabilities taken away; no ``duration`` on a level that
restricts means permanent. Durations are ``<number><unit>`` with unit s, m, h,
d or w.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fairgate.types import CAPABILITIES, Capability

PROTECTED: frozenset[str] = frozenset({"appeal", "export", "read"})
"""Capabilities no level can take away: a restricted account can always read,
export its data and appeal."""

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``"24h"``, ``"7d"``, ``"30m"`` (or seconds as a number) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration is like 24h, 7d or 30m")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise ValueError(f"invalid duration {value!r}: write it like 24h, 7d or 30m")
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return timedelta(seconds=seconds)


class Level(BaseModel):
    """One rung of the ladder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    points: int = Field(ge=1, le=1000)
    restrict: tuple[Capability, ...] = ()
    duration: timedelta | None = None
    """How long the restriction lasts; ``None`` with ``restrict`` set means permanent."""

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta | None:
        if value is None:
            return None
        if isinstance(value, str | int | float | timedelta):
            return parse_duration(value)
        raise ValueError("a duration is like 24h, 7d or 30m")

    @field_validator("restrict")
    @classmethod
    def _restrictable(cls, value: tuple[Capability, ...]) -> tuple[Capability, ...]:
        kept = sorted(set(value) & PROTECTED)
        if kept:
            raise ValueError(f"a level cannot take away {', '.join(kept)}")
        return tuple(c for c in CAPABILITIES if c in value)

    @model_validator(mode="after")
    def _duration_needs_restriction(self) -> Level:
        if self.duration is not None and not self.restrict:
            raise ValueError(f"level {self.name!r} has a duration but restricts nothing")
        return self

    @property
    def permanent(self) -> bool:
        return bool(self.restrict) and self.duration is None


DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(name="warning", points=1),
    Level(name="restricted_24h", points=3, restrict=("send",), duration=timedelta(hours=24)),
    Level(name="restricted_7d", points=6, restrict=("send",), duration=timedelta(days=7)),
    Level(name="permanent", points=10, restrict=("send",)),
)


class Enforcement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    strike_window: timedelta = timedelta(days=90)
    """Strikes older than this no longer count."""
    levels: tuple[Level, ...] = DEFAULT_LEVELS
    retro: Literal["review", "penalize"] = "review"
    """What a retro-scan hit (an earlier message matching a newly listed entry)
    does: queue for a person (default), or also give the rule's strike points."""

    @field_validator("strike_window", mode="before")
    @classmethod
    def _window(cls, value: object) -> timedelta:
        if isinstance(value, str | int | float | timedelta):
            return parse_duration(value)
        raise ValueError("a duration is like 24h, 7d or 30m")

    @field_validator("levels")
    @classmethod
    def _ordered(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        names = [lv.name for lv in levels]
        if len(set(names)) != len(names):
            raise ValueError("level names must be unique")
        points = [lv.points for lv in levels]
        if points != sorted(points) or len(set(points)) != len(points):
            raise ValueError("levels must be listed with strictly increasing points")
        return levels

    def level(self, name: str) -> Level | None:
        return next((lv for lv in self.levels if lv.name == name), None)

    def reached(self, points: int) -> Level | None:
        """The highest level whose points ``points`` reaches (None below the first)."""
        found = None
        for lv in self.levels:
            if points >= lv.points:
                found = lv
        return found
