#!/usr/bin/env python3
"""Checks docker-compose.yml, docker/nginx.conf and deploy/k8s/ against each other and the service.

No Kubernetes cluster or schema validator is needed: every file must parse as YAML, and the facts
that tie them together must hold (selectors match labels, probes ask /health/live and /health/ready
on 8080, the body limit is the same everywhere, the autoscaler targets the Deployment, every file
kustomization.yaml lists exists). Exits 1 with one line per broken fact.

    python3 scripts/check-deploy.py
"""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
MAX_BODY_BYTES = 4 * 1024 * 1024          # ServiceLimits.MaxBodyBytes' default
problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def load_all(path):
    try:
        return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as error:
        problems.append(f"{path.relative_to(ROOT)}: not valid YAML: {error}")
        return []


# ---- Kubernetes ----
documents = {}
for path in sorted(K8S.glob("*.yaml")):
    for doc in load_all(path):
        where = f"{path.name}"
        for field in ("apiVersion", "kind"):
            expect(field in doc, f"{where}: no {field}")
        if doc.get("kind") != "Kustomization":
            expect(doc.get("metadata", {}).get("name"), f"{where}: no metadata.name")
        documents[doc.get("kind")] = (where, doc)

kustomization = documents.get("Kustomization", (None, {}))[1]
for resource in kustomization.get("resources", []):
    expect((K8S / resource).is_file(), f"kustomization.yaml: {resource} does not exist")
expect(len(kustomization.get("resources", [])) == len(list(K8S.glob("*.yaml"))) - 1,
       "kustomization.yaml does not list every manifest")

for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap"):
    expect(kind in documents, f"deploy/k8s has no {kind}")

if "Deployment" in documents:
    _, deployment = documents["Deployment"]
    spec = deployment["spec"]
    labels = spec["template"]["metadata"]["labels"]
    selector = spec["selector"]["matchLabels"]
    expect(selector.items() <= labels.items(), "Deployment: selector does not match the pod labels")
    pod = spec["template"]["spec"]
    expect(pod.get("securityContext", {}).get("runAsNonRoot") is True, "Deployment: runAsNonRoot is not true")
    container = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    expect(ports.get("http") == 8080, "Deployment: no container port 'http' = 8080")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    expect(env.get("ASPNETCORE_HTTP_PORTS") == "8080", "Deployment: ASPNETCORE_HTTP_PORTS is not 8080")
    for probe, path in (("startupProbe", "/health/live"), ("livenessProbe", "/health/live"),
                        ("readinessProbe", "/health/ready")):
        get = container.get(probe, {}).get("httpGet", {})
        expect(get.get("path") == path and get.get("port") in ("http", 8080),
               f"Deployment: {probe} does not ask GET {path} on 8080")
    resources = container.get("resources", {})
    for bound in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            expect(resource in resources.get(bound, {}), f"Deployment: no {bound}.{resource}")
    security = container.get("securityContext", {})
    expect(security.get("allowPrivilegeEscalation") is False, "Deployment: privilege escalation allowed")
    if security.get("readOnlyRootFilesystem"):
        mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
        expect("/tmp" in mounts, "Deployment: a read-only root needs a writable /tmp")
    config_refs = [e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e]
    if "ConfigMap" in documents:
        expect(documents["ConfigMap"][1]["metadata"]["name"] in config_refs,
               "Deployment: envFrom does not name the ConfigMap")

    for kind in ("Service", "PodDisruptionBudget"):
        if kind in documents:
            doc = documents[kind][1]["spec"]
            chosen = doc["selector"] if kind == "Service" else doc["selector"]["matchLabels"]
            expect(chosen.items() <= labels.items(), f"{kind}: selector does not match the pod labels")
    if "Service" in documents:
        target = documents["Service"][1]["spec"]["ports"][0]["targetPort"]
        expect(target in ("http", 8080), "Service: targetPort is not the container's http port")
    if "HorizontalPodAutoscaler" in documents:
        hpa = documents["HorizontalPodAutoscaler"][1]["spec"]
        expect(hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                         "name": deployment["metadata"]["name"]},
               "HorizontalPodAutoscaler: does not target the Deployment")
        expect(any(m.get("resource", {}).get("name") == "cpu" for m in hpa.get("metrics", [])),
               "HorizontalPodAutoscaler: no cpu metric")
        expect(hpa["minReplicas"] <= spec["replicas"] <= hpa["maxReplicas"],
               "Deployment: replicas outside the autoscaler's range")

