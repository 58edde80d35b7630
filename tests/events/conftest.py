from tests.events.feed import event_types_known  # noqa: F401 - autouse fixture
