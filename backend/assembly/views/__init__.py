"""HTML routes of the assembly: public pages, COPIL, staff (agents and admins), panel members."""
