"""The bundled CRD catalogue is read only when a custom resource needs it (issue 19: start-up budget).

Each run is a child process with an audit hook installed before podlint is imported
(`benchmarks/catalogue_reads.py`): it sees every file opened under `crds/` and the import of `lzma`.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.catalogue_reads import catalogue_reads
from tests.conftest import ROOT
from tests.manifests import crd

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""
# A custom resource whose CRD is in the run: the CRD answers, the catalogue is not asked.
CRD_AND_RESOURCE = crd("Backup", "{target: {type: string}}") + """---
apiVersion: example.com/v1
kind: Backup
metadata: {name: nightly}
spec: {target: db}
"""
SERVICE_MONITOR = """apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http}]
"""


def test_a_run_without_custom_resources_reads_nothing_of_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / "backup.yaml").write_text(CRD_AND_RESOURCE)
    reads = catalogue_reads([tmp_path / "deployment.yaml", tmp_path / "backup.yaml", ROOT / "examples"])
    assert reads.exit_code == 0
    assert reads.files == () and not reads.lzma


def test_a_custom_resource_without_its_crd_reads_the_index_and_one_pack(tmp_path: Path) -> None:
    # The control: the hook does see the catalogue being read, so the test above can fail.
    (tmp_path / "monitor.yaml").write_text(SERVICE_MONITOR)
    reads = catalogue_reads([tmp_path / "monitor.yaml"])
    assert reads.exit_code == 0
    assert [Path(name).name for name in reads.files] == ["index.json", "schemas.pack"]
    assert reads.lzma
