"""Grants: calls for projects, applications, instruction, agreements, payments, reports."""
