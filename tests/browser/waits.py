"""How long a browser test waits for the state it asserts.

Every wait is bounded, and long enough for a busy two-core machine: a test waits for the state it
asserts (Playwright's expect, wait_for_*, tests/browser/grids.py), for at most this long, never
for a fixed time. A minute: with the suite on two workers beside other work (load 15 on two
cores), a KPI page's cards were seen to arrive 22 s after its layout; a long bound costs nothing
when all is well."""

WAIT_MS = 60000
