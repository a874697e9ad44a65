"""Small manifests shared by the tests (and benchmarks/hostile.py): a Pod with one finding (an untagged image),
its clean twin, and a one-version CustomResourceDefinition."""

BAD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
      resources:
        limits: {cpu: 100m, memory: 64Mi}
"""
GOOD = BAD.replace("image: nginx", "image: nginx:1.27.3")


def crd(kind: str, spec_properties: str) -> str:
    """A CustomResourceDefinition of `kind` in example.com, v1, whose spec has `spec_properties` (flow YAML)."""
    plural = kind.lower() + "s"
    return f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.example.com}}
spec:
  group: example.com
  scope: Namespaced
  names: {{kind: {kind}, plural: {plural}}}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties: {spec_properties}
"""
