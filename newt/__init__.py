"""Newt: a language-conditioned multitask world model (TD-MPC2 lineage)."""
