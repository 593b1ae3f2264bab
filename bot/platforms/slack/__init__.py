"""Slack: a slack-bolt AsyncApp that translates Slack payloads to the core and back."""
