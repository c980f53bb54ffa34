"""Typed settings from ``FAIRGATE_*`` environment variables (and CLI flags).

Thresholds live here, not as constants in the code that uses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///fairgate.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAIRGATE_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    policy_path: Path | None = None

    # PDQ matching (published defaults: match at Hamming <= 31, quality >= 50).
    pdq_match_distance: int = Field(default=31, ge=0, le=128)
    pdq_quality_floor: int = Field(default=50, ge=0, le=100)
    pdq_dihedral: bool = True
    """Also query the 7 rotated/mirrored variants of every sent image."""
    pdq_fast_decode: bool = True
    """Screening decodes JPEGs at reduced size (libjpeg DCT scaling) when it keeps
    the hash conformant; list entries and ``fairgate hash`` always decode fully."""

    pdq_reduced_min_side: int = Field(default=512, ge=64)
    """Smallest short side a reduced JPEG decode may have. Measured on ~650 reduced
    decodes: >=512 px stays within 2 bits of the full decode; 256-511 px up to 8."""

    # Hamming index choice: "auto" picks flat below hamming_flat_max entries.
    hamming_index: Literal["auto", "flat", "mih"] = "auto"
    hamming_flat_max: int = Field(default=100_000, ge=0)
    """Measured: flat FAISS and our MIH are even near 100k entries; at 1M MIH is ~7x faster."""

    # Safe decoding limits.
    max_file_bytes: int = Field(default=32 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=64_000_000, ge=1)
    max_image_side: int = Field(default=20_000, ge=1)
    max_attachments: int = Field(default=16, ge=0)
    max_text_chars: int = Field(default=64_000, ge=0)

    # Text keyword matching.
    latin_word_boundaries: bool = True
