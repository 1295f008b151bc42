"""Benchmark: rule engine vs trafilatura.extract on the same 1,000 generated article pages.

Prints one JSON line. The pages are realistic news pages on the default topic (navigation,
teasers, share links, footer around 10-20 paragraphs mixing Russian positions, quotes, analysts'
views, other sides and background). Target: the engine adds at most 10% to extraction's cost.

    python tests/benchmarks/rules.py [--articles 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
import time

import trafilatura

from monitor.rules import default_ruleset, extract_claims

RUSSIANS = ["Mr. Putin", "President Vladimir V. Putin", "Mr. Lavrov", "Dmitri S. Peskov, the Kremlin "
            "spokesman,", "Ms. Zakharova", "Mr. Medvedev", "Yuri Ushakov, a Kremlin aide,",
            "The Kremlin", "Moscow", "Russia", "Russian negotiators", "The Russian Foreign Ministry"]
OTHERS = ["Mr. Zelensky", "Ukraine's foreign minister", "Mr. Trump", "Mr. Rubio", "Mr. Macron",
          "European officials", "NATO officials", "Mr. Starmer"]
ANALYSTS = ["Analysts", "Many experts", "Critics of the Kremlin", "Western observers"]
POSITIONS = [
    "demanded that Ukraine never join NATO",
    "insisted on a legally binding ban on NATO expansion",
    "said it categorically opposes the presence of European troops in Ukraine",
    "called for a cap on the size of the Ukrainian army",
    "said Russia would accept Ukraine's membership in the European Union",
    "demanded to be among the guarantors of any settlement",
    "said Moscow was ready to discuss a ceasefire along the current front line",
    "insisted that Kyiv withdraw its troops from the Donetsk region",
    "proposed returning to the Istanbul 2022 framework",
    "demanded guarantees for the rights of Russian speakers",
    "rejected new sanctions as illegitimate pressure",
    "warned against deliveries of long-range missiles to Kyiv",
    "said new elections in Ukraine must precede any peace deal",
    "said Russia does not object to peacekeepers from neutral countries",
]
QUOTES = [
    "“We have always been against Ukraine becoming a member of the North Atlantic alliance,” {a} "
    "told reporters on {d}.",
    "“Any deployment of Western troops in Ukraine is unacceptable for us. Our position has not "
    "changed,” {a} said.",
    "“Russia is ready to discuss security guarantees, but only if they are legally binding,” "
    "{a} said at a news conference.",
]
BACKGROUND = [
    "Russian forces launched hundreds of drones at Ukrainian cities overnight, officials said.",
    "The talks in Istanbul lasted less than two hours and ended without a joint statement.",
    "Ukraine's economy grew modestly last year despite the war, according to the central bank.",
    "European leaders met in Paris to discuss how to finance Ukraine's defense next year.",
    "Oil prices rose after the announcement, and the ruble weakened against the dollar.",
    "The war, now in its fourth year, has killed or wounded hundreds of thousands of soldiers.",
    "Diplomats said the next round could take place in Geneva or Riyadh in the coming weeks.",
    "Mr. Trump met Mr. Putin in Alaska last month, a summit that produced no agreement.",
    "Air raid sirens sounded across Kyiv for several hours on Tuesday night.",
    "The prisoner exchange was the largest since the start of the full-scale invasion in 2022.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _paragraph(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"{rng.choice(RUSSIANS)} {rng.choice(POSITIONS)} on {rng.choice(DAYS)}."
    if roll < 0.5:
        return rng.choice(QUOTES).format(a=rng.choice(["he", "Mr. Peskov", "Mr. Lavrov"]),
                                         d=rng.choice(DAYS))
    if roll < 0.6:
        return f"{rng.choice(ANALYSTS)} believe that Moscow {rng.choice(POSITIONS)} to gain time."
    if roll < 0.7:
        return f"{rng.choice(OTHERS)} {rng.choice(POSITIONS).replace('Russia', 'Ukraine')}."
    return " ".join(rng.sample(BACKGROUND, rng.randint(1, 3)))


def make_page(rng: random.Random, number: int) -> str:
    """One article page with the boilerplate real news sites wrap around the text."""
    title = f"Russia sets out its terms for security guarantees ({number})"
    body = "".join(f"<p>{html.escape(_paragraph(rng))}</p>" for _ in range(rng.randint(10, 20)))
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(30))
    teasers = "".join(
        f'<div class="teaser"><a href="/news/{number}-{i}">{html.escape(rng.choice(BACKGROUND))}'
        f"</a></div>" for i in range(8)
    )
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<meta property="og:site_name" content="World News"><link rel="canonical" '
        f'href="https://news.example/world/{number}"></head><body><header><nav><ul>{nav}</ul>'
        f"</nav></header><main><article><h1>{title}</h1><p class=\"byline\">By A. Reporter</p>"
        f"{body}</article><div class=\"share\">Share on Facebook Share on X</div></main>"
        f"<aside><h2>Related</h2>{teasers}</aside><footer>© 2025 World News</footer></body></html>"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pages = [make_page(rng, n) for n in range(args.articles)]
    ruleset = default_ruleset()
    article_date = dt.date(2025, 9, 4)

    started = time.perf_counter()
    texts = [trafilatura.extract(page) or "" for page in pages]
    extract_seconds = time.perf_counter() - started

    started = time.perf_counter()
    claims = sum(len(extract_claims(text, article_date, ruleset)) for text in texts)
    engine_seconds = time.perf_counter() - started

    print(json.dumps({
        "benchmark": "rules",
        "articles": args.articles,
        "chars_per_article": round(sum(map(len, texts)) / max(1, len(texts))),
        "claims": claims,
        "extract_ms_per_article": round(extract_seconds / args.articles * 1000, 3),
        "engine_ms_per_article": round(engine_seconds / args.articles * 1000, 3),
        "engine_articles_per_s": round(args.articles / engine_seconds, 1),
        "extract_articles_per_s": round(args.articles / extract_seconds, 1),
        "engine_over_extract": round(engine_seconds / extract_seconds, 4),
        "target_engine_over_extract": 0.10,
    }))


if __name__ == "__main__":
    main()
