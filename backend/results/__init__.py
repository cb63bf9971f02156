"""COPIL dashboards, realisation tracking, redevabilité, exports and open data."""
