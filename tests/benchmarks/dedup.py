"""Dedup benchmark: candidate index + verifier at 10k, 100k and 1M stored articles.

Prints one JSON line. Per size: per-article dedup latency (fingerprint of the new text, index
query, rapidfuzz verification of candidates, insert; the stand-in for the database fetch of
candidate texts is timed and excluded), index build time from stored signatures, memory, recall
of planted copies of each kind, false merges of fresh articles and quote-sharing rewrites, and
brute-force rapidfuzz ``process.extractOne`` over all stored texts (10k and 100k) as the baseline.

Articles are synthetic: a Zipf-distributed vocabulary of real English words (from the dedup
fixtures) plus a long tail of name-like words, 300-1,500 words each. Each stored article is
regenerated on demand from its id (a seeded generator), so the background of 1M articles is
never held as text; its signatures are computed from the generated token stream directly (the
same hashing as ``fingerprint``, skipping the string normalisation that would give the same
tokens; checked on a sample). Queries always go through the full text path.

    python tests/benchmarks/dedup.py            # 10k, 100k, 1M (6-13 minutes on 2 cores)
    python tests/benchmarks/dedup.py --quick    # 2k, 10k in seconds
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.judge.dedup import Deduplicator, SketchIndex, StoredText, fingerprint
from monitor.judge.dedup.fingerprint import sketch_from_hashes, to_bytes, token_hashes
from monitor.judge.dedup.normalize import tokens

SEED = 20251104
DATA = Path(__file__).resolve().parents[1] / "data" / "dedup" / "articles.yaml"
COPY_KINDS = ("verbatim_chrome", "attribution_byline", "truncation", "light_edit")
SYLLABLES = [
    "ka",
    "ro",
    "vi",
    "len",
    "mar",
    "to",
    "sha",
    "dek",
    "ul",
    "bri",
    "an",
    "ost",
    "nev",
    "gor",
    "ia",
    "ter",
    "sol",
    "mi",
    "zan",
    "pel",
]


def build_vocabulary() -> tuple[list[str], np.ndarray]:
    """Real words ranked by frequency in the fixtures, then name-like words; Zipf CDF."""
    corpus = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    text = " ".join(" ".join([a["body"], a["rewrite"], *a["reports"]]) for a in corpus.values())
    counts = Counter(t for t in tokens(text) if t.isalpha())
    words = [w for w, _ in counts.most_common()]
    rng = np.random.default_rng(SEED)
    names = {"".join(rng.choice(SYLLABLES, size=rng.integers(2, 4))) for _ in range(40_000)}
    vocab = words + sorted(names - set(words))
    weights = 1.0 / (np.arange(len(vocab)) + 2.7) ** 1.07
    return vocab, np.cumsum(weights / weights.sum())


class Corpus:
    """Deterministic synthetic articles: article i is regenerated from (SEED, i)."""

    def __init__(self) -> None:
        self.vocab, self.cdf = build_vocabulary()
        self.vocab_arr = np.array(self.vocab, dtype=object)
        self.vocab_hashes = token_hashes(self.vocab)

    def token_ids(self, i: int) -> np.ndarray:
        rng = np.random.default_rng((SEED, i))
        n = int(rng.integers(300, 1501))
        return np.minimum(np.searchsorted(self.cdf, rng.random(n)), len(self.vocab) - 1)

    def signature(self, i: int) -> bytes:
        return to_bytes(sketch_from_hashes(self.vocab_hashes[self.token_ids(i)]))

    def words(self, i: int) -> list[str]:
        return self.vocab_arr[self.token_ids(i)].tolist()


def render(words: list[str], rng: np.random.Generator) -> list[str]:
    """Words as sentences and paragraphs; returns the sentences (paragraph marks included)."""
    sentences, pos = [], 0
    while pos < len(words):
        n = int(rng.integers(12, 29))
        chunk = words[pos : pos + n]
        pos += n
        sentences.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + ".")
    return sentences


def paragraphs(sentences: list[str]) -> str:
    return "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))


AGG_TOP = ["NEWSWIRE DAILY", "Home", "World", "Politics", "495", "SHARES", "Share on Facebook"]
AGG_BOTTOM = ["The post appeared first on The Ledger.", "Share198Tweet124Share", "Read more"]


def make_copy(kind: str, words: list[str], rng: np.random.Generator, corpus: Corpus) -> str:
    """A planted copy of an article (one of COPY_KINDS)."""
    if kind == "truncation":
        frac = rng.uniform(0.4, 0.9)
        length = int(len(words) * frac)
        start = int(rng.integers(0, len(words) - length + 1))
        body = paragraphs(render(words[start : start + length], rng))
        return "\n".join(["Share this"]) + "\n\n" + body + "\n\nRead the full story at The Ledger"
    sentences = render(words, rng)
    if kind == "verbatim_chrome":
        return "\n".join(AGG_TOP) + "\n\n" + paragraphs(sentences) + "\n\n" + "\n".join(AGG_BOTTOM)
    if kind == "attribution_byline":
        return (
            "By Marta Kovalenko\n\n"
            + paragraphs(sentences)
            + (
                "\n\nThis article originally appeared in The Ledger."
                "\nPhoto: Officials at the ministry on Tuesday. (AP Photo/Ivan Sekretarev)"
            )
        )
    extra_words = corpus.vocab_arr[
        np.searchsorted(corpus.cdf, rng.random(int(rng.integers(15, 30))))
    ].tolist()
    edited = list(sentences)
    del edited[int(rng.integers(1, len(edited)))]
    edited.insert(int(rng.integers(1, len(edited))), render(extra_words, rng)[0])
    headline = render(extra_words[:9], rng)[0].rstrip(".")
    return headline + "\n\n" + paragraphs(edited)


def make_rewrite(words: list[str], fresh: list[str], rng: np.random.Generator) -> str:
    """A different article quoting two 20-word passages of ``words`` (must not merge)."""
    out = list(fresh)
    for _ in range(2):
        start = int(rng.integers(0, len(words) - 20))
        at = int(rng.integers(0, len(out)))
        out[at:at] = words[start : start + 20]
    return paragraphs(render(out, rng))


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class SignatureStore:
    """Stand-in for ``articles.signature``: one byte string and offsets, no object per row."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offsets = [0]
        self.blob = b""
        self.offsets = np.zeros(1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.offsets) - 1 + len(self._chunks)

    def append(self, signature: bytes) -> None:
        self._chunks.append(signature)
        if len(self._chunks) >= 50_000:
            self.seal()

    def seal(self) -> None:
        if self._chunks:
            lengths = np.fromiter(map(len, self._chunks), np.int64, len(self._chunks))
            self.offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(lengths)])
            self.blob += b"".join(self._chunks)
            self._chunks = []

    def rows(self, size: int):
        self.seal()
        view = memoryview(self.blob)
        for i in range(size):
            yield i, bytes(view[self.offsets[i] : self.offsets[i + 1]])


