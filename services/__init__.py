"""The platform's three services; none imports another."""
