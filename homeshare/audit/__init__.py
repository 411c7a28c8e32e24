"""The audit trail: who changed or read what, when, with the values before and after."""
