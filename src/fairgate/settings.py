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

    # Visual matching beyond PDQ (signals/trim.py, subimage.py, local.py; docs/visual.md).
    visual_trim: bool = True
    """Also hash each sent image with its borders (padding, bars, frames) trimmed."""
    visual_tiles: bool = True
    """Also hash the tiles of each sent image (2x2, 3x1, 1x3, 2x1, 1x2; plain and mirrored)."""
    visual_crop_entries: bool = False
    """Listing an image also lists the PDQ hashes of 10 windows of it (80% and 60% of each side).
    Off: measured, it lowered recall at 99.99% precision (the extra entries meet distractors)."""
    visual_local: bool = False
    """Verify images no hash matched with ORB keypoints + RANSAC (lists get ``orb`` entries).
    Off by default for now: ``orb`` entries are about 12 KB and PostgreSQL's btree index on
    entry values takes at most 2.7 KB (SQLite is fine); needs a schema change first."""
    visual_local_side: int = Field(default=512, ge=64, le=4096)
    """Keypoints are found on a copy of the image this long (px)."""
    visual_local_mirror: bool = True
    """Also look for the keypoints of the sent image's mirror image (a mirrored crop)."""
    visual_local_listed_features: int = Field(default=256, ge=16, le=320)
    """Keypoints kept per listed image (the entry value grows 48 characters per keypoint)."""
    visual_local_query_features: int = Field(default=600, ge=16, le=5000)
    """Keypoints looked for in a sent image."""
    visual_local_ratio: float = Field(default=0.8, gt=0, le=1)
    """Lowe's ratio test: nearest keypoint distance / second nearest must be under this."""
    visual_local_ransac_px: float = Field(default=6.0, gt=0)
    """RANSAC reprojection error (px) for a keypoint pair to count as explained."""
    visual_local_min_inliers: int = Field(default=20, ge=4)
    """Keypoints explained by one similarity transform needed for a local-feature match.
    Measured (docs/visual.md): distractor pairs reached 16; 16 gave 14 false matches."""
    visual_local_verify_all_max: int = Field(default=256, ge=0)
    """Local-feature entries up to which every one is verified (a small verify-worthy list);
    above, only PDQ near misses are."""
    visual_candidate_distance: int = Field(default=96, ge=0, le=256)
    """PDQ distance within which an entry is a candidate for local-feature verification."""
    visual_max_verify: int = Field(default=16, ge=1)
    """Candidates verified per sent image at most (nearest PDQ first)."""
    embedding_model_path: Path | None = None
    """An ONNX image-embedding model (none ships); when set, its sign-binarised embedding
    is one more signal type, ``embedding`` (signals/embedding.py)."""
    embedding_input_side: int = Field(default=224, ge=8, le=1024)
    """The model's input: a 1 x 3 x side x side float32 batch."""
    embedding_match_distance: int = Field(default=40, ge=0)
    """Hamming distance between binarised embeddings that still matches: meant for a
    256-dimension model; tune it per model with ``fairgate eval images``."""
    visual_budget_ms: float = Field(default=200.0, gt=0)
    """Time the cheap signals of one image may take before its deferred (expensive) ones are
    skipped, with a Note: a cap for pathological images and overload, not the typical cost."""

    # Hamming index choice: "auto" picks flat below hamming_flat_max entries.
    hamming_index: Literal["auto", "flat", "mih"] = "auto"
    hamming_flat_max: int = Field(default=100_000, ge=0)
    """Measured: flat FAISS and our MIH are even near 100k entries; at 1M MIH is ~7x faster."""
    faiss_threads: int = Field(default=1, ge=1)
    """OpenMP threads FAISS searches use (set process-wide when indexes are made): small
    screening queries ran 100x slower with 2 threads spinning on a busy 2-core machine."""

    # Safe decoding limits.
    max_file_bytes: int = Field(default=32 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=64_000_000, ge=1)
    max_image_side: int = Field(default=20_000, ge=1)
    max_attachments: int = Field(default=16, ge=0)
    max_text_chars: int = Field(default=64_000, ge=0)

    # Text keyword matching.
    latin_word_boundaries: bool = True

    # Text lists: terms, allow-terms, regexes and their rebuilds (text/matcher.py).
    max_term_chars: int = Field(default=200, ge=1, le=512)
    """Longest term or allow-term accepted by ``lists add`` (after trimming)."""
    max_regex_chars: int = Field(default=500, ge=1, le=512)
    """Longest regex rule accepted by ``lists add``."""
    regex_max_mem: int = Field(default=8 << 20, ge=1 << 16)
    """RE2 memory cap (bytes) for one compiled regex and for the set of all of them."""
    term_delta_rebuild_at: int = Field(default=2_000, ge=1)
    """Entries added or disabled since the last full build that trigger a background rebuild."""
    term_rebuild_interval_s: float = Field(default=300.0, gt=0)
    """A background rebuild also starts this long after the last one if anything is pending."""
    term_shard_keys: int = Field(default=50_000, ge=100)
    """Keys per automaton: bounds how long one build step holds the GIL (about 2 us a key);
    each shard is one more walk per message (100k terms: 20k shards halved the rate)."""

    # Text in images (OCR). Runs only for image attachments when a policy rule has
    # ``image_text: true``; the engine (RapidOCR, models inside the wheel) loads on first need.
    ocr_enabled: bool = True
    ocr_message_budget_seconds: float = Field(default=2.0, gt=0)
    """Time OCR may spend on one message; attachments left when it is spent are skipped
    (the Decision carries a Note)."""
    ocr_cache_entries: int = Field(default=1024, ge=1)
    """OCR results kept by the attachment's sha256 (an image is never read twice)."""
    ocr_det_limit_type: Literal["max", "min"] = "max"
    ocr_det_limit_side_len: int = Field(default=960, ge=32)
    """The detector scales the image so its longer side (``max``) is at most this."""
    ocr_text_score: float = Field(default=0.5, ge=0, le=1)
    """Recognised lines scoring below this are dropped."""
    ocr_cls_thresh: float = Field(default=0.999, ge=0, le=1)
    """Confidence the angle classifier needs to turn a line by 180 degrees."""
    ocr_threads: int = Field(default=2, ge=1)
    ocr_deep_retry: bool = False
    """A photo that read (almost) nothing is read again with CLAHE, then as four
    overlapping quarters at full resolution (grey-on-grey and small text; up to
    5 more detector runs per textless photo)."""
    ocr_real_dir: Path | None = None
    """``fairgate eval ocr``'s data set (default: ``../shared/data/ocr-real``)."""
