"""HTML and file routes of the results domain."""
