"""Locality data: loading and validating the sourced tables, and the feature pipelines built on them."""
