"""Imported once by the extraction pool's forkserver, so every worker forked from it starts warm.

Loading py3langid's model and running one extraction (trafilatura's lazy imports and caches)
here costs that once per pool instead of once per worker: with two workers, about 1.7 s of CPU
saved at every start of a pool. Importing this module is its whole job. It also makes the
forkserver die with the crawl process that started it (its pool workers die with it in turn,
``crawler.lifetime.extraction_worker_init``), so a killed crawl leaves no extraction processes behind.
"""

from crawler.extract import warm_up
from crawler.lifetime import die_with_parent

die_with_parent()
warm_up()
