"""The user's cache folder: what is slow to parse and never changes, built once per account.

Both stages use it (the crawler's language model, the judge's lemma table and sentence
encoder); it lives in ``crawler/`` because ``monitor/`` depends on ``crawler/``, never the
reverse.

``NEWSMON_CACHE_DIR``, else the user cache directory (``~/.cache/newsmon``). Every entry is
named by what it was built from, so a new library release gets a new entry; it is written to a
temporary name and renamed (concurrent first builds race harmlessly), and any problem with it
means building it again, never an error.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

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


def cached_arrays(
    name: str, build: Callable[[], dict[str, np.ndarray]], root: Path | None = None
) -> dict[str, np.ndarray]:
    """The arrays of entry ``name`` (a folder of ``.npy`` files), memory-mapped read-only.

    Mapped, not read: a process pays nothing until it touches a page, and every process on
    the machine shares the same pages (an extraction pool's workers hold one copy, not one
    each). Built by ``build()`` and kept when missing or unreadable.
    """
    import numpy as np

    folder = (root or cache_root()) / name
    try:
        names = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        return {key: np.load(folder / f"{key}.npy", mmap_mode="r") for key in names}
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        logger.warning("cache entry %s unreadable (%s); building it again", folder, exc)
    arrays = build()
    tmp: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        for key, array in arrays.items():
            np.save(tmp / f"{key}.npy", array, allow_pickle=False)
        # the index is written last: a folder without it was never finished
        (tmp / "index.json").write_text(json.dumps(sorted(arrays)), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # a damaged entry
        os.replace(tmp, folder)
    except OSError as exc:
        logger.info("cache entry not written to %s: %s", folder, exc)
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return arrays
