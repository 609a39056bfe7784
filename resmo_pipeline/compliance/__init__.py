"""Compliance: rules (SQL with YAML front matter) judged against the inventory, as Dagster asset checks.

loader (built-in and RESMO_RULES_DIR rules, validated), params (per-organization overrides), suppressions
(accepted risks as code), evaluate (one organization, honest about what could not be judged), findings (the
compliance tables and their merge), checks (Dagster), exports and commands (`findings`, `rules`).
"""
