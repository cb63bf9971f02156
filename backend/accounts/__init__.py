"""Users, roles scoped to territories, passwords, sessions, CSRF."""
