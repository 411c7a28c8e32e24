"""The homeshare agreement: versioned terms that both sides accept."""
