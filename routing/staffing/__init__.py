"""Agent scheduling: Erlang B/C/A, arrival forecasts, shift plans, queue simulation."""
