"""Scheduling and delivery: planning prompts into the outbox, and sending them exactly once."""
