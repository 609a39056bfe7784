"""Effective permissions: who can do what on which Azure DevOps resource, through which group.

Reads the inventory's access control entries, security namespaces, groups and memberships, and writes
``azure_devops.effective_permissions`` (decisions of the identities named in access control lists) and
``azure_devops.effective_roles`` (role assignments on pipeline resources), with views that expand both to users.
It sits between the inventory and compliance and never imports compliance. See docs/permissions.md.
"""

#: The tables the permission assets write (each organization's rows), besides their views.
PERMISSION_TABLES: tuple[str, ...] = ("effective_permissions", "permission_objects", "effective_roles")
