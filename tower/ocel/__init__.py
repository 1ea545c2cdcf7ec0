"""OCEL: tower's milestone store as an object-centric event log (OCEL 2.0 out; OCEL 2.0 and
1.0 in). pm4py is never imported here (it is AGPL): the formats are written and read with the
standard library and lxml-free ElementTree."""
