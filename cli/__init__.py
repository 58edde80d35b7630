"""The project's command line: `python -m cli up | migrate | openapi | clients | token`."""
