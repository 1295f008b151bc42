"""The user's cache folder: what is slow to parse and never changes, built once per account.

``NEWSMON_CACHE_DIR``, else the user cache directory (``~/.cache/newsmon``). Every entry is
named by what it was built from, so a new library release gets a new entry; it is written to a
temporary name and renamed (concurrent first builds race harmlessly), and any problem with it
means building it again, never an error.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def cache_root() -> Path:
    """``NEWSMON_CACHE_DIR``, else the user cache directory (``~/.cache/newsmon``)."""
    configured = os.environ.get("NEWSMON_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsmon", appauthor=False))


def cached_json(name: str, build: Callable[[], Any], root: Path | None = None) -> Any:
    """The JSON entry ``name``, built by ``build()`` and kept when it is missing or unreadable."""
    path = (root or cache_root()) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        logger.warning("cache entry %s unreadable (%s); building it again", path, exc)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(value, f, separators=(",", ":"))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        logger.info("cache entry not written to %s: %s", path, exc)
    return value