if "ConfigMap" in documents:
    data = documents["ConfigMap"][1].get("data", {})
    expect(all(isinstance(v, str) for v in data.values()), "ConfigMap: every value must be a string")
    expect(data.get("Limits__MaxBodyBytes") == str(MAX_BODY_BYTES),
           f"ConfigMap: Limits__MaxBodyBytes is not {MAX_BODY_BYTES}")

# ---- docker-compose.yml ----
compose = (load_all(ROOT / "docker-compose.yml") or [{}])[0]
services = compose.get("services", {})
service = services.get("gradapi", {})
expect("ports" not in service, "compose: gradapi publishes a port (only nginx may; replicas would collide)")
expect("container_name" not in service, "compose: gradapi has a container_name (replicas need none)")
replicas = str(service.get("deploy", {}).get("replicas", ""))
expect(re.fullmatch(r"\d+|\$\{GRADAPI_REPLICAS:-\d+\}", replicas), "compose: deploy.replicas is not N or ${GRADAPI_REPLICAS:-N}")
for name in ("gradapi", "nginx"):
    limits = services.get(name, {}).get("deploy", {}).get("resources", {}).get("limits", {})
    expect("cpus" in limits and "memory" in limits, f"compose: {name} has no cpus and memory limits")
    expect("healthcheck" in services.get(name, {}), f"compose: {name} has no health check")
expect("/health/ready" in " ".join(service.get("healthcheck", {}).get("test", [])),
       "compose: gradapi's health check does not ask /health/ready")
expect(services.get("nginx", {}).get("depends_on", {}).get("gradapi", {}).get("condition") == "service_healthy",
       "compose: nginx does not wait for healthy replicas")
expect("./docker/nginx.conf:/etc/nginx/nginx.conf:ro" in services.get("nginx", {}).get("volumes", []),
       "compose: nginx does not run docker/nginx.conf")

# ---- docker/nginx.conf and docker/Dockerfile ----
nginx = (ROOT / "docker" / "nginx.conf").read_text()
body = re.search(r"client_max_body_size (\d+)([km]?);", nginx)
factor = {"": 1, "k": 1024, "m": 1024 * 1024}
expect(body and int(body.group(1)) * factor[body.group(2)] == MAX_BODY_BYTES,
       f"nginx.conf: client_max_body_size is not {MAX_BODY_BYTES} bytes")
expect(f"maxBodyBytes is {MAX_BODY_BYTES} bytes" in nginx, "nginx.conf: the 413 page does not state maxBodyBytes")
expect(re.search(r"server gradapi:8080 resolve", nginx), "nginx.conf: the upstream does not resolve gradapi:8080")
expect(re.search(r"proxy_next_upstream [^;]*non_idempotent;", nginx), "nginx.conf: POSTs are not retried")
dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
expect("EXPOSE 8080" in dockerfile and "ASPNETCORE_HTTP_PORTS=8080" in dockerfile, "Dockerfile: not on port 8080")
expect("GET /health/live " in dockerfile, "Dockerfile: HEALTHCHECK does not ask /health/live")

for problem in problems:
    print(f"check-deploy: {problem}")
print(f"check-deploy: {len(documents)} Kubernetes documents, compose, nginx.conf, Dockerfile: "
      + ("ok" if not problems else f"{len(problems)} problem(s)"))
sys.exit(1 if problems else 0)
