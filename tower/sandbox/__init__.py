"""The simulated distributor (a product part: what `tower run` collects from when there is no
real ERP, WMS, carrier or finance system to connect to): ERP, WMS, carrier platform and finance system, each its own HTTP
service on loopback, generated deterministically from a seed. The wire contract, entry points
and fault switches are documented in API.md beside this file; start with
`tower.sandbox.server.start_sandbox` or `tower sandbox serve`.

Modules: world (warehouses, customers, SKUs, shifts, congestion), simulate + lifecycle (one
order's life), records (records as each system shows them at a time), generate (days into
SQLite), storage (one SQLite file per system), faults, api (a system's HTTP face), control
(admin service), ledger (ground truth), server (running it all). Its command line is
`tower sandbox ...` (tower/commands/sandbox.py); its benchmark is bench/sandbox.py.
"""
