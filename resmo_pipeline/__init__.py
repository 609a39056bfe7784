"""resmo_pipeline: a self-hosted security inventory and compliance pipeline for Azure DevOps."""

__version__ = "0.1.0"
