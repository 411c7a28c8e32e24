"""Matching: ranked, explained candidates, the best pairing of a pool, and the match lifecycle."""
