"""Stateful sandbox of Capillary's Target group controller API, served from the bundled spec."""
