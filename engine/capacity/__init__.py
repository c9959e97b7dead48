"""Capacity planning, pure arithmetic: Erlang C staffing (erlang.py)."""
