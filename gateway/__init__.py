"""The gateway: one entry point, identity, routing, aggregated OpenAPI."""
