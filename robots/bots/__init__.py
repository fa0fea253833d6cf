"""The bots: each one step of the process, each idempotent, each safe to kill at any line.

Every bot takes a Context and returns counts of what it did. A step's state change is one transaction;
calls to outside systems happen between transactions, and every write they make is idempotent, so a
crash at any point is repaired by the next pass.
"""
