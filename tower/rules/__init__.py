"""The order-to-cash flow model and its rules: pure functions over plain data, no I/O.

    policy.yaml / policy.py   the versioned flow model (stages, SLAs, calendars, owners, overrides)
    calendar.py               business-hour arithmetic per warehouse calendar
    facts.py                  what goes in (OrderFacts, SourceFreshness) and out (Outcome, Finding)
    flow.py                   stage step, waiting-on words, SLA clock, per-line outcomes
    checks_*.py               the exception pack, one small function per kind
    engine.py                 evaluate(facts, policy, freshness, now) -> Outcome
    cli.py                    `tower rules ...` (the only module here that reaches the database,
                              through tower.evaluation)
"""
