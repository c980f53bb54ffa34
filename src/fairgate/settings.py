"""Typed settings from ``FAIRGATE_*`` environment variables (and CLI flags).

Thresholds live here, not as constants in the code that uses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

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
    visual_local: bool = True
    """Verify images no hash matched with ORB keypoints + RANSAC (lists get ``orb`` entries of
    about 25 KB; the store indexes their sha256, revision 0005)."""
    visual_local_side: int = Field(default=512, ge=64, le=4096)
    """Keypoints are found on a copy of the image this long (px)."""
    visual_local_mirror: bool = True
    """Listed images' entries also hold their mirror image's keypoints, so a mirrored crop is
    verified with one extraction of the sent image."""
    visual_local_mirror_at_screening: bool = False
    """Also extract the keypoints of each sent image's mirror image (a second extraction): for
    entries listed without mirror-image keypoints."""
    visual_local_listed_features: int = Field(default=256, ge=16, le=640)
    """Keypoints kept per listed image, and per its mirror image (48 characters each in the
    entry value)."""
    visual_local_query_features: int = Field(default=600, ge=16, le=5000)
    """Keypoints looked for in a sent image."""
    visual_local_fast_thresholds: tuple[Annotated[int, Field(ge=1, le=255)], ...] = Field(
        default=(10, 5, 2), min_length=1
    )
    """FAST corner thresholds ORB tries in turn while it finds fewer keypoints than wanted
    (smooth photos - skies, gradients, blur - have few strong corners)."""
    visual_local_ratio: float = Field(default=0.8, gt=0, le=1)
    """Lowe's ratio test: nearest keypoint distance / second nearest must be under this."""
    visual_local_ransac_px: float = Field(default=6.0, gt=0)
    """RANSAC reprojection error (px) for a keypoint pair to count as explained."""
    visual_local_min_inliers: int = Field(default=14, ge=4)
    """Distinct keypoints explained by one similarity transform needed for a local-feature
    match. Measured (docs/visual.md): with the scale and spread checks, distractor pairs
    reached 7 of 26,520 (40 originals) and 12 of 60,180 (60 originals: the two halves of a
    photo of a repeating facade); 12 gave those 2 false matches."""
    visual_local_max_scale: float = Field(default=8.0, ge=1.0)
    """A fit that scales the listed image by more than this, or less than its inverse, is
    degenerate and refused (distractors reached 10 keypoints with fits near scale 0)."""
    visual_local_min_spread: float = Field(default=0.03, ge=0, le=1)
    """The explained keypoints' convex hull must cover this fraction of the area the entry's
    keypoints span (a chance match on one small patch or texture is refused)."""
    visual_dense: bool = True
    """Compare a grey thumbnail of each sent image with listed images' (normalised
    cross-correlation at several sizes; lists get ``ncc`` entries of about 4.4 KB): crops, pads
    and frames of smooth photos with few keypoints (signals/dense.py)."""
    visual_dense_side: int = Field(default=64, ge=16, le=256)
    """Longer side (px) of the thumbnails compared."""
    visual_dense_scales: tuple[Annotated[float, Field(gt=0, le=1)], ...] = Field(
        default=(0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0), min_length=1
    )
    """Relative sizes tried: of the sent image within a listed one (a crop), and of a listed
    image within the sent one (padding, a frame, a caption)."""
    visual_dense_min_part: float = Field(default=0.97, gt=0, le=1)
    """Correlation at which the sent image matches as a window of a listed image (a crop).
    Measured (docs/visual.md): distractor pairs reached 0.93 (40 and 60 originals)."""
    visual_dense_min_whole: float = Field(default=0.95, gt=0, le=1)
    """Correlation at which a listed image matches as a window of the sent image (padded,
    framed). Measured: distractor pairs reached 0.88 (40 and 60 originals)."""
    visual_dense_coarse_min: float = Field(default=0.85, gt=-1, le=1)
    """Correlation at half side a size must reach to be compared again at full side."""
    visual_dense_min_std: float = Field(default=2.0, ge=0)
    """Thumbnails and windows flatter than this (standard deviation, grey levels) are not
    compared: their correlation means nothing."""
    visual_dense_verify_all_max: int = Field(default=64, ge=0)
    """Thumbnail entries up to which every one is compared with each sent image (about 0.5 ms
    each); above, only PDQ near misses are (``visual_candidate_distance``)."""
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
    """OpenMP threads of each FAISS search, in every thread that searches (OpenMP keeps
    the count per thread: index/omp.py): small screening queries ran 100x slower with
    2 threads spinning on a busy 2-core machine."""

    # Safe decoding limits.
    max_file_bytes: int = Field(default=32 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=64_000_000, ge=1)
    media_concurrency: int = Field(default=4, ge=1, le=256)
    """Screen calls of one process that decode images at the same time (more
    wait their turn): with ``max_image_pixels`` it bounds the memory decoded
    images take, whatever ``service_threads`` is."""
    max_image_side: int = Field(default=20_000, ge=1)
    media_max_frames: int = Field(default=8, ge=1, le=1000)
    """Frames of an animated GIF, APNG or WebP that are screened: the first N (1: the
    first frame only); the Decision says when the rest were skipped (media/frames.py)."""
    media_max_frame_pixels: int = Field(default=16_777_216, ge=1)
    """Pixels the screened frames of one animation may sum to (the first frame counts):
    frames that would go past it are skipped, so huge or countless frames stay bounded."""
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
    """Keys per automaton of a background build: bounds how long one build holds the GIL
    (about 7 us a key); each automaton is one more walk per message."""
    term_load_shard_keys: int = Field(default=2_000_000, ge=100)
    """Keys per automaton of the snapshot built when the engine loads its lists (before it
    serves, so nothing is stalled): 100k terms (about 295k keys) make one automaton."""

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
    ocr_deep_retry: bool = True
    """A photo that read (almost) nothing is read again with CLAHE, then as four
    overlapping quarters at full resolution (grey-on-grey and small text; up to
    5 more detector runs per textless photo, each started only while the
    message's OCR budget lasts)."""
    ocr_sharp_edge_step: int = Field(default=8, ge=1, le=255)
    """Luminance step (0..255) of the Laplacian that counts as a sharp edge pixel..."""
    ocr_sharp_edge_min_pixels: int = Field(default=16, ge=0)
    """...an image where no 32x32 block holds this many is judged textless without
    running the detector (0: off)."""
    ocr_real_dir: Path | None = None
    """``fairgate eval ocr``'s data set (default: ``../shared/data/ocr-real``)."""

    # Due process: notices, review, retention (fairgate.enforcement).
    notice_locale: str = Field(default="en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    """Language of notices when the message does not name one (``en``, ``zh-Hans`` ship)."""
    notice_catalog_dir: Path | None = None
    """A folder of ``<locale>.yaml`` notice catalogues that add or override languages."""
    review_claim_minutes: float = Field(default=30.0, gt=0)
    """A reviewer's claim on a queue item lapses after this long; then another may take it."""
    media_retention_days: float = Field(default=90.0, gt=0)
    """Hashes of screened attachments are kept this long for retro-scans, then purged."""
    retro_scan_max_hits: int = Field(default=10_000, ge=0)
    """At most this many earlier messages are queued for one newly listed entry."""

    # Transparency report (fairgate report).
    report_period_days: int = Field(default=30, ge=1)
    """Length of the report's period when ``--since`` is not given (ending at ``--until``)."""
    report_chart_rules: int = Field(default=20, ge=1)
    """Rules drawn in the decisions-by-rule chart; the rest are summed into one bar
    (the tables list every rule)."""

    # The service (fairgate serve): scale-out, change feed, keys and limits.
    redis_url: str | None = None
    """``redis://host:6379/0``: list changes are published there and every worker
    applies them at once; without it workers poll the database."""
    feed_channel: str = Field(default="fairgate:changes", min_length=1, max_length=200)
    """The Redis channel list changes are announced on."""
    feed_poll_interval_s: float = Field(default=0.25, gt=0, le=60)
    """How often a worker checks the database for list changes without Redis
    (or while Redis is unreachable)."""
    feed_redis_poll_interval_s: float = Field(default=5.0, gt=0, le=3600)
    """How often a worker also checks the database while subscribed to Redis (catch-up)."""
    api_key_cache_seconds: float = Field(default=5.0, ge=0, le=3600)
    """A verified API key is trusted this long without a database query. A revoked
    key stops working within this time, or sooner: each worker's change feed checks
    for revocations (at once with Redis, every ``feed_poll_interval_s`` without)."""
    rate_limit_per_second: float = Field(default=2000.0, gt=0)
    """Requests per second one API key may make (token bucket): across all workers with
    Redis (``rate_limit_shared``), else to each worker."""
    rate_limit_burst: float = Field(default=4000.0, ge=1)
    """Requests one API key may make at once before the rate applies."""
    rate_limit_shared: bool = True
    """With ``redis_url`` set, a key's bucket is kept in Redis and shared by every worker
    (else, and while Redis is unreachable, each worker has its own)."""
    rate_limit_lease_seconds: float = Field(default=0.05, gt=0, le=10)
    """A worker takes a key's tokens from Redis this many seconds' worth at a time (rate x
    this, at least 1) and spends them in memory: one Redis call per lease, and the
    deployment admits at most one unspent lease per worker over the rate."""
    rate_limit_retry_seconds: float = Field(default=5.0, gt=0, le=3600)
    """After Redis failed to answer, a worker limits on its own this long before asking
    Redis again."""
    max_request_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """Larger HTTP request bodies are refused with 413."""

    # Webhooks (fairgate.webhooks): deliveries run in the dispatcher, never while screening.
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    """How long one delivery attempt may take (connect, send, answer) before it fails."""
    webhook_max_attempts: int = Field(default=8, ge=1)
    """Attempts per delivery; after the last one fails it is marked ``failed``."""
    webhook_backoff_base_s: float = Field(default=10.0, gt=0)
    """Wait after the first failed attempt; it doubles after each further one."""
    webhook_backoff_max_s: float = Field(default=3600.0, gt=0)
    """The longest wait between two attempts."""
    webhook_lease_s: float = Field(default=30.0, gt=0)
    """The dispatcher's lease on the audit cursor; another process takes over once
    it lapses (its holder died)."""
    webhook_poll_interval_s: float = Field(default=1.0, gt=0)
    """Pause between dispatch rounds (new events, due retries)."""
    webhook_batch: int = Field(default=500, ge=1)
    """Audit events read, and due deliveries fetched, per step."""
    webhooks_enabled: bool = True
    """``fairgate serve`` workers deliver webhooks (one at a time holds the lease);
    off: run ``fairgate webhooks run`` as its own process instead."""
    webhook_allowed_hosts: list[str] = Field(default_factory=list)
    """If set (JSON list in the environment), webhooks may only be registered for
    and sent to these hosts (``.example.com`` admits its subdomains): fairgate
    fetches no other URL, whatever a request asks."""

    # The reviewers' console (/console).
    console_session_hours: float = Field(default=12.0, gt=0, le=24 * 90)
    """A console sign-in lasts this long (the session is then deleted)."""
    console_signin_max_failures: int = Field(default=5, ge=1, le=1000)
    """Wrong console sign-ins in a row for one name before that name is locked."""
    console_signin_lock_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    """How long such a run of failures counts (and the lock lasts, from its first)."""
    console_media_retention_days: float = Field(default=30.0, gt=0)
    """Bytes of matched attachments (held, blocked, flagged) are kept this long for
    reviewers; attachments that matched nothing are never stored."""
    console_media_max_bytes: int = Field(default=8 * 1024 * 1024, ge=1)
    """Larger matched attachments are not kept (the item view says so)."""
    console_page_size: int = Field(default=50, ge=1, le=1000)
    """Rows per page in the console's queue, list and audit pages."""
    service_threads: int = Field(default=32, ge=1, le=256)
    """Threads per ``fairgate serve`` worker for blocking work: screen calls with
    images to decode (``media_concurrency`` bounds the decoding among them) and
    the other endpoints. Text and pre-hashed images are matched on the event loop
    and their writes join the group commit without a thread (docs/service.md)."""
    write_batch_max: int = Field(default=64, ge=1, le=10_000)
    """At most this many concurrent screen calls of one process share one write
    transaction (group commit; each call answers after that commit). 1: every
    call commits alone."""
