"""Answering for someone: representatives (family, friends, attorneys) and what a coordinator or
a representative records on a householder's or sharer's behalf."""
