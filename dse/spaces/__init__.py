"""Bundled search-space files (TOML, package data): ``accel-dse search --space NAME``."""
