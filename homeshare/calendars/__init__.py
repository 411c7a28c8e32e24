"""A person's calendar feed: their meetings and open check-ins, for a phone to subscribe to."""
