"""The part of kustomize that deploy/kubernetes uses, to render its overlays where no kustomize is installed:
`resources` (files and directories), `namespace`, `images` (newName, newTag) and `patches` by path,
merged as strategic merge patches do for these manifests (maps merged, lists of named items merged by
name, other lists replaced)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}


def render(directory: Path) -> list[Manifest]:
    kustomization: dict[str, Any] = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unsupported = set(kustomization) - SUPPORTED
    if unsupported:
        raise ValueError(f"{directory}: this renderer does not do {sorted(unsupported)}")
    manifests: list[Manifest] = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        manifests.extend(render(path) if path.is_dir() else _documents(path))
    for patch in kustomization.get("patches", []):
        for document in _documents(directory / patch["path"]):
            target = _find(manifests, document["kind"], document["metadata"]["name"])
            merged = merge(target, document)
            target.clear()
            target.update(merged)
    for image in kustomization.get("images", []):
        for container in _containers(manifests):
            if container["image"].split(":")[0] == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    if "namespace" in kustomization:
        for manifest in manifests:
            manifest["metadata"]["namespace"] = kustomization["namespace"]
    return manifests


def merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        merged_list = copy.deepcopy(base)
        for item in patch:
            same = next((index for index, old in enumerate(merged_list) if old["name"] == item["name"]), None)
            if same is None:
                merged_list.append(copy.deepcopy(item))
            else:
                merged_list[same] = merge(merged_list[same], item)
        return merged_list
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _documents(path: Path) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def _find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [manifest for manifest in manifests if manifest["kind"] == kind and manifest["metadata"]["name"] == name]
    if len(found) != 1:
        raise ValueError(f"a patch targets {kind}/{name}, found {len(found)}")
    return found[0]


def _containers(manifests: list[Manifest]) -> list[dict[str, Any]]:
    pods = [manifest["spec"]["template"]["spec"] for manifest in manifests if manifest["kind"] in ("Deployment", "Job")]
    return [container for pod in pods for container in pod["containers"]]
