"""Render a Kustomize directory the way `kustomize build` would, for the features
deploy/kubernetes uses (resources, components and strategic-merge patches), so CI can
validate the manifests a cluster would really get without a kustomize binary (none comes
from a package registry). Any other kustomization field is refused rather than skipped.

    python .ci/render_kustomization.py DIR [--component DIR]... > rendered.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

KNOWN = {"apiVersion", "kind", "resources", "components", "patches"}
Resource = dict[str, Any]


class RenderError(Exception):
    """A kustomization this renderer cannot render faithfully, or one that is wrong."""


def load_documents(path: Path) -> list[Resource]:
    with path.open() as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def identity(resource: Resource) -> tuple[str, str, str]:
    return (resource.get("apiVersion", ""), resource.get("kind", ""), resource["metadata"]["name"])


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge as Kubernetes does it for our fields: maps merge key by key, lists of
    maps that all have a `name` (containers, env, ports, volumes, volumeMounts) merge by it,
    any other value is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        if any(key.startswith("$") for key in patch):
            raise RenderError(f"patch directives are not supported: {sorted(patch)}")
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    if _named_list(base) and _named_list(patch):
        merged_list = list(base)
        for item in patch:
            names = [entry["name"] for entry in merged_list]
            if item["name"] in names:
                at = names.index(item["name"])
                merged_list[at] = merge(merged_list[at], item)
            else:
                merged_list.append(item)
        return merged_list
    return patch


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value)


def read(directory: Path, kind: str) -> Resource:
    path = directory / "kustomization.yaml"
    if not path.is_file():
        raise RenderError(f"{directory}: no kustomization.yaml")
    [kustomization] = load_documents(path)
    if kustomization.get("kind", "Kustomization") != kind:
        raise RenderError(f"{path}: expected kind {kind}, found {kustomization.get('kind')}")
    unknown = set(kustomization) - KNOWN
    if unknown:
        raise RenderError(f"{path}: fields this renderer does not apply: {sorted(unknown)}")
    return kustomization


def collect(directory: Path, kustomization: Resource) -> list[Resource]:
    """The resources a kustomization lists: files, and directories rendered in turn."""
    found: list[Resource] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            found.extend(render(target))
        elif target.is_file():
            found.extend(load_documents(target))
        else:
            raise RenderError(f"{directory}: resource {entry} does not exist")
    return found


def render(directory: Path, extra_components: list[Path] | None = None) -> list[Resource]:
    """The resources `kustomize build directory` would give (with `extra_components` added
    to its own, as an overlay listing them would)."""
    kustomization = read(directory, "Kustomization")
    resources = collect(directory, kustomization)
    components = [directory / c for c in kustomization.get("components", [])]
    for component in components + list(extra_components or []):
        resources = apply_component(component.resolve(), resources)
    resources = apply_patches(directory, kustomization, resources)
    seen: set[tuple[str, str, str]] = set()
    for resource in resources:
        if identity(resource) in seen:
            raise RenderError(f"{directory}: {identity(resource)} is defined twice")
        seen.add(identity(resource))
    return resources


def apply_component(directory: Path, resources: list[Resource]) -> list[Resource]:
    """A component adds its resources to those gathered so far, then patches them all."""
    component = read(directory, "Component")
    return apply_patches(directory, component, resources + collect(directory, component))


def apply_patches(
    directory: Path, kustomization: Resource, resources: list[Resource]
) -> list[Resource]:
    for entry in kustomization.get("patches", []):
        if set(entry) != {"path"}:
            raise RenderError(f"{directory}: only `patches: - path: …` is supported: {entry}")
        for patch in load_documents(directory / entry["path"]):
            matches = [i for i, r in enumerate(resources) if identity(r) == identity(patch)]
            if len(matches) != 1:
                raise RenderError(
                    f"{directory / entry['path']}: patches {identity(patch)}, which "
                    f"{'is not among' if not matches else 'is more than one of'} the resources"
                )
            resources[matches[0]] = merge(resources[matches[0]], patch)
    return resources


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--component", type=Path, action="append", default=[])
    arguments = parser.parse_args()
    try:
        rendered = render(arguments.directory, arguments.component)
    except (RenderError, OSError, yaml.YAMLError, ValueError, KeyError) as error:
        print(f"render_kustomization: {error}", file=sys.stderr)
        return 1
    yaml.safe_dump_all(rendered, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
