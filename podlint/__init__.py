"""podlint: a Kubernetes manifest linter and static analyzer."""

__version__ = "0.1.0"
