"""Use cases: every chat command runs through here, against the database, to a neutral reply."""
