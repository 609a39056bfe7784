"""The single place where assets, checks, schedules, sensors and resources are assembled for Dagster."""

import dagster as dg

defs = dg.Definitions()
