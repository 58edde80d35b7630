"""Identity: principals, token signing and verification, endpoint policies."""
