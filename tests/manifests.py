"""Small manifests shared by the tests: a Pod with one finding (an untagged image) and its clean twin."""

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
