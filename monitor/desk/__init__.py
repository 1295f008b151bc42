"""The analyst's desk: a review page over the database where wrong judgements are corrected.

Not under ``monitor/deliver/``: delivery only reads what the judges decided, while the desk also
writes corrections back into the judgement (claims, ledger, stories, sources), so it sits beside
``judge/`` and ``deliver/`` and uses both.
"""
