"""Territories: EPCI, communes, QPV generations, the registry of contracts."""
