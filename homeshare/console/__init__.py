"""The coordinators' console: the dashboard of what needs them, its lists, and exports."""
