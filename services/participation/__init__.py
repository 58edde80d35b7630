"""Participation: citizen bodies, governance committees, members, meetings, opinions."""
