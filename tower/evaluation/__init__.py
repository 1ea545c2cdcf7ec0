"""The I/O side of the rules: load facts, run the pure rules, write outcomes and exceptions.

Entry points scheduled by the collector process: `tower.evaluation.worker.run_once` (every few
seconds) and `tower.evaluation.sweep.run_sweep` (every minute).
"""
