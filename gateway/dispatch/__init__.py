"""Dispatch: outbox workers that deliver submissions to banks and follow every line to a final state.

outbox.py     claim work with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL, one writer on SQLite)
lines.py      forward-only line transitions with their cause, and the evidence they came from
transport.py  the wire: HTTPS (the adapters only build and parse)
folders.py    folder banks: drop 报盘 files atomically, pick up receipts/results/returns once per content
worker.py     the loop: send, inquire, poll; retry only what the adapter marks transient
"""
