"""The local chat: Follow-Through without Slack or Teams, for trying it out and for scripting."""
