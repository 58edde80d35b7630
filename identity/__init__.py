"""The platform's identity model, beside the kit: who calls (`principal`: roles, scopes and the records a
caller is bound to) and the contracts, the platform's tenants, as territories registers them
(`contracts`). `identity.principal` imports only the standard library, so that every domain may decide
with it; the kit's mechanisms (tokens, policies, the write pipeline, the audit) take its principal."""
