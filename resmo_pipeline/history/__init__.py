"""Change history of the inventory: SCD2 versions per resource type and change events (``history.*`` tables)."""
