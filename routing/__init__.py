"""Routing: priority queue, skills and capacity assignment, Erlang staffing and shift plans."""
