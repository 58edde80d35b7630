"""deploy/kubernetes cannot run here: render its overlays (tests/deployment/kustomize.py), validate every
manifest against the Kubernetes API schemas (kubernetes-validate, strict), and check it against the code
as tests/deployment/test_compose.py does docker-compose.yml: commands, ports, health paths, the settings
each variable names, secrets from Secret objects only, and PgBouncer's settings."""

from __future__ import annotations

import configparser
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from kubernetes_validate import utils as kubernetes

from cli.provisioning import APPS
from cli.stack import edge_options
from kit.settings import ServiceSettings
from tests.deployment.kustomize import Manifest, render
from tests.deployment.test_compose import SECRET_WORDS, SETTINGS

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
TARGETS = {
    "base": KUBERNETES / "base",
    "production": KUBERNETES / "overlays" / "production",
    "production migrations": KUBERNETES / "overlays" / "production" / "migrations",
}
KUBERNETES_VERSION = "1.30.0"
WEB_APPS = ("territories", "grants", "participation", "gateway")
PORTS = {"gateway": "8000", "territories": "8001", "grants": "8002", "participation": "8003"}


def rendered(target: str) -> list[Manifest]:
    return render(TARGETS[target])


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {manifest["metadata"]["name"]: manifest for manifest in manifests if manifest["kind"] == kind}


def container(manifest: Manifest) -> dict[str, Any]:
    containers = manifest["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, manifest["metadata"]["name"]
    found: dict[str, Any] = containers[0]
    return found


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_manifest_is_valid_for_the_kubernetes_api(target: str) -> None:
    for manifest in rendered(target):
        if manifest["apiVersion"].startswith("postgresql.cnpg.io/"):
            continue  # a custom resource: the next test
        kubernetes.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_production_runs_a_highly_available_postgresql() -> None:
    clusters = of_kind(rendered("production"), "Cluster")
    assert list(clusters) == ["cdq-postgres"]
    cluster = clusters["cdq-postgres"]
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] >= 3
    assert cluster["spec"]["minSyncReplicas"] >= 1
    assert cluster["spec"]["affinity"]["podAntiAffinityType"] == "required"
    assert "barmanObjectStore" in cluster["spec"]["backup"]
    endpoint = of_kind(rendered("production"), "Service")["postgres-rw"]
    assert endpoint["spec"]["externalName"].startswith("cdq-postgres-rw.")


