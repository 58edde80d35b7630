"""Loading the demo programmation: its rows (rows.py, committees.py) and the load itself (load.py)."""
