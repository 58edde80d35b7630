"""Domain-free building blocks shared by the services and the gateway.

Nothing in this package knows about territories, grants or participation: it holds the error model,
identity, HTTP client policy, database plumbing, pagination, request ids, health, audit and idempotency.
"""
