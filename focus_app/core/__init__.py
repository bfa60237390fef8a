"""The domain: pure Python, no Qt, no I/O, no global clock (time is always an argument)."""
