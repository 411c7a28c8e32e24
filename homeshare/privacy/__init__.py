"""People's data rights: a copy of everything held about them, and erasure."""
