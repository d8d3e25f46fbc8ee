"""Hostile program: tries to write where it must not, and reports what happened as JSON.

argv: PROJECT_FILE (an existing file of the read-only project) ESCAPE_PATH (outside every writable dir)
"""

import json
import os
import sys

project_file, escape = sys.argv[1], sys.argv[2]
result = {}


def attempt(name, action):
    try:
        action()
        result[name] = "ok"
    except OSError as exc:
        result[name] = type(exc).__name__


def overwrite():
    with open(project_file, "w") as handle:
        handle.write("default: disabled\n")


def create_beside():
    with open(os.path.join(os.path.dirname(project_file), "planted.py"), "w") as handle:
        handle.write("print('planted')\n")


def escape_write():
    with open(escape, "w") as handle:
        handle.write("escaped\n")


def home_write():
    with open(os.path.join(os.environ.get("HOME", "/nonexistent"), "home-ok"), "w") as handle:
        handle.write("ok\n")


attempt("overwrite_project_file", overwrite)
attempt("create_in_project", create_beside)
attempt("escape", escape_write)
attempt("home", home_write)


def read_git_config():
    with open(os.path.join(os.path.dirname(project_file), ".git", "config")) as handle:
        handle.read()


attempt("git_config", read_git_config)
print(json.dumps(result))
