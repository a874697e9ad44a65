"""Jobs and CronJobs: counts, indexed completion, failure policies, selectors and schedules."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, object_check
from podlint.checks.fields import as_int
from podlint.findings import FieldPath, format_path
from podlint.model.objects import K8sObject
from podlint.model.podspec import is_placeholder
from podlint.model.validation import go_value

JOB_COUNTS = ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished",
              "backoffLimitPerIndex", "maxFailedIndexes")
CRONJOB_COUNTS = ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")
INDEXED_PARALLELISM_MAX = 100_000
JOB_KINDS = frozenset({"Job", "CronJob"})  # the kinds with a Job spec


def job_specs(obj: K8sObject) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """The Job spec of a Job or of a CronJob's job template."""
    path: FieldPath | None = {"Job": ("spec",), "CronJob": ("spec", "jobTemplate", "spec")}.get(obj.kind)
    if path is not None and obj.group == "batch":
        spec = obj.get(path)
        if isinstance(spec, dict):
            yield path, spec


@object_check("invalid-job-count", kinds=JOB_KINDS)
def invalid_job_count(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    checked: list[tuple[FieldPath, dict[str, Any], tuple[str, ...]]] = [
        (path, spec, JOB_COUNTS) for path, spec in job_specs(obj)]
    cronjob_spec = obj.get(("spec",))
    if obj.kind == "CronJob" and isinstance(cronjob_spec, dict):
        checked.append((("spec",), cronjob_spec, CRONJOB_COUNTS))
    for path, spec, fields in checked:
        for field in fields:
            value = as_int(spec.get(field))
            if value is not None and value < 0:
                yield Problem((*path, field), f"{format_path((*path, field))}: Invalid value: {value}: must be "
                              "greater than or equal to 0", anchor="value")


@object_check("indexed-job", kinds=JOB_KINDS)
def indexed_job(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for path, spec in job_specs(obj):
        where = format_path(path)
        if spec.get("completionMode") == "Indexed":
            if spec.get("completions") is None:
                yield Problem((*path, "completionMode"),
                              f"{where}.completions: Required value: when completion mode is Indexed")
            parallelism = as_int(spec.get("parallelism"))
            if parallelism is not None and parallelism > INDEXED_PARALLELISM_MAX:
                yield Problem((*path, "parallelism"), f"{where}.parallelism: Invalid value: {parallelism}: must "
                              f"be less than or equal to {INDEXED_PARALLELISM_MAX} when completion mode is Indexed",
                              anchor="value")
            if spec.get("maxFailedIndexes") is not None and spec.get("backoffLimitPerIndex") is None:
                yield Problem((*path, "maxFailedIndexes"), f"{where}.backoffLimitPerIndex: Required value: when "
                              "maxFailedIndexes is specified")
            continue
        for field in ("backoffLimitPerIndex", "maxFailedIndexes", "successPolicy"):
            if spec.get(field) is not None:
                yield Problem((*path, field), f"{where}.{field}: Invalid value: {go_value(spec[field])}: requires "
                              "indexed completion mode")


@object_check("pod-failure-policy-restart", kinds=JOB_KINDS)
def pod_failure_policy_restart(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for path, spec in job_specs(obj):
        if spec.get("podFailurePolicy") is None:
            continue
        template_spec = (*path, "template", "spec")
        policy = obj.get((*template_spec, "restartPolicy"))
        if policy in (None, "Never", "Always", ""):
            continue  # unset or Always is invalid-restart-policy's finding
        yield Problem((*template_spec, "restartPolicy"),
                      f"{format_path((*template_spec, 'restartPolicy'))}: Invalid value: {go_value(policy)}: "
                      'only "Never" is supported when podFailurePolicy is specified', anchor="value")


@object_check("job-selector-not-generated", kinds=JOB_KINDS)
def job_selector_not_generated(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    for path, spec in job_specs(obj):
        selector = spec.get("selector")
        manual = spec.get("manualSelector")
        if obj.kind == "CronJob":
            if selector is not None:
                yield Problem((*path, "selector"), f"{format_path((*path, 'selector'))}: Invalid value: "
                              f"{go_value(selector)}: `selector` will be auto-generated")
            if manual is True:
                yield Problem((*path, "manualSelector"), f"{format_path((*path, 'manualSelector'))}: Unsupported "
                              'value: true: supported values: "nil", "false"', anchor="value")
        elif selector is not None and manual is not True:
            yield Problem((*path, "selector"), f"{format_path((*path, 'selector'))}: Invalid value: "
                          f"{go_value(selector)}: `selector` not auto-generated (set manualSelector: true to "
                          "choose the selector yourself, or remove it)")


@object_check("invalid-cron-schedule", kinds={"CronJob"})
def invalid_cron_schedule(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind != "CronJob" or obj.group != "batch":
        return
    schedule = obj.get(("spec", "schedule"))
    if not isinstance(schedule, str) or is_placeholder(schedule):
        return
    from podlint.model.cron import ScheduleError, check_schedule  # (for CronJobs only)

    try:
        check_schedule(schedule)
    except ScheduleError as error:
        yield Problem(("spec", "schedule"), f"spec.schedule: Invalid value: {go_value(schedule)}: {error}",
                      anchor="value")
    if "TZ" in schedule:
        yield Problem(("spec", "schedule"), f"spec.schedule: Invalid value: {go_value(schedule)}: cannot use TZ "
                      "or CRON_TZ in schedule, use timeZone field instead", anchor="value")


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA names of the time zone database (empty where none is installed: then nothing is judged)."""
    import zoneinfo  # only for a CronJob with a timeZone

    return frozenset(zoneinfo.available_timezones())


@object_check("invalid-time-zone", kinds={"CronJob"})
def invalid_time_zone(obj: K8sObject, ctx: Context) -> Iterator[Problem]:
    if obj.kind != "CronJob" or obj.group != "batch":
        return
    zone = obj.get(("spec", "timeZone"))
    if not isinstance(zone, str) or is_placeholder(zone):
        return
    where = ("spec", "timeZone")
    if not zone:
        detail = "timeZone must be nil or non-empty string"
    elif zone.lower() == "local":
        detail = "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
    elif known_time_zones() and zone not in known_time_zones() and zone != "UTC":
        detail = f"unknown time zone {zone}"
    else:
        return
    yield Problem(where, f"spec.timeZone: Invalid value: {go_value(zone)}: {detail}", anchor="value")