def datasketch_bytes_per_article(corpus: Corpus, n: int) -> float:
    """Python heap taken by datasketch's MinHashLSH per article (128 permutations, t=0.5)."""
    import tracemalloc

    from datasketch import LeanMinHash, MinHash, MinHashLSH

    from monitor.judge.dedup.fingerprint import shingle_hashes

    sketches = []
    for i in range(n):
        m = MinHash(num_perm=128, hashfunc=int)
        shingles = shingle_hashes(corpus.vocab_hashes[corpus.token_ids(i)]) >> np.uint64(32)
        m.update_batch(shingles.tolist())
        sketches.append(LeanMinHash(m))
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i, m in enumerate(sketches):
        lsh.insert(i, m)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / n


def stage(
    size: int,
    corpus: Corpus,
    signatures: SignatureStore,
    n_queries: int,
    brute: int,
    rng: np.random.Generator,
) -> dict[str, object]:
    """Build the index over the first ``size`` articles and run the queries against it."""
    gc.collect()
    t0 = time.perf_counter()
    index = SketchIndex.from_signatures(signatures.rows(size))
    build_s = time.perf_counter() - t0
    dedup = Deduplicator(index)
    fetch_s = 0.0

    fetch_cpu_s = 0.0

    def load(ids):
        nonlocal fetch_s, fetch_cpu_s
        t, c = time.perf_counter(), time.thread_time()
        out = {i: StoredText(text_of(i)) for i in ids}
        fetch_s += time.perf_counter() - t
        fetch_cpu_s += time.thread_time() - c
        return out

    stored_texts: dict[int, str] = {}

    def text_of(i: int) -> str:
        if i in stored_texts:
            return stored_texts[i]
        return paragraphs(render(corpus.words(i), np.random.default_rng(i)))

    latencies: list[float] = []
    cpu_times: list[float] = []
    found: Counter[str] = Counter()
    planted: Counter[str] = Counter()
    false_merges: Counter[str] = Counter()
    queries = []
    next_id = size
    warmup = 100  # not timed: a long-running daemon has warm caches
    for q in range(n_queries + warmup):
        kind = COPY_KINDS[(q // 2) % 4] if q % 2 == 0 else ("fresh" if q % 4 == 1 else "rewrite")
        original = int(rng.integers(0, size))
        words = corpus.words(original)
        if kind in COPY_KINDS:
            text = make_copy(kind, words, rng, corpus)
        else:
            fresh = corpus.words(20_000_000 + q + size)  # never stored
            text = (
                paragraphs(render(fresh, rng))
                if kind == "fresh"
                else make_rewrite(words, fresh, rng)
            )
        queries.append((kind, original, text))
    for n, (kind, original, text) in enumerate(queries):
        fetch_before, fetch_cpu_before = fetch_s, fetch_cpu_s
        t, c = time.perf_counter(), time.thread_time()
        fp = fingerprint(text)
        match = dedup.find(fp, load, publisher="aggregator.example")
        dedup.add(next_id, fp)
        elapsed = time.perf_counter() - t - (fetch_s - fetch_before)
        cpu = time.thread_time() - c - (fetch_cpu_s - fetch_cpu_before)
        stored_texts[next_id] = text
        next_id += 1
        if n < warmup:
            continue
        latencies.append(elapsed * 1000)
        cpu_times.append(cpu * 1000)
        if kind in COPY_KINDS:
            planted[kind] += 1
            found[kind] += match is not None and match.article_id == original
        elif match is not None:
            false_merges[kind] += 1
    lat = np.array(latencies)
    result: dict[str, object] = {
        "articles": size,
        "build_from_signatures_s": round(build_s, 3),
        "latency_ms_median": round(float(np.median(lat)), 3),
        "latency_ms_p99": round(float(np.percentile(lat, 99)), 3),
        "cpu_ms_median": round(float(np.median(cpu_times)), 3),
        "cpu_ms_p99": round(float(np.percentile(cpu_times, 99)), 3),
        "queries": n_queries,
        "recall": round(sum(found.values()) / max(1, sum(planted.values())), 4),
        "recall_by_kind": {k: round(found[k] / planted[k], 4) for k in COPY_KINDS if planted[k]},
        "false_merges": dict(false_merges),
        "index_mb": round(index.nbytes / 2**20, 1),
        "postings": len(index._main),
    }
    if brute:
        texts = [" ".join(corpus.words(i)) for i in range(size)]
        bq = [(o, fingerprint(t)) for k, o, t in queries if k in COPY_KINDS][:brute]
        t = time.perf_counter()
        for _, fp in bq:
            process.extractOne(" ".join(fp.tokens), texts, scorer=fuzz.ratio)
        brute_ms = (time.perf_counter() - t) / len(bq) * 1000
        result["brute_force_ms_per_query"] = round(brute_ms, 1)
        result["speedup_vs_brute_median"] = round(brute_ms / float(np.median(lat)), 1)
        del texts
    result["rss_mb"] = round(rss_mb(), 1)
    del index, dedup
    return result


REAL = Path(__file__).resolve().parents[1] / "data" / "dedup" / "real" / "stories"


def semantic_stage(n_embed: int, n_index: int, n_queries: int = 200) -> dict[str, object]:
    """The semantic stage: CPU time to embed one article, and the vector index's size and
    date-window query time at ``n_index`` stored articles (vectors random, days over 2 years)."""
    from monitor.judge.dedup import semantic

    embedder = semantic.load_embedder()
    if embedder is None:
        return {"skipped": "semantic extra not installed (pip install 'newsmon[semantic]')"}
    texts = []
    for path in sorted(REAL.glob("*.yaml")):
        story = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [story["original"]["text"]] + [v["text"] for v in story["versions"]]
    texts = texts[:n_embed]
    semantic.embed(embedder, texts[0])  # warm-up: the model loads on first use
    cpu = []
    for text in texts:
        c = time.thread_time()
        semantic.embed(embedder, text)
        cpu.append((time.thread_time() - c) * 1000)
    rng = np.random.default_rng(SEED + 7)
    before = rss_mb()
    index = semantic.VectorIndex(embedder.dim)
    chunk = 100_000
    for start in range(0, n_index, chunk):
        n = min(chunk, n_index - start)
        vecs = rng.integers(-90, 91, size=(n, embedder.dim), dtype=np.int8)
        days = 738_000 + np.sort(rng.integers(0, 730, size=n)).astype(np.int32)
        index.add_many(np.arange(start, start + n, dtype=np.int64), vecs, days)
    grown_mb = rss_mb() - before
    lat = []
    for _ in range(n_queries):
        v = rng.standard_normal(embedder.dim).astype(np.float32)
        v /= np.linalg.norm(v)
        day = dt.date.fromordinal(738_000 + int(rng.integers(0, 730)))
        t = time.perf_counter()
        index.query(v, day, window_days=3)
        lat.append((time.perf_counter() - t) * 1000)
    return {
        "model": embedder.name,
        "embedded_articles": len(cpu),
        "cpu_ms_per_article_median": round(float(np.median(cpu)), 1),
        "cpu_ms_per_article_p90": round(float(np.percentile(cpu, 90)), 1),
        "index_articles": n_index,
        "index_mb": round(index.nbytes / 2**20, 1),
        "index_rss_growth_mb": round(grown_mb, 1),
        "index_mb_at_1m_extrapolated": round(index.nbytes / n_index * 1_000_000 / 2**20, 1),
        "window_query_ms_median": round(float(np.median(lat)), 2),
        "window_query_ms_p99": round(float(np.percentile(lat, 99)), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    args = parser.parse_args()
    sizes = [2_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    brute = {2_000: 3, 10_000: 2} if args.quick else {10_000: 4, 100_000: 2}
    n_queries = 400 if args.quick else 2_000
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    corpus = Corpus()
    rng = np.random.default_rng(SEED + 1)

    sample = 50
    for i in range(sample):  # the token path equals the full text path
        text = paragraphs(render(corpus.words(i), rng))
        assert fingerprint(text).signature == corpus.signature(i), "synthetic path diverged"

    signatures = SignatureStore()
    t = time.perf_counter()
    results = []
    for size in sizes:
        while len(signatures) < size:
            signatures.append(corpus.signature(len(signatures)))
        results.append(stage(size, corpus, signatures, n_queries, brute.get(size, 0), rng))
    sig_gen_s = time.perf_counter() - t
    n_ds = 2_000 if args.quick else 50_000
    ds_bytes = datasketch_bytes_per_article(corpus, n_ds)
    sem = semantic_stage(20 if args.quick else 100, 100_000 if args.quick else 1_000_000)
    ours = results[-1]["index_mb"] * 2**20 / results[-1]["articles"]
    out = {
        "benchmark": "dedup",
        "quick": args.quick,
        "sizes": results,
        "signature_bytes_per_article": round(len(signatures.blob) / len(signatures), 1),
        "datasketch_lsh_heap_mb_at_1m_extrapolated": round(ds_bytes * 1_000_000 / 2**20, 1),
        "datasketch_measured_on": n_ds,
        "index_bytes_per_article": round(ours, 1),
        "semantic": sem,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "generate_and_run_s": round(sig_gen_s, 1),
        "total_s": round(time.perf_counter() - started, 1),
        "cpus": os.cpu_count(),
        "load_avg_1m_start_end": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
