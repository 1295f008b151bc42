"""Train the rule engine's learned second opinion on the corpus's dev pages (never held-out).

Each sentence of a dev page is labelled with the (issue, stance) pairs whose evidence it is;
a TF-IDF word and word-pair model with one logistic regression per pair seen often enough learns
them. The result is plain data (vocabulary, IDF, weights) that ``monitor.judge.rules.second_opinion``
reads without scikit-learn; the digest of the dev pages it was trained on goes with it, so a
changed corpus without a retrained model fails a test.

    python -m tests.monitor.judge.rules.second_opinion_train [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from monitor.judge.rules.second_opinion import DEFAULT_MODEL_PATH, TOKEN_PATTERN
from monitor.judge.rules.sentences import paragraphs, sentences
from tests.monitor.judge.rules.realnews_score import title_and_text
from tests.realnews import Fixture, fixtures

MIN_POSITIVES = 8  # a pair with fewer evidence sentences is left to the rules alone
C = 4.0  # inverse regularisation, chosen by 5-fold grouped cross-validation on dev pages
PRUNE = 0.1  # smaller weights are dropped: 5 of 5,017 dev sentences change their reading


def _squash(text: str) -> str:
    return " ".join(text.split())


def training_pages() -> list[Fixture]:
    """The dev pages, in file order: held-out pages never reach the model."""
    return [fixture for fixture in fixtures() if fixture.split == "dev"]


def digest(pages: list[Fixture]) -> str:
    """A fingerprint of exactly the pages a model was trained on."""
    sha = hashlib.sha256()
    for page in pages:
        sha.update(page.path.name.encode())
        sha.update(page.path.read_bytes())
    return sha.hexdigest()


def labelled_sentences(pages: list[Fixture]) -> list[tuple[str, set[tuple[str, str]]]]:
    """Every sentence the engine would see (headline first) with the pairs it is evidence of."""
    rows = []
    for page in pages:
        title, text = title_and_text(page)
        full = f"{title.strip()}\n{text}"
        evidence = [(_squash(c["evidence"]), (c["issue"], c["stance"])) for c in page.claims]
        for paragraph in paragraphs(full):
            for span in sentences(full, paragraph):
                sentence = _squash(full[span.start : span.end])
                pairs = {
                    pair
                    for quoted, pair in evidence
                    if quoted in sentence or (len(sentence) > 20 and sentence in quoted)
                }
                rows.append((sentence, pairs))
    return rows


def train(pages: list[Fixture]) -> dict[str, object]:
    """The model as plain data."""
    rows = labelled_sentences(pages)
    counts = Counter(pair for _, pairs in rows for pair in pairs)
    kept = sorted(pair for pair, n in counts.items() if n >= MIN_POSITIVES)
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=TOKEN_PATTERN
    )
    features = vectorizer.fit_transform([sentence for sentence, _ in rows])
    vocabulary = vectorizer.get_feature_names_out()
    classes = []
    for issue, stance in kept:
        target = [(issue, stance) in pairs for _, pairs in rows]
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
        model.fit(features, target)
        kept_terms = [i for i, w in enumerate(model.coef_[0]) if abs(w) >= PRUNE]
        classes.append(
            {
                "issue": issue,
                "stance": stance,
                "bias": round(float(model.intercept_[0]), 4),
                "terms": kept_terms,
                "weights": [round(float(model.coef_[0][i]), 3) for i in kept_terms],
            }
        )
    return {
        "trained_on": {"pages": len(pages), "sentences": len(rows), "digest": digest(pages)},
        "terms": [str(term) for term in vocabulary],
        "idf": [round(float(v), 4) for v in vectorizer.idf_],
        "classes": classes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    model = train(training_pages())
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n")
    trained = model["trained_on"]
    print(f"wrote {args.out}: {trained}")  # type: ignore[index]


if __name__ == "__main__":
    main()
