"""What YAML pipelines say they do: the security-relevant elements of every pipeline's YAML file.

`pipeline_yaml_elements` is computed from `pipeline_yaml_files` without API requests: each file is parsed with
PyYAML's composer (`yaml.compose` with `SafeLoader`, already a dependency, no new one), whose nodes carry their
line numbers, so every element is reported at `path:line`. Nothing is executed or expanded: template
expressions (`${{ }}`, `$( )`, `$[ ]`) stay as text, and templates are not fetched (a `template:` reference is
an element of its own). A file that does not parse is one `parse_error` row with the parser's message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from resmo_pipeline.catalog.model import FetchContext, Record, ResourceType, col, ctx

AREA = "pipelines"

#: Step keys that run an inline script on the agent.
SCRIPT_STEP_KEYS = ("script", "bash", "pwsh", "powershell")
#: Task inputs holding an inline script (PowerShell@2, Bash@3, CmdLine@2: script; AzureCLI@2: inlineScript;
#: AzurePowerShell@5: Inline).
SCRIPT_INPUTS = frozenset({"script", "inlinescript", "inline"})
#: Task inputs naming a service connection.
SERVICE_CONNECTION_INPUTS = frozenset(
    name.lower() for name in (
        "azureSubscription", "connectedServiceName", "connectedServiceNameARM", "azureResourceManagerConnection",
        "ConnectedServiceNameARM", "kubernetesServiceConnection", "kubernetesServiceEndpoint",
        "dockerRegistryServiceConnection", "containerRegistry", "dockerRegistryEndpoint", "serviceConnection",
        "externalFeedCredentials", "gitHubConnection", "sshEndpoint", "publishFeedCredentials",
    )
)
STEP_KEYS = (*SCRIPT_STEP_KEYS, "checkout", "task", "download", "downloadBuild", "getPackage", "publish",
             "reviewApp")
FULL_COMMIT = re.compile(r"^[0-9a-fA-F]{40}$")
EXPRESSION = re.compile(r"\$\{\{|\$\(|\$\[")


@dataclass(frozen=True)
class _Where:
    """Where the walker is: the YAML path and the enclosing stage and job (their ids)."""

    path: str
    stage: str | None = None
    job: str | None = None
    pool_name: str | None = None
    vm_image: str | None = None
    workspace_clean: str | None = None

    def child(self, key: str | int) -> _Where:
        step = f"[{key}]" if isinstance(key, int) else (f".{key}" if self.path else key)
        return replace(self, path=self.path + step)


def _scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def _truthy(node: Node | None) -> bool | None:
    text = _scalar(node)
    if text is None or EXPRESSION.search(text):
        return None
    return text.strip().lower() in ("true", "yes", "on", "y")


def _items(node: MappingNode) -> Iterator[tuple[str, Node]]:
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            yield key.value, value


def _get(node: Node | None, name: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    return next((value for key, value in _items(node) if key == name), None)


def _plain(node: Node | None) -> Any:
    """The node as plain data (scalars as their text), for JSON columns."""
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SequenceNode):
        return [_plain(item) for item in node.value]
    if isinstance(node, MappingNode):
        return {key: _plain(value) for key, value in _items(node)}
    return None


def _scalars(node: Node | None) -> list[str]:
    """Every scalar value below the node (what a template parameter may name: an environment, a connection)."""
    if isinstance(node, ScalarNode):
        return [node.value] if node.value else []
    if isinstance(node, SequenceNode):
        return [text for item in node.value for text in _scalars(item)]
    if isinstance(node, MappingNode):
        return [text for _key, value in _items(node) for text in _scalars(value)]
    return []


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _split_template(reference: str) -> tuple[str, str | None]:
    path, _, alias = reference.partition("@")
    return path, (alias or None)


def _pool(node: Node | None) -> tuple[str | None, str | None]:
    if isinstance(node, ScalarNode):
        return node.value, None
    return _scalar(_get(node, "name")), _scalar(_get(node, "vmImage"))


def _environment(node: Node | None) -> str | None:
    if isinstance(node, ScalarNode):
        return node.value
    name = _scalar(_get(node, "name"))
    resource = _scalar(_get(node, "resourceName"))
    return f"{name}.{resource}" if name and resource else name


def _control(item: MappingNode) -> dict[str, Any]:
    """condition and continueOnError of a stage, job or step (continueOnError null: an expression decides)."""
    keep_going = _get(item, "continueOnError")
    return {"condition": _scalar(_get(item, "condition")),
            "continue_on_error": False if keep_going is None else _truthy(keep_going)}


def _ref_pinned(ref: str | None) -> bool | None:
    if ref is not None and EXPRESSION.search(ref):
        return None
    return bool(ref) and (bool(FULL_COMMIT.match(ref)) or ref.startswith("refs/tags/"))


def _image_pinned(image: str | None) -> bool | None:
    if not image or EXPRESSION.search(image):
        return None
    return "@sha256:" in image


class _Walker:
    """Walks one file's node tree and collects its elements as plain dicts (the table's columns)."""

    def __init__(self) -> None:
        self.elements: list[dict[str, Any]] = []
        self.container_aliases: set[str] = set()

    def emit(self, node: Node, where: _Where, kind: str, **values: Any) -> None:
        self.elements.append({"line": _line(node), "yaml_path": where.path or "$", "kind": kind,
                              "stage": where.stage, "job": where.job, **values})

    def root(self, node: Node) -> None:
        if not isinstance(node, MappingNode):
            return
        resources = _get(node, "resources")
        if isinstance(resources, MappingNode):
            self.resources(resources, _Where("resources"))
        parameters = _get(node, "parameters")
        if isinstance(parameters, SequenceNode):
            self.runtime_parameters(parameters, _Where("parameters"))
        root_clean = _scalar(_get(_get(node, "workspace"), "clean"))
        self.mapping(node, _Where("", workspace_clean=root_clean), skip={"resources"})

    def runtime_parameters(self, node: SequenceNode, where: _Where) -> None:
        """The pipeline's runtime parameters (whoever queues a run sets them): name, type, default, values."""
        for index, item in enumerate(node.value):
            if not isinstance(item, MappingNode):
                continue
            values = _get(item, "values")
            self.emit(item, where.child(index), "parameter", name=_scalar(_get(item, "name")),
                      value=_scalar(_get(item, "default")),
                      parameter_type=(_scalar(_get(item, "type")) or "string").strip(),
                      allowed_values=_plain(values) if isinstance(values, SequenceNode) else None)

    def variables(self, node: Node, where: _Where) -> None:
        """`variables:` in its mapping form (name: value) or list form (- name: x, value: y); groups and
        variable templates are not variables (a `- template:` entry is a template element)."""
        if isinstance(node, MappingNode):
            for name, value in _items(node):
                if name.startswith("${{"):
                    self.variables(value, where.child(name))  # `${{ if }}:` inserts the variables it holds
                elif isinstance(value, ScalarNode):
                    self.emit(value, where.child(name), "variable", name=name, value=value.value)
                else:
                    self.any(value, where.child(name))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                at = where.child(index)
                if isinstance(item, MappingNode) and "name" in {key for key, _value in _items(item)}:
                    readonly = _get(item, "readonly")
                    self.emit(item, at, "variable", name=_scalar(_get(item, "name")),
                              value=_scalar(_get(item, "value")),
                              readonly=None if readonly is None else _truthy(readonly))
                elif isinstance(item, MappingNode) and self.element(item, at):
                    continue
                elif isinstance(item, MappingNode) and all(key.startswith("${{") for key, _v in _items(item)):
                    for key, inner in _items(item):
                        self.variables(inner, at.child(key))
                else:
                    self.any(item, at)

    def resources(self, node: MappingNode, where: _Where) -> None:
        for key, value in _items(node):
            if not isinstance(value, SequenceNode):
                continue
            for index, item in enumerate(value.value):
                at = where.child(key).child(index)
                if key == "pipelines" and isinstance(item, MappingNode):
                    self.pipeline_resource(item, at)
                elif key == "repositories" and isinstance(item, MappingNode):
                    ref = _scalar(_get(item, "ref"))
                    self.emit(item, at, "repository", name=_scalar(_get(item, "repository")),
                              value=_scalar(_get(item, "name")), repository_type=_scalar(_get(item, "type")),
                              ref=ref, pinned=_ref_pinned(ref),
                              service_connections=[e for e in [_scalar(_get(item, "endpoint"))] if e])
                elif key == "containers" and isinstance(item, MappingNode):
                    alias = _scalar(_get(item, "container"))
                    image = _scalar(_get(item, "image"))
                    if alias:
                        self.container_aliases.add(alias)
                    self.emit(item, at, "container", name=alias, value=image, pinned=_image_pinned(image),
                              service_connections=[e for e in [_scalar(_get(item, "endpoint"))] if e],
                              options=_scalar(_get(item, "options")))

    def pipeline_resource(self, item: MappingNode, where: _Where) -> None:
        """resources.pipelines: another pipeline whose artifacts this one consumes and whose runs may trigger
        it. trigger_branches: the branches whose completed runs trigger it (["*"] for `trigger: true` or a
        trigger without a branch filter; [] when there is no trigger)."""
        trigger = _get(item, "trigger")
        branches: list[str] | None
        if trigger is None or _truthy(trigger) is False:
            branches = []
        elif isinstance(trigger, ScalarNode):
            branches = ["*"] if _truthy(trigger) else None
        elif _truthy(_get(trigger, "enabled")) is False:
            branches = []
        else:
            filters = _get(trigger, "branches")
            include = _get(filters, "include") if isinstance(filters, MappingNode) else filters
            branches = _scalars(include) or ["*"]
        self.emit(item, where, "pipeline_resource", name=_scalar(_get(item, "pipeline")),
                  value=_scalar(_get(item, "source")), ref=_scalar(_get(item, "branch")),
                  parameters=_plain(item), trigger_branches=branches,
                  source_project=_scalar(_get(item, "project")))

    def mapping(self, node: MappingNode, where: _Where, skip: frozenset[str] | set[str] = frozenset()) -> None:
        """A mapping that is not itself an element: look at the keys that hold elements, recurse into the rest."""
        for key, value in _items(node):
            if key in skip:
                continue
            at = where.child(key)
            if key == "extends" and isinstance(value, MappingNode):
                self.template(value, at, "extends")
            elif key == "pool":
                name, image = _pool(value)
                self.emit(value, at, "pool", value=name or image, pool_name=name, vm_image=image)
            elif key in ("stages", "jobs", "steps") and isinstance(value, SequenceNode):
                self.sequence(value, where, key)
            elif key == "variables" and isinstance(value, (MappingNode, SequenceNode)):
                self.variables(value, at)
            else:
                self.any(value, at)

    def any(self, node: Node, where: _Where) -> None:
        if isinstance(node, MappingNode):
            self.mapping(node, where)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                if isinstance(item, MappingNode) and self.element(item, where.child(index)):
                    continue
                self.any(item, where.child(index))

    def sequence(self, node: SequenceNode, where: _Where, key: str) -> None:
        base = where.child(key)
        for index, item in enumerate(node.value):
            at = base.child(index)
            if not isinstance(item, MappingNode):
                continue
            if not self.element(item, at):
                # `- ${{ if ... }}:` / `- ${{ each ... }}:` insert the items they hold into this list.
                for inner_key, inner in _items(item):
                    if isinstance(inner, SequenceNode):
                        self.sequence(inner, replace(at, path=at.path), inner_key)
                    else:
                        self.any(inner, at.child(inner_key))

    def element(self, item: MappingNode, where: _Where) -> bool:
        """Emit the list item as a stage, job, step or template reference; False when it is none of them."""
        keys = {key for key, _value in _items(item)}
        if "stage" in keys:
            stage = _scalar(_get(item, "stage"))
            inner = replace(where, stage=stage, job=None)
            self.emit(item, inner, "stage", name=stage, value=_scalar(_get(item, "displayName")),
                      **_control(item))
            self.mapping(item, self._with_pool(item, inner), skip={"stage"})
        elif "job" in keys or "deployment" in keys:
            self.job(item, where, "deployment" if "deployment" in keys else "job")
        elif "template" in keys:
            self.template(item, where, "template")
        elif keys & set(STEP_KEYS):
            self.step(item, where, keys)
        else:
            return False
        return True

    def _with_pool(self, item: MappingNode, where: _Where) -> _Where:
        pool = _get(item, "pool")
        if pool is None:
            return where
        name, image = _pool(pool)
        return replace(where, pool_name=name, vm_image=image)

    def job(self, item: MappingNode, where: _Where, kind: str) -> None:
        job_id = _scalar(_get(item, kind))
        inner = self._with_pool(item, replace(where, job=job_id))
        environment = _environment(_get(item, "environment"))
        self.emit(item, inner, "job", name=job_id, value=kind, pool_name=inner.pool_name, vm_image=inner.vm_image,
                  environment=environment,
                  referenced_names=[n for n in (environment, (environment or "").split(".")[0]) if n],
                  clean=_scalar(_get(_get(item, "workspace"), "clean")) or where.workspace_clean, **_control(item))
        container = _get(item, "container")
        if container is not None:
            self.container(container, inner.child("container"))
        services = _get(item, "services")
        if isinstance(services, MappingNode):
            for name, service in _items(services):
                self.container(service, inner.child("services").child(name), alias=name)
        self.mapping(item, inner, skip={kind, "container", "services", "environment"})

    def container(self, node: Node, where: _Where, alias: str | None = None) -> None:
        image = _scalar(node) if isinstance(node, ScalarNode) else _scalar(_get(node, "image"))
        if isinstance(node, ScalarNode) and image in self.container_aliases:
            return  # names a resources.containers entry, which is an element of its own
        self.emit(node, where, "container", name=alias, value=image, pinned=_image_pinned(image),
                  service_connections=[e for e in [_scalar(_get(node, "endpoint"))] if e],
                  options=_scalar(_get(node, "options")))

    def template(self, item: MappingNode, where: _Where, kind: str) -> None:
        reference = _scalar(_get(item, "template")) or ""
        path, alias = _split_template(reference)
        parameters = _get(item, "parameters")
        self.emit(item, where, kind, value=path, repository_alias=alias, parameters=_plain(parameters),
                  referenced_names=sorted(set(_scalars(parameters))))
        if parameters is not None:
            # Step, job and stage lists handed to a template run as if written here.
            self.any(parameters, where.child("parameters"))

    def step(self, item: MappingNode, where: _Where, keys: set[str]) -> None:
        name = _scalar(_get(item, "displayName")) or _scalar(_get(item, "name"))
        env = _get(item, "env")
        extra: dict[str, Any] = {**_control(item),
                                 "env": _plain(env) if isinstance(env, MappingNode) else None}
        script_key = next((k for k in SCRIPT_STEP_KEYS if k in keys), None)
        if script_key is not None:
            self.emit(item, where, "script", name=name, task=script_key, value=_scalar(_get(item, script_key)),
                      **extra)
        elif "checkout" in keys:
            persist = _get(item, "persistCredentials")
            self.emit(item, where, "checkout", name=name, value=_scalar(_get(item, "checkout")),
                      persist_credentials=False if persist is None else _truthy(persist),
                      clean=_scalar(_get(item, "clean")), **extra)
        elif "task" in keys:
            task = _scalar(_get(item, "task"))
            inputs = _get(item, "inputs")
            plain = _plain(inputs) if isinstance(inputs, MappingNode) else {}
            lowered = {str(k).lower(): v for k, v in plain.items()}
            connections = sorted({v for k, v in lowered.items()
                                  if k in SERVICE_CONNECTION_INPUTS and isinstance(v, str)})
            script = next((v for k, v in lowered.items() if k in SCRIPT_INPUTS and isinstance(v, str)), None)
            self.emit(item, where, "script" if script is not None else "task", name=name, task=task,
                      value=script, service_connections=connections, parameters=plain or None,
                      referenced_names=connections, **extra)
        else:
            step_kind = next(k for k in STEP_KEYS if k in keys)
            self.emit(item, where, "task", name=name, task=step_kind, value=_scalar(_get(item, step_kind)),
                      **extra)


