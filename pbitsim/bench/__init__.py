"""Benchmarks: pbitsim's engines beside dwave-samplers, openjij and thrml on the same graphs, in one run."""
