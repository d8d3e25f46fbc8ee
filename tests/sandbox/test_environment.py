"""The environment a confined program gets, and the bubblewrap command line (pure functions)."""

from __future__ import annotations

from compliance.sandbox import allowed_environment, bubblewrap_argv

HOST = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "xterm",
    "AWS_ACCESS_KEY_ID": "AKIASENTINEL",
    "AWS_SECRET_ACCESS_KEY": "sentinel",
    "AWS_REGION": "eu-west-1",
    "PULUMI_ACCESS_TOKEN": "pul-sentinel",
    "PULUMI_CONFIG_PASSPHRASE": "sentinel",
    "PULUMI_CONFIG_PASSPHRASE_FILE": "/run/secrets/pass",
    "GITHUB_TOKEN": "ghs_sentinel",
    "GH_TOKEN": "gho_sentinel",
    "ACTIONS_RUNTIME_TOKEN": "sentinel",
    "ACTIONS_CACHE_URL": "https://cache.example",
    "LOCALSTACK_AUTH_TOKEN": "ls-sentinel",
    "SSH_AUTH_SOCK": "/tmp/ssh-agent.sock",
    "HOME": "/root",
    "PYTHONPATH": "/somewhere",
    "LD_PRELOAD": "/evil.so",
    "UNRELATED": "x",
}


def test_only_allow_listed_names_are_inherited(tmp_path):
    env = allowed_environment(HOST, home=tmp_path)
    assert env == {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "TERM": "xterm",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
    }


def test_extra_values_pass_but_never_credentials(tmp_path):
    extra = {
        "PULUMI_CONFIG": '{"app:size": "1"}',
        "PULUMI_CONFIG_SECRET_KEYS": '["app:password"]',
        "PYTHONHASHSEED": "0",
        "AWS_SECRET_ACCESS_KEY": "passed by mistake",
        "HOME": "/root",
    }
    env = allowed_environment(
        {**HOST, **dict.fromkeys(("AWS_SECRET_ACCESS_KEY",), "x")}, extra, home=tmp_path
    )
    assert env["PULUMI_CONFIG"] == '{"app:size": "1"}'
    assert env["PULUMI_CONFIG_SECRET_KEYS"] == '["app:password"]'
    assert env["PYTHONHASHSEED"] == "0"
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["HOME"] == str(tmp_path)


def test_an_explicit_allow_list_admits_a_named_variable(tmp_path):
    env = allowed_environment(HOST, home=tmp_path, allow=["AWS_REGION"])
    assert env["AWS_REGION"] == "eu-west-1"
    assert "AWS_ACCESS_KEY_ID" not in env


def test_bubblewrap_argv_mounts(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "stacks" / "app").mkdir(parents=True)
    work = repo / "stacks" / "app" / "scratch"  # writable inside a read-only tree
    work.mkdir()
    argv = bubblewrap_argv(
        "/usr/bin/bwrap",
        ["/usr/bin/python3", "-c", "pass"],
        read_only=[repo, repo / "stacks" / "app"],
        writable=[work],
        cwd=repo / "stacks" / "app",
    )
    assert argv[0] == "/usr/bin/bwrap"
    assert argv[-3:] == ["/usr/bin/python3", "-c", "pass"]
    for flag in ("--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"):
        assert flag in argv
    text = " ".join(argv)
    assert f"--ro-bind-try {repo} {repo}" in text
    assert f"--ro-bind-try {repo / 'stacks' / 'app'} " not in text  # visible through the repository
    assert f"--tmpfs {repo / '.git'} --remount-ro {repo / '.git'}" in text
    assert text.index(f"--ro-bind-try {repo} ") < text.index(f"--bind {work} {work}")
    assert f"--chdir {repo / 'stacks' / 'app'}" in text
    assert "--share-net" not in argv


def test_bubblewrap_argv_binds_symlink_targets_too(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    argv = bubblewrap_argv("/usr/bin/bwrap", ["true"], read_only=[link], writable=[])
    text = " ".join(argv)
    assert f"--ro-bind-try {link} {link}" in text
    assert f"--ro-bind-try {real} {real}" in text
