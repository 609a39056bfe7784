"""One Dagster asset per catalog resource type: ``azure_devops/<type>``, partitioned by organization.

Each asset takes its type's rows for the partition's organization (read from the API ahead of it, see
``inventory.session``) and hands them to the warehouse IO manager, which replaces that organization's rows in
``azure_devops.<type>`` in one transaction. What happened is recorded in ``meta.collection_runs`` and in the
materialization's metadata:

- collected: rows, requests, retries and throttled seconds;
- not collected (the credential lacks a PAT scope): nothing is written, so the earlier rows stay; the run succeeds
  and the missing scope is shown;
- unavailable (the endpoint or service is not offered here: a 404 listing, an HTML page, a feature switched off,
  an internal endpoint whose answer changed): nothing is written, the earlier rows stay, the step succeeds with
  a warning; the reason and the (redacted) URL are recorded. Projects skipped in a per-project read (service
  off in that project, project not visible) are named in the metadata and the log; the others are written;
- failed (after retries): recorded with the error, the step fails and the partition is left as it was;
- stopped (the sync was asked to stop, or the run was interrupted while the type was read): nothing is written
  or recorded, the step fails without a retry and the partition is left as it was. A step that has its rows
  when the stop comes writes them whole.
"""

import time
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from resmo_pipeline.azure_devops import (
    NotFoundError,
    PermissionDeniedError,
    RetryBudgetExceededError,
    UnavailableError,
)
from resmo_pipeline.catalog import INTERNAL_APIS_ENV, RESOURCE_TYPES, internal_apis_enabled
from resmo_pipeline.catalog.model import ResourceType
from resmo_pipeline.inventory import presentation, progress, session
from resmo_pipeline.inventory.collect import CollectionResult
from resmo_pipeline.inventory.partitions import organizations
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.warehouse.io_manager import WriteOnce
from resmo_pipeline.warehouse.resource import WarehouseResource

KEY_PREFIX = "azure_devops"
IO_MANAGER_KEY = "warehouse_io_manager"
#: Dagster's op tag that orders steps ready at the same time (higher first); documented for op and asset tags.
STEP_PRIORITY_TAG = "dagster/priority"

# Transient failures (throttling or 5xx that outlived the client's own retry budget) get a second and third
# chance a little later; anything else (a refused credential, a bad request) fails at once.
DEFAULT_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def asset_key(resource_type: str) -> dg.AssetKey:
    """The asset key of a resource type, e.g. ``azure_devops/repositories``."""
    return dg.AssetKey([KEY_PREFIX, resource_type])


# What the row-contract columns mean; the catalog describes the typed ones.
CONTRACT_COLUMNS = {
    "organization": "Azure DevOps organization (lower case); the partition key",
    "resource_id": "Natural key of the resource, unique within the organization",
    "fetched_at": "When the row was read from the API (UTC)",
    "raw": "The item exactly as the API returned it (JSON)",
}


def column_schema(resource_type: ResourceType) -> dg.TableSchema:
    """The table's columns as Dagster shows them (name, DuckDB type, meaning)."""
    descriptions = {**CONTRACT_COLUMNS, **{c.name: c.description for c in resource_type.columns}}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=column_type, description=descriptions.get(name) or None)
            for name, column_type in resource_type.column_types.items()
        ]
    )


def step_priority(resource_type: str) -> int:
    """The Dagster step priority of a type's asset: higher for types earlier in the catalog, and lowest for the
    types read per user.

    The catalog lists types in dependency order and the run's read-ahead reads them in that order
    (``inventory.session``); with these priorities the in-process executor also takes them in that order, so a
    step rarely waits for a type the memory budget held back and results do not wait long to be written. The
    types read per user are the longest reads (one request per user): their steps go last, so the in-process
    executor writes every other type while they are read instead of waiting for them. (Splitting the rule
    checks so that most run during that read too was measured and dropped: on two cores they competed with the
    read for the CPU and took 2.6 times as long, for 4 s less wall time.)
    """
    names = [name for name, kind in RESOURCE_TYPES.items() if not kind.is_read_per_user]
    if RESOURCE_TYPES[resource_type].is_read_per_user:
        per_user = [name for name, kind in RESOURCE_TYPES.items() if kind.is_read_per_user]
        return -1 - per_user.index(resource_type)
    return len(names) - names.index(resource_type)


