"""HTML screens of the budget participatif, one module per audience."""
