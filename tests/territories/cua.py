"""The Communauté Urbaine d'Arras as the reference data holds it: the QPVs several tests expect to find."""

from __future__ import annotations

# "Les six quartiers de la politique de la ville présents sur le territoire communautaire" (the contract, line
# 82), as the décret n° 2023-1314 lists them for the 2024-2030 generation.
CUA_QPVS_2024 = frozenset({"QN06258M", "QN06259M", "QN06260M", "QN06261M", "QN06262M", "QN06263M"})
