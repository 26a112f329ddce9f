"""Run a GitHub Actions workflow's job on this machine as the runner would, for the student kit's
tests: every `run` step with `bash -e -o pipefail` in the repository, with the workflow's `env`; after
a failing step only the `if: always()` steps. The three `uses` steps stand in as the runner would
leave things: checkout is the repository directory, setup-python puts the given Python's bin first on
PATH, upload-artifact succeeds when its `path` exists."""

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml


def load(path):
    """The workflow as data. PyYAML reads the bare key `on` as True (YAML 1.1): it is renamed back."""
    workflow = yaml.safe_load(Path(path).read_text())
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


@dataclass
class JobRun:
    statuses: dict = field(default_factory=dict)  # step name -> exit status, or "skipped"
    output: dict = field(default_factory=dict)  # step name -> stdout + stderr

    @property
    def failed(self):
        return any(status not in (0, "skipped") for status in self.statuses.values())


def run_job(workflow, repository, python_bin, job_summary, env=None, timeout=900):
    """Run the workflow's single job in repository; returns a JobRun."""
    (job,) = workflow["jobs"].values()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    environment.update({key: str(value) for key, value in workflow.get("env", {}).items()})
    environment.update(env or {})
    environment.update(
        GITHUB_STEP_SUMMARY=str(job_summary), CI="true", PATH=f"{python_bin}{os.pathsep}{environment['PATH']}"
    )
    result, failed = JobRun(), False
    for step in job["steps"]:
        name = step["name"]
        if failed and "always()" not in str(step.get("if", "")):
            result.statuses[name] = "skipped"
            continue
        if "run" in step:
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
                cwd=repository,
                env=environment,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            status, result.output[name] = done.returncode, done.stdout + done.stderr
        elif step["uses"].startswith("actions/upload-artifact@"):
            status = 0 if (Path(repository) / step["with"]["path"]).exists() else 1
        else:
            status = 0
        result.statuses[name] = status
        failed = failed or status != 0
    return result
