"""The edges: one package per outside system, each with a client and the bundled stand-in server.

Connectors know nothing of bots. Every client follows connectors.http: a requests Session per thread,
timeouts on every call, retries with backoff and jitter only where a retry is safe, a concurrency cap,
and typed errors (connectors.errors).
"""
