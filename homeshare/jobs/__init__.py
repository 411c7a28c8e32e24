"""Scheduled work: reminders and escalations, schedules, and notification delivery.

Jobs are thin: each finds due work in the database and calls services. All state is in
our tables (APScheduler keeps only its triggers, in memory), and every reminder has a
unique key, so any number of scheduler processes can run at once without sending
anything twice.
"""
