"""Answers (floor 4): recommend, explain, compare and review, read from the serving artifact alone."""
