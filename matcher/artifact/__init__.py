"""The serving artifact (floor 3): the answer model of plain arrays and lookups, and its store on disk."""