def build_inventory_asset(
    resource_type: ResourceType, retry_policy: dg.RetryPolicy = DEFAULT_RETRY_POLICY
) -> dg.AssetsDefinition:
    """The asset that keeps ``azure_devops.<type>`` current for each organization."""
    name = resource_type.name
    parents = resource_type.parents

    @dg.asset(
        key=asset_key(name),
        partitions_def=organizations,
        group_name=resource_type.area,
        description=resource_type.description,
        kinds={"azure_devops", "duckdb"},
        io_manager_key=IO_MANAGER_KEY,
        deps=[asset_key(parent) for parent in parents],
        retry_policy=retry_policy,
        op_tags={STEP_PRIORITY_TAG: str(step_priority(name))},
        owners=presentation.asset_owners(resource_type.area),
        tags=presentation.asset_tags(resource_type.area, resource_type.required_scope),
        metadata={
            "partition_expr": "organization",  # read by the IO manager
            "dagster/column_schema": column_schema(resource_type),
            **presentation.table_name(KEY_PREFIX, name),
            **presentation.catalog_code_reference(name),
        },
    )
    def _inventory_asset(
        context: dg.AssetExecutionContext, azure_devops: AzureDevOpsResource, warehouse: WarehouseResource
    ) -> dg.Output[Any]:
        return _collect_partition(context, resource_type, azure_devops, warehouse, retry_policy)

    return _inventory_asset


class _Attempt:
    """One collection of one type for one organization, and how it ended."""

    def __init__(
        self, context: dg.AssetExecutionContext, resource_type: ResourceType, warehouse: WarehouseResource
    ) -> None:
        self.context = context
        self.organization = context.partition_key
        self.name = resource_type.name
        self.warehouse = warehouse
        self.started_at = datetime.now(UTC).replace(tzinfo=None)
        self.clock = time.monotonic()

    def finish(
        self,
        status: str,
        result: CollectionResult | None = None,
        error: str | None = None,
        required_scope: str | None = None,
        url: str | None = None,
    ) -> dict[str, Any]:
        """Record the outcome in meta.collection_runs, tell progress listeners; returns the figures."""
        figures = {
            "requests": result.requests if result else 0,
            "retries": result.retries if result else 0,
            "throttled_s": result.throttled_s if result else 0.0,
        }
        rows = len(result.rows) if result else 0
        # Reading time of the type (read ahead in the background), else the time this step took.
        seconds = result.duration_s if result else time.monotonic() - self.clock
        self.warehouse.record_collection_run(
            organization=self.organization,
            resource_type=self.name,
            run_id=self.context.run.run_id,
            started_at=self.started_at,
            finished_at=datetime.now(UTC).replace(tzinfo=None),
            rows=rows,
            status=status,
            error=error,
            required_scope=required_scope,
            url=url,
            skipped="\n".join(result.skipped) if result and result.skipped else None,
            **figures,
        )
        progress.publish(
            progress.TypeProgress(
                organization=self.organization,
                resource_type=self.name,
                status=status,
                rows=rows,
                requests=figures["requests"],
                seconds=seconds,
                detail=required_scope or error or "",
                skipped=tuple(result.skipped) if result else (),
            )
        )
        return {**figures, "seconds": round(seconds, 2)}


