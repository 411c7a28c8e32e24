"""Check-ins: the scheduled contacts, check-ins and reviews that keep every match supported."""
