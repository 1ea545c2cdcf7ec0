"""Every command-line entry and process main of tower: the `tower` parser (main.py) and one
module per command family. Nothing else in tower imports this package."""