def yaml_elements(content: str) -> list[dict[str, Any]]:
    """The elements of one pipeline file, in file order; one `parse_error` element when it does not parse."""
    try:
        node = yaml.compose(content, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        return [{"line": mark.line + 1 if mark is not None else None, "yaml_path": "$", "kind": "parse_error",
                 "error": str(exc)}]
    if node is None:
        return []
    walker = _Walker()
    walker.root(node)
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for element in walker.elements:
        unique.setdefault((element["yaml_path"], element["kind"]), element)
    return sorted(unique.values(), key=lambda e: (e["line"] or 0, e["yaml_path"]))


FILE_CONTEXT = ("project_id", "project_name", "definition_id", "definition_name", "repository_id",
                "repository_name", "branch")


def _compute_elements(fc: FetchContext) -> list[Record]:
    """Parse every readable pipeline file; no API requests."""
    records: list[Record] = []
    for row in fc.parent_rows.get("pipeline_yaml_files", []):
        content = row.get("content")
        if row.get("read_error") or not isinstance(content, str):
            continue  # pipeline_yaml_files already records why the file could not be read
        context: dict[str, Any] = {name: row.get(name) for name in FILE_CONTEXT}
        file_path = str(row.get("path") or "")
        for element in yaml_elements(content):
            line = element.get("line")
            item = {**element, "file_path": file_path,
                    "location": f"{file_path.lstrip('/')}:{line}" if line else file_path.lstrip("/")}
            records.append((item, dict(context)))
    return records


def _v(name: str):
    return lambda item, _c: item.get(name)


def _list(name: str):
    return lambda item, _c: item.get(name) or []


TYPES = (
    ResourceType(
        name="pipeline_yaml_elements",
        area=AREA,
        description="The security-relevant elements of every YAML pipeline file, computed from "
        "pipeline_yaml_files without API requests, each at its path:line: script steps and inline scripts of "
        "script tasks (with their text), other tasks and the service connections they name, checkout steps "
        "(persistCredentials), template references and extends (with the @repository alias), "
        "resources.repositories (ref, pinned to a commit or tag?), container images (resources.containers, "
        "job containers and services: pinned to a digest?), stages, jobs and deployment jobs (pool, "
        "environment, workspace.clean), pool declarations, runtime parameters (type, allowed values), variables "
        "defined in the YAML (name, value), resources.pipelines (source, project, trigger branches), and of "
        "every step its env mapping, condition and continueOnError. Steps in deployment strategies (runOnce, "
        "rolling, canary hooks), conditional `${{ if }}` blocks and template parameters are included; "
        "expressions are kept as text and templates are not fetched. A file that does not parse is one "
        "row of kind parse_error.",
        endpoint=None,
        scope="parent",
        extra_parents=("pipeline_yaml_files",),
        fetch=_compute_elements,
        key=("project_id", "definition_id", "yaml_path", "kind"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            ctx("definition_id", "BIGINT", "The YAML pipeline (join to build_definitions.id)."),
            ctx("definition_name", description="The pipeline's name."),
            ctx("repository_id", description="The repository holding the file (join to repositories.id)."),
            ctx("repository_name", description="Repository name."),
            ctx("branch", description="The branch the file was read at."),
            col("file_path", "VARCHAR", _v("file_path"), "The YAML file (as in pipeline_yaml_files.path)."),
            col("line", "BIGINT", _v("line"), "1-based line where the element starts."),
            col("location", "VARCHAR", _v("location"), "path:line, e.g. azure-pipelines.yml:12."),
            col("yaml_path", "VARCHAR", _v("yaml_path"),
                "Where in the document, e.g. stages[1].jobs[0].strategy.runOnce.deploy.steps[0]."),
            col("kind", "VARCHAR", _v("kind"), "script, task, checkout, template, extends, repository, "
                "container, stage, job, pool, variable, parameter, pipeline_resource or parse_error."),
            col("name", "VARCHAR", _v("name"), "Stage or job id, step display name, repository, container or "
                "pipeline resource alias, variable or parameter name."),
            col("value", "VARCHAR", _v("value"), "script: the script text; checkout: self, none or a "
                "repository alias; template/extends: the template path; repository: the repository's name; "
                "container: the image; job: job or deployment; pool: the pool name or vmImage; "
                "variable: its value; parameter: its default; pipeline_resource: the source pipeline."),
            col("task", "VARCHAR", _v("task"), "The task (PowerShell@2, ...) or step keyword (script, bash, "
                "pwsh, powershell, download, ...)."),
            col("stage", "VARCHAR", _v("stage"), "The enclosing stage's id."),
            col("job", "VARCHAR", _v("job"), "The enclosing job's id."),
            col("repository_alias", "VARCHAR", _v("repository_alias"),
                "template/extends: the repository alias after @ (null: the pipeline's own repository)."),
            col("repository_type", "VARCHAR", _v("repository_type"), "repository: git, github, bitbucket, ..."),
            col("ref", "VARCHAR", _v("ref"), "repository: the ref (null: the repository's default branch); "
                "pipeline_resource: the branch whose artifacts are used by default."),
            col("pinned", "BOOLEAN", _v("pinned"), "repository: ref is a full commit id or refs/tags/...; "
                "container: the image has an @sha256: digest; null when an expression decides it."),
            col("persist_credentials", "BOOLEAN", _v("persist_credentials"),
                "checkout: true when the job's access token stays in .git/config for later steps."),
            col("pool_name", "VARCHAR", _v("pool_name"), "pool and job: the agent pool (job: own or inherited)."),
            col("vm_image", "VARCHAR", _v("vm_image"), "pool and job: the Microsoft-hosted image."),
            col("environment", "VARCHAR", _v("environment"), "Deployment job: the environment (name[.resource])."),
            col("service_connections", "JSON", _list("service_connections"),
                "Service connections the element names (task inputs, repository and container endpoints)."),
            col("parameters", "JSON", _v("parameters"), "template/extends: the parameters passed; task: inputs; "
                "pipeline_resource: the resource as written."),
            col("referenced_names", "JSON", _list("referenced_names"), "Names the element may use as protected "
                "resources: the environment, task service connections, scalar template parameters."),
            col("error", "VARCHAR", _v("error"), "parse_error: the parser's message."),
            col("env", "JSON", _v("env"), "script and task: the step's env mapping ({NAME: value}, e.g. "
                "SYSTEM_ACCESSTOKEN: $(System.AccessToken)); null when it has none."),
            col("condition", "VARCHAR", _v("condition"), "stage, job, script, task, checkout: the condition "
                "as written (null: the default, succeeded())."),
            col("continue_on_error", "BOOLEAN", _v("continue_on_error"), "job, script, task, checkout: "
                "continueOnError is true (later steps and jobs run as if it succeeded); null when an expression "
                "decides it."),
            col("clean", "VARCHAR", _v("clean"), "job: workspace.clean, its own or the pipeline's (outputs, "
                "resources, all; null: the workspace is kept); checkout: its clean value (true, false)."),
            col("options", "VARCHAR", _v("options"), "container: the options passed to docker create (e.g. "
                "--privileged, -v /var/run/docker.sock:...)."),
            col("parameter_type", "VARCHAR", _v("parameter_type"), "parameter: the declared type (string when "
                "none is given)."),
            col("allowed_values", "JSON", _v("allowed_values"), "parameter: the values list (null: any value)."),
            col("readonly", "BOOLEAN", _v("readonly"), "variable (list form): readonly is true."),
            col("trigger_branches", "JSON", _v("trigger_branches"), "pipeline_resource: the source pipeline's "
                "branches whose completed runs trigger this pipeline: [\"*\"] for any branch (trigger: true or "
                "no branch filter), [] for no trigger, null when an expression decides it."),
            col("source_project", "VARCHAR", _v("source_project"), "pipeline_resource: the project of the "
                "source pipeline (null: this pipeline's project)."),
        ),
        required_scope="vso.code",
    ),
)
