"""Follow-Through: a chat bot that helps leaders keep their leadership-behavior commitments."""

__version__ = "0.1.0"
