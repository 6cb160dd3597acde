"""The event log: envelope, store, validation, partial dates, hashing, import/export of raw events.

Knows nothing of `pathways`.
"""