def _collect_partition(
    context: dg.AssetExecutionContext,
    resource_type: ResourceType,
    azure_devops: AzureDevOpsResource,
    warehouse: WarehouseResource,
    retry_policy: dg.RetryPolicy,
) -> dg.Output[Any]:
    attempt = _Attempt(context, resource_type, warehouse)
    organization, name = attempt.organization, attempt.name
    if session.stop_requested():
        raise _stopped(name, organization, "it was not started")
    if resource_type.internal and not internal_apis_enabled():
        attempt.finish("not_collected", error=f"internal APIs are switched off ({INTERNAL_APIS_ENV}=off)")
        return dg.Output(None, metadata={"status": "not_collected", "reason": "internal APIs switched off"})
    collection: session.RunCollection | None = None
    try:
        collection = azure_devops.run_collection(context, warehouse)
        if collection.cancelled:
            raise session.ReadCancelled(f"{name}: the run was stopped before it was read")
        # Read ahead in the background; on a retry, or with read-ahead off, read now (parents from this run
        # or the warehouse).
        result = collection.take(name) if collection.has(name) else collection.read(resource_type)
    except session.ReadCancelled as exc:
        raise _stopped(name, organization, "it was not read (whole)") from exc
    except (dg.DagsterExecutionInterruptedError, KeyboardInterrupt) as exc:
        # Dagster raises the run's interrupt here (Terminate in the UI, a signal to a run worker), and the
        # retry policy would turn it into a retry: stop this run's reads, and fail without one.
        if collection is not None:
            collection.cancel()
        raise _stopped(name, organization, "the run was interrupted while it was read") from exc
    except PermissionDeniedError as exc:
        scope = exc.required_scope or resource_type.required_scope
        figures = attempt.finish("not_collected", error=exc.message, required_scope=scope)
        context.log.warning(f"{name}: not collected for {organization}, the credential lacks PAT scope {scope}")
        return dg.Output(
            None, metadata={"status": "not_collected", "missing_scope": scope, "requests": figures["requests"]}
        )
    except (UnavailableError, NotFoundError) as exc:
        reason = exc.reason if isinstance(exc, UnavailableError) else f"404 at {exc.url}"
        figures = attempt.finish("unavailable", error=reason, url=exc.url)
        context.log.warning(f"{name}: unavailable for {organization}, nothing written (earlier rows kept): {reason}")
        return dg.Output(
            None,
            metadata={"status": "unavailable", "reason": reason, "url": exc.url or "", "requests": figures["requests"]},
        )
    except RetryBudgetExceededError as exc:
        if context.retry_number < retry_policy.max_retries:
            context.log.warning(f"{name}: transient failure for {organization}, will retry: {exc}")
            raise
        attempt.finish("failed", error=str(exc))
        raise
    except Exception as exc:
        attempt.finish("failed", error=str(exc))
        raise dg.Failure(
            description=f"{name}: collection failed for {organization}: {exc}", allow_retries=False
        ) from exc

    rows = len(result.rows)
    figures = attempt.finish("collected", result)
    for warning in result.warnings:
        context.log.warning(f"{name}: {warning}")
    for skipped in result.skipped:
        context.log.warning(f"{name}: skipped {skipped}")
    partial = f", re-read {result.partial} resource(s) the audit log named" if result.partial else ""
    context.log.info(
        f"{name}: {rows} rows, {figures['requests']} requests, {result.duration_s:.1f} s reading "
        f"({organization}{partial})"
    )
    write_options = {
        "column_types": result.column_types,
        "write_mode": resource_type.write_mode,
        "key_columns": ["resource_id"],
        "track_history": resource_type.track_history,
        "history_ignore_fields": list(resource_type.ignore_in_history),
    }
    return dg.Output(
        WriteOnce(result.rows, write_options),
        metadata={
            "status": "collected",
            "dagster/row_count": rows,
            "requests": figures["requests"],
            "seconds": figures["seconds"],
            # What a person rarely needs, in one entry rather than six.
            "details": {
                "retries": figures["retries"],
                "throttled_s": figures["throttled_s"],
                "partial_refresh": result.partial,
                "skipped_projects": list(result.skipped),
                "write_mode": resource_type.write_mode,
            },
        },
    )


def _stopped(name: str, organization: str, why: str) -> dg.Failure:
    return dg.Failure(
        description=f"{name}: stopped for {organization}, {why}; nothing written (earlier rows kept)",
        allow_retries=False,
    )


def build_inventory_assets(
    retry_policy: dg.RetryPolicy = DEFAULT_RETRY_POLICY,
) -> list[dg.AssetsDefinition]:
    """Every catalog resource type as an asset, in the catalog's dependency order."""
    return [build_inventory_asset(resource_type, retry_policy) for resource_type in RESOURCE_TYPES.values()]


inventory_assets = build_inventory_assets()

