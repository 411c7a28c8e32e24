"""The scheduler process: it wires each domain's due work to APScheduler triggers.

The work itself belongs to the domains (``<domain>/jobs.py``: check-in schedules and
reminders, hours reminders, expiring checks, trial reviews; ``notifications.service.deliver_due``
for deliveries). All state is in our tables (APScheduler keeps only its triggers, in memory),
and every reminder has a unique key, so any number of scheduler processes can run at once
without sending anything twice.
"""
