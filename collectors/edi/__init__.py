"""EDI intake: X12 and EDIFACT files from trading partners become milestones.

    parse.py        bytes -> ParsedFile (x12.py, edifact.py; model.py is the shape)
    mapping/        one module per transaction set / message -> milestones
    codes/          status-code lists per standard (YAML), overridable per partner
    partners.py     the trading-partner registry
    acks.py         997 / CONTRL acknowledgements
    intake.py       one file end to end: hash, partner, parse, map, ingest, dead letters, ack
    inbox.py        the watched drop folders polled by the collector process
    replay.py       dead letters of edi / webhooks mapped again

The command line is tower/commands/edi.py (`tower edi ...`).
"""
