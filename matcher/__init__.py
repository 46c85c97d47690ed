"""Partner-city matchmaking: rank Chinese localities for a UK locality and the reverse, with reasons."""

__version__ = "0.1.0"
