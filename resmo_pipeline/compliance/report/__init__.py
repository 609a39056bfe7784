"""The HTML report: a self-contained page for an auditor, read from the warehouse (never written to it)."""
