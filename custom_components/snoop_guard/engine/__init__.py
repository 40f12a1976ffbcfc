"""Pure-Python core of Snoop Guard: log parsing, tracker matching, counters.

Nothing in this package imports Home Assistant or performs I/O at import time.
"""
