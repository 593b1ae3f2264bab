"""Microsoft Teams: a botbuilder TeamsActivityHandler on the CloudAdapter, translating
activities to the core and replies to Adaptive Cards."""
