"""Loading the demo programmation (load.py); its rows are built by the feature's repository."""
