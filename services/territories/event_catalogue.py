"""Which event each audited action of territories publishes (or why none), and where each record's contract
is read: the catalogue the ledger applies to every write (kit/outbox.py). Reference data (indicators, QPVs'
squares, renewal projects) belongs to no contract: its events are shown to every reader of territories."""

from __future__ import annotations

from kit.outbox import EventCatalogue, EventType, SubjectSource

EVENTS: dict[str, EventType] = {
    "contract.registered": EventType("contract.registered"),
    "contract.updated": EventType("contract.changed"),
    "indicators.imported": EventType("indicator_values.imported"),
    "indicator.defined": EventType("indicator.defined"),
    "renewal_project.created": EventType("renewal_project.created"),
    # A QPV generation's perimeters imported again and changed (its `revision` moved): a partner that keeps
    # perimeters reads them again.
    "qpv_generation.revised": EventType("qpv.revised"),
    "renewal_project.updated": EventType("renewal_project.changed"),
    "filosofi_squares.imported": EventType("filosofi_squares.imported"),
    "vulnerability.computed": EventType("vulnerability.computed"),
    # The préfet's map of a contract's vulnerability zones grew a zone: grants' applications may name it.
    "vulnerability_zone.validated": EventType("vulnerability_zone.validated"),
}
SUBJECTS: dict[str, SubjectSource] = {
    "contract": SubjectSource.of_contract(),
    "vulnerability_zone": SubjectSource("vulnerability_zones", ("zone_id",)),
}
CATALOGUE = EventCatalogue(EVENTS, {}, SUBJECTS)
