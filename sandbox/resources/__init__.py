"""One module per resource; each exposes handler functions taking a Context."""