@pytest.mark.parametrize("target", ["base", "production"])
def test_each_app_is_served_probed_sized_scaled_and_protected(target: str) -> None:
    manifests = rendered(target)
    deployments, services = of_kind(manifests, "Deployment"), of_kind(manifests, "Service")
    autoscalers, budgets = of_kind(manifests, "HorizontalPodAutoscaler"), of_kind(manifests, "PodDisruptionBudget")
    for app in WEB_APPS:
        served = container(deployments[app])
        command = served["command"]
        module_name, attribute = option(command, "--factory").split(":")
        assert callable(getattr(importlib.import_module(module_name), attribute))
        assert option(command, "--port") == PORTS[app] == str(served["ports"][0]["containerPort"])
        edge = edge_options()
        assert {name: option(command, name) for name in edge[::2]} == dict(zip(edge[::2], edge[1::2], strict=True))
        assert served["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert served["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert set(served["resources"]["requests"]) == set(served["resources"]["limits"]) == {"cpu", "memory"}
        labels = deployments[app]["spec"]["template"]["metadata"]["labels"]
        assert services[app]["spec"]["selector"].items() <= labels.items()
        assert str(services[app]["spec"]["ports"][0]["port"]) == PORTS[app]
        assert autoscalers[app]["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": app,
        }
        assert autoscalers[app]["spec"]["minReplicas"] >= 2
        assert budgets[app]["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert deployments[app]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_the_health_paths_probed_are_the_apps_own() -> None:
    from kit.service_app import health_router

    async def ready() -> dict[str, str]:
        return {}

    paths = {getattr(route, "path", None) for route in health_router("any", ready).routes}
    assert paths == {"/healthz", "/readyz"}


def _variables(manifest: Manifest) -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in container(manifest).get("env", [])}


@pytest.mark.parametrize("target", ["base", "production", "production migrations"])
def test_every_variable_is_a_setting_and_every_secret_comes_from_a_secret(target: str) -> None:
    for manifest in rendered(target):
        if manifest["kind"] not in ("Deployment", "Job") or manifest["metadata"]["name"] == "pgbouncer":
            continue
        for name, variable in _variables(manifest).items():
            if not name.endswith("_MIGRATION_DATABASE_URL"):  # read by kit/migration_env.py, not a setting
                prefix = next(prefix for prefix in SETTINGS if name.startswith(prefix))
                assert name[len(prefix) :].lower() in SETTINGS[prefix].model_fields, (manifest["metadata"], name)
            if any(word in name for word in (*SECRET_WORDS, "DATABASE_URL", "DIRECT_URL")):
                assert "value" not in variable, name
                assert set(variable["valueFrom"]) == {"secretKeyRef"}, name


def test_the_urls_between_apps_point_at_their_services() -> None:
    manifests = rendered("production")
    services = of_kind(manifests, "Service")
    for manifest in manifests:
        if manifest["kind"] != "Deployment" or manifest["metadata"]["name"] == "pgbouncer":
            continue
        for variable in _variables(manifest).values():
            for host, port in re.findall(r"http://([a-z-]+):(\d+)", str(variable.get("value", ""))):
                assert str(services[host]["spec"]["ports"][0]["port"]) == port == PORTS[host]


def test_a_migration_job_per_app_as_its_owner_before_the_rollout() -> None:
    jobs = of_kind(rendered("production migrations"), "Job")
    assert set(jobs) == {f"migrate-{app}" for app in APPS} | {"import-reference"}
    for app in APPS:
        job = jobs[f"migrate-{app}"]
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
        assert container(job)["command"] == ["python", "-m", "cli", "migrate", app]
        secret = _variables(job)[f"{app.upper()}_MIGRATION_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert secret == {"name": f"cdq-{app}-owner-database", "key": "direct-url"}
    assert jobs["import-reference"]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
    # Only the migration jobs hold an owner's password.
    for manifest in rendered("production"):
        if manifest["kind"] in ("Deployment", "Job") and not manifest["metadata"]["name"].startswith("migrate-"):
            assert "owner" not in str(manifest["spec"]), manifest["metadata"]["name"]


def test_the_apps_reach_postgresql_through_pgbouncer_and_listen_directly() -> None:
    deployments = of_kind(rendered("production"), "Deployment")
    for app in WEB_APPS:
        variables = _variables(deployments[app])
        prefix = app.upper()
        assert variables[f"{prefix}_DATABASE_POOLER"]["value"] == "pgbouncer"
        assert variables[f"{prefix}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "pooled-url"
        if app != "gateway":  # the change feed's LISTEN needs a session of its own
            assert variables[f"{prefix}_DATABASE_DIRECT_URL"]["valueFrom"]["secretKeyRef"]["key"] == "direct-url"
    worker = deployments["gateway-worker"]
    assert container(worker)["command"] == ["python", "-m", "gateway.worker"]
    worker_database = _variables(worker)["GATEWAY_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert worker_database == {"name": "cdq-gateway-database", "key": "direct-url"}  # procrastinate LISTENs
    assert "GATEWAY_DATABASE_POOLER" not in _variables(worker)


def test_pgbouncer_pools_transactions_with_each_apps_session_settings() -> None:
    manifests = rendered("production")
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(of_kind(manifests, "ConfigMap")["pgbouncer"]["data"]["pgbouncer.ini"])
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    assert set(ini["databases"]) == set(APPS)
    defaults = ServiceSettings.model_fields
    for app in APPS:
        entry = ini["databases"][app]
        assert "host=postgres-rw" in entry
        sets = dict(re.findall(r"SET (\w+) = (\w+)", entry))
        assert sets.pop("search_path") == app
        if app != "gateway":
            assert sets == {
                "lock_timeout": str(defaults["db_lock_timeout_ms"].default),
                "statement_timeout": str(defaults["db_statement_timeout_ms"].default),
                "idle_in_transaction_session_timeout": str(defaults["db_idle_in_transaction_timeout_ms"].default),
            }
    pgbouncer = container(of_kind(manifests, "Deployment")["pgbouncer"])
    assert pgbouncer["ports"][0]["containerPort"] == int(ini["pgbouncer"]["listen_port"])


def test_the_ingress_leads_to_the_gateway() -> None:
    ingress = of_kind(rendered("production"), "Ingress")["coeur-de-quartier"]
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": "gateway", "port": {"number": int(PORTS["gateway"])}}]
    gateway = container(of_kind(rendered("production"), "Deployment")["gateway"])
    assert "--proxy-headers" in gateway["command"]
