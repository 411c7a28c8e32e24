"""People reach their coordinator: the scheme's contact details, their named coordinator, and conversations."""
