#!/usr/bin/env python3
"""Runs the bad-input table (cases.json): each case is xship's argv, its exit code and a
pattern its one-line error must hold, as trurl's tests.json is for trurl.

Every case must also: print nothing on stdout, write exactly one stderr line starting
"xship: error: ", and leave the fixture directory exactly as it was. Cases marked "s3" run
against the rig (XSHIP_TEST_* from its env file); afterwards the AWS CLI, an independent
client, must find nothing under the run's prefix.

Placeholders in args and env values: {in} the fixture directory, {tmp} the scratch
directory, {endpoint} {bucket} {prefix} the rig's, {long} a 1030-character key.

usage: run_cases.py XSHIP_BIN CASES_JSON TMP_DIR
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys


def build_fixture(tmp):
    d = os.path.join(tmp, "in")
    os.makedirs(os.path.join(d, "adir"))
    os.makedirs(os.path.join(d, "empty-dir"))
    with open(os.path.join(d, "f"), "wb") as f:
        f.write(os.urandom(100000))
    for name, text in {"f.txt": "data", "g": "new", "g.gz": "old", "done.gz": "z", "rel.zip": "r",
                       "hello.c": "int main(void) { return 0; }\n",
                       "CMakeLists.txt": "cmake_minimum_required(VERSION 3.25)\nproject(h C)\n"
                                         "add_executable(hello hello.c)\n"}.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    # Libraries xship opens on first use, replaced by a library that is not the one it
    # needs, or by something that is not a library at all: an error line, not a crash.
    for lib, symbol in (("libcurl.so.4", "not_curl"), ("libarchive.so.13", "not_archive")):
        os.makedirs(os.path.join(tmp, "lib-wrong"), exist_ok=True)
        subprocess.run(["gcc", "-shared", "-x", "c", "-", "-o", os.path.join(tmp, "lib-wrong", lib)],
                       input=f"int {symbol};\n", text=True, check=True)
    os.makedirs(os.path.join(tmp, "lib-broken"))
    with open(os.path.join(tmp, "lib-broken", "libarchive.so.13"), "w") as f:
        f.write("not an ELF file\n")
    os.makedirs(os.path.join(tmp, "cwd"))
    return d


def snapshot(d):
    out = []
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            st = os.lstat(p)
            digest = ""
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            out.append((os.path.relpath(p, d), st.st_size, st.st_mtime_ns, digest))
    return out


def expand(text, values):
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def case_env(case, values, tmp):
    env = dict(os.environ)
    # Outside any git checkout (the ceiling stops git's search above tmp), so an archive
    # has no commit time to take unless a case gives SOURCE_DATE_EPOCH.
    env["GIT_CEILING_DIRECTORIES"] = tmp
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # no credential chain may reach 169.254.169.254
    for k in ("SOURCE_DATE_EPOCH", "XSHIP_TARGETS", "ARTIFACTS_BUCKET", "ARTIFACTS_S3_BUCKET"):
        env.pop(k, None)
    for k in case.get("unset", []):
        env.pop(k, None)
    for k, v in case.get("env", {}).items():
        env[k] = expand(v, values)
    return env


def check(case, proc, values):
    """The problems with one case's run, as strings (none when it passed)."""
    problems = []
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != case["exit"]:
        problems.append(f"exit {proc.returncode}, want {case['exit']}")
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("xship: error: "):
        problems.append("stderr is not one 'xship: error: ' line")
    if "stderr" in case and expand(case["stderr"], values) not in err:
        problems.append(f"stderr lacks '{expand(case['stderr'], values)}'")
    if "stderr_re" in case and not re.search(expand(case["stderr_re"], values), err):
        problems.append(f"stderr lacks /{case['stderr_re']}/")
    for secret in case.get("stderr_lacks", []):
        if expand(secret, values) in err:
            problems.append(f"stderr shows '{secret}'")
    if proc.stdout:
        problems.append(f"printed to stdout: {proc.stdout[:200]!r}")
    return problems, err.strip()


def nothing_uploaded(values):
    proc = subprocess.run(["aws", "--endpoint-url", values["endpoint"], "s3api", "list-objects-v2",
                           "--bucket", values["bucket"], "--prefix", values["prefix"],
                           "--query", "length(Contents || `[]`)", "--output", "text"],
                          capture_output=True, text=True)
    return proc.returncode == 0 and proc.stdout.strip() == "0", proc.stdout.strip() + proc.stderr.strip()


def main():
    xship, cases_path, tmp = sys.argv[1:4]
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(cases_path) as f:
        cases = json.load(f)
    fixture = build_fixture(tmp)
    values = {"in": fixture, "tmp": tmp, "long": "k" * 1030,
              "endpoint": os.environ.get("XSHIP_TEST_ENDPOINT", ""), "bucket": os.environ.get("XSHIP_TEST_BUCKET", ""),
              "prefix": f"it/cli-cases-{os.getpid()}"}
    with_s3 = bool(values["endpoint"])
    before = snapshot(fixture)
    names, failures, ran_s3 = set(), 0, False
    for case in cases:
        name = case["name"]
        assert name not in names, f"case {name} is in the table twice"
        names.add(name)
        if case.get("s3") and not with_s3:
            print(f"FAIL: {name}: needs the S3 rig (XSHIP_TEST_ENDPOINT unset)")
            failures += 1
            continue
        ran_s3 |= bool(case.get("s3"))
        argv = [xship] + [expand(a, values) for a in case["args"]]
        cwd = expand(case.get("cwd", "{tmp}/cwd"), values)
        proc = subprocess.run(argv, cwd=cwd, env=case_env(case, values, tmp), capture_output=True, timeout=120)
        problems, err = check(case, proc, values)
        if snapshot(fixture) != before:
            problems.append("the fixture directory changed")
        if problems:
            failures += 1
            print(f"FAIL: {name}: {'; '.join(problems)}; stderr: {err}")
        else:
            print(f"ok: {name}: exit {proc.returncode}, '{err}'")
    if ran_s3:
        clean, out = nothing_uploaded(values)
        if not clean:
            failures += 1
            print(f"FAIL: the failing runs left objects under {values['prefix']}: {out}")
        else:
            print("ok: nothing uploaded by the failing runs (checked with the AWS CLI)")
    print(f"{len(cases) - failures if failures <= len(cases) else 0} of {len(cases)} cases passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
