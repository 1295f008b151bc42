"""Imported once by the extraction pool's forkserver, so every worker forked from it starts warm.

Loading py3langid's model and running one extraction (trafilatura's lazy imports and caches)
here costs that once per pool instead of once per worker: with two workers, about 1.7 s of CPU
saved at every start of a pool. Importing this module is its whole job.
"""

from crawler.extract import warm_up

warm_up()
