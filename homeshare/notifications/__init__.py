"""Notifications: the in-app inbox, devices, and delivery through an outbox with retries."""
