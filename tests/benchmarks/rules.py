"""Benchmark: rule engine vs trafilatura.extract on the same 1,000 generated article pages.

Prints one JSON line. The pages are realistic news pages on the default topic (navigation,
teasers, scripts, share links, footer around 15-30 paragraphs: about 40% on the topic's
positions, quotes, analysts' views and other sides, the rest background; the NYT seed is ~30%).
Target: the engine costs at most a quarter of extraction (wall clock; the CPU-time ratio is
printed too, as it moves less when other processes share the machine).

    python tests/benchmarks/rules.py [--articles 1000] [--seed 7] [--rules-alone]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
import time

import trafilatura

from monitor.judge.rules import default_ruleset, extract_claims

RUSSIANS = [
    "Mr. Putin",
    "President Vladimir V. Putin",
    "Mr. Lavrov",
    "Dmitri S. Peskov, the Kremlin spokesman,",
    "Ms. Zakharova",
    "Mr. Medvedev",
    "Yuri Ushakov, a Kremlin aide,",
    "The Kremlin",
    "Moscow",
    "Russia",
    "Russian negotiators",
    "The Russian Foreign Ministry",
]
OTHERS = [
    "Mr. Zelensky",
    "Ukraine's foreign minister",
    "Mr. Trump",
    "Mr. Rubio",
    "Mr. Macron",
    "European officials",
    "NATO officials",
    "Mr. Starmer",
]
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
    if roll < 0.2:
        return f"{rng.choice(RUSSIANS)} {rng.choice(POSITIONS)} on {rng.choice(DAYS)}."
    if roll < 0.28:
        return rng.choice(QUOTES).format(
            a=rng.choice(["he", "Mr. Peskov", "Mr. Lavrov"]), d=rng.choice(DAYS)
        )
    if roll < 0.34:
        return f"{rng.choice(ANALYSTS)} believe that Moscow {rng.choice(POSITIONS)} to gain time."
    if roll < 0.4:
        return f"{rng.choice(OTHERS)} {rng.choice(POSITIONS).replace('Russia', 'Ukraine')}."
    return " ".join(rng.sample(BACKGROUND, rng.randint(1, 3)))


def make_page(rng: random.Random, number: int) -> str:
    """One article page with the boilerplate real news sites wrap around the text.

    Real pages weigh 50-150 kB: menus, teasers with images, JSON-LD, inline styles and scripts,
    cookie banners. The text is 15-30 paragraphs of one to three sentences.
    """
    title = f"Russia sets out its terms for security guarantees ({number})"
    paragraphs = []
    for _ in range(rng.randint(15, 30)):
        paragraphs.append(" ".join(_paragraph(rng) for _ in range(rng.choice((1, 1, 2, 3)))))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    nav = "".join(
        f'<li class="menu-item"><a href="/section/{i}" data-track="nav-{i}">Section {i}</a></li>'
        for i in range(120)
    )
    teasers = "".join(
        f'<div class="teaser"><a href="/news/{number}-{i}"><img src="/img/{number}-{i}.jpg" '
        f'srcset="/img/{number}-{i}-320.jpg 320w, /img/{number}-{i}-640.jpg 640w" alt="">'
        f"<h3>{html.escape(rng.choice(BACKGROUND))}</h3></a><p>{html.escape(rng.choice(BACKGROUND))}"
        f"</p></div>"
        for i in range(24)
    )
    script = "var cfg = {" + ",".join(f'"k{i}": "{rng.random():.12f}"' for i in range(600)) + "};"
    style = "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#{i:06x}}}" for i in range(300))
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": "2025-09-04T10:00:00Z",
            "author": {"name": "A. Reporter"},
        }
    )
    return (
        f"<!doctype html><html><head><title>{title}</title><style>{style}</style>"
        f'<meta property="og:site_name" content="World News"><link rel="canonical" '
        f'href="https://news.example/world/{number}"><script type="application/ld+json">{ld}'
        f"</script><script>{script}</script></head><body>"
        f'<div id="cookie-banner">We use cookies to improve your experience. Accept all</div>'
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>"
        f'<p class="byline">By A. Reporter</p>{body}</article>'
        f'<div class="share">Share on Facebook Share on X Copy link</div></main>'
        f"<aside><h2>Related</h2>{teasers}</aside><footer><ul>{nav}</ul>© 2025 World News"
        f"</footer></body></html>"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rules-alone", action="store_true", help="without the learned second opinion"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pages = [make_page(rng, n) for n in range(args.articles)]
    ruleset = default_ruleset(second_opinion=not args.rules_alone)
    article_date = dt.date(2025, 9, 4)

    started, cpu = time.perf_counter(), time.process_time()
    texts = [trafilatura.extract(page) or "" for page in pages]
    extract_seconds = time.perf_counter() - started
    extract_cpu = time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    claims = sum(len(extract_claims(text, article_date, ruleset)) for text in texts)
    engine_seconds = time.perf_counter() - started
    engine_cpu = time.process_time() - cpu

    print(
        json.dumps(
            {
                "benchmark": "rules",
                "articles": args.articles,
                "second_opinion": not args.rules_alone,
                "html_kb_per_page": round(sum(map(len, pages)) / len(pages) / 1024, 1),
                "chars_per_article": round(sum(map(len, texts)) / max(1, len(texts))),
                "claims": claims,
                "extract_ms_per_article": round(extract_seconds / args.articles * 1000, 3),
                "engine_ms_per_article": round(engine_seconds / args.articles * 1000, 3),
                "engine_articles_per_s": round(args.articles / engine_seconds, 1),
                "extract_articles_per_s": round(args.articles / extract_seconds, 1),
                "engine_over_extract": round(engine_seconds / extract_seconds, 4),
                # CPU time of this process: the same ratio, less swayed by other load
                "engine_over_extract_cpu": round(engine_cpu / extract_cpu, 4),
                "target_engine_over_extract": 0.25,
            }
        )
    )


if __name__ == "__main__":
    main()
