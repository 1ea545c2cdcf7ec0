"""Process intelligence: the maintained facts behind /flow (observed process map, conformance)."""
