#!/usr/bin/env bash
# The user guide (docs/book, #28): builds it with mdBook and runs its runnable examples
# against an annex binary, so every example the guide marks as runnable works as written.
#
#   bash scripts/book-check.sh [ANNEX_BINARY]      # default: target/debug/annex
#
# 1. mdBook (pinned) is installed into target/tools if missing (a fresh clone builds it once).
# 2. `mdbook build docs/book`: the HTML goes to target/book (book.toml's build-dir).
# 3. Every fenced block whose info string is `sh,runnable` (or `sh,runnable,exit=N`) is run
#    with bash -e -o pipefail. The blocks of one page run in order, in one temporary folder
#    of their own that holds copies of the repository's data/, schemas/, templates/ and
#    tests/fixtures/ (so examples use the paths of a clone), with `annex` on PATH pointing
#    at ANNEX_BINARY. A block must exit 0 (or N); otherwise the check fails naming the
#    block's file and line, and prints its output.
# 4. Relative links between the guide's pages point at files that exist.
# 5. Every command of `annex --help` has a reference page holding its `Usage:` line (the
#    pages are written by scripts/book-commands.py from the binary's --help).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

MDBOOK_VERSION=0.5.4
binary=${1:-target/debug/annex}
[ -x "$binary" ] || { echo "book-check: no annex binary at $binary (cargo test --no-run builds it)" >&2; exit 2; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

tools=$repo/target/tools
mdbook=$tools/bin/mdbook
if [ ! -x "$mdbook" ] || ! "$mdbook" --version | grep -qx "mdbook v$MDBOOK_VERSION"; then
  # search only: no `serve`/`watch` (no tokio, axum or notify to build).
  cargo install mdbook --locked --version "$MDBOOK_VERSION" --root "$tools" \
    --no-default-features --features search
fi

"$mdbook" build docs/book

# A folder with `annex` in it, for PATH.
bin=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$bin" "$work"' EXIT
ln -s "$binary" "$bin/annex"

python3 - "$repo" "$bin" "$work" <<'PY'
import os, re, shutil, subprocess, sys

repo, bindir, work = sys.argv[1:4]
src = os.path.join(repo, "docs/book/src")
env = dict(os.environ)
env["PATH"] = bindir + os.pathsep + env["PATH"]
env.pop("SOURCE_DATE_EPOCH", None)
env["ANNEX_REPO"] = repo

fence = re.compile(r"^(\s*)(```+|~~~+)\s*([^\s`]*)\s*$")
failures, ran, pages = [], 0, 0
for root, _, files in sorted(os.walk(src)):
    for name in sorted(files):
        if not name.endswith(".md"):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, repo)
        blocks, cur = [], None
        for number, line in enumerate(open(path, encoding="utf-8"), 1):
            m = fence.match(line.rstrip("\n"))
            if cur is None:
                if m and m.group(3):
                    info = m.group(3).split(",")
                    cur = {"marker": m.group(2), "info": info, "line": number, "body": []}
            elif m and m.group(2).startswith(cur["marker"]) and not m.group(3):
                if cur["info"][0] in ("sh", "bash") and "runnable" in cur["info"]:
                    blocks.append(cur)
                cur = None
            else:
                cur["body"].append(line)
        if cur is not None:
            failures.append(f"{rel}:{cur['line']}: code block never closed")
        if not blocks:
            continue
        pages += 1
        folder = os.path.join(work, rel.replace("/", "_"))
        os.makedirs(os.path.join(folder, "tests"))
        for d in ("data", "schemas", "templates"):
            shutil.copytree(os.path.join(repo, d), os.path.join(folder, d))
        shutil.copytree(os.path.join(repo, "tests/fixtures"), os.path.join(folder, "tests/fixtures"))
        for b in blocks:
            want = 0
            for opt in b["info"][1:]:
                if opt.startswith("exit="):
                    want = int(opt[5:])
            script = "".join(b["body"])
            ran += 1
            p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder,
                               env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=600)
            if p.returncode != want:
                failures.append(f"{rel}:{b['line']}: the block exited {p.returncode}, expected {want}\n"
                                f"--- script\n{script}--- stdout\n{p.stdout[-4000:]}--- stderr\n{p.stderr[-4000:]}")
                break  # later blocks of the page build on this one
            else:
                print(f"ok      {rel}:{b['line']}")
# Relative links between pages (and to images) point at files that exist.
for root, _, files in os.walk(src):
    for name in files:
        if name.endswith(".md"):
            path = os.path.join(root, name)
            text = re.sub(r"```.*?```", "", open(path, encoding="utf-8").read(), flags=re.S)
            for m in re.finditer(r"\]\(([^)\s]+)\)", text):
                target = m.group(1).split("#")[0]
                if target and not re.match(r"[a-z]+:", target) and \
                        not os.path.exists(os.path.normpath(os.path.join(root, target))):
                    failures.append(f"{os.path.relpath(path, repo)}: link to {m.group(1)}, no such file")
for f in failures:
    print(f"FAILED  {f}", file=sys.stderr)
print(f"book-check: {ran} runnable block(s) of {pages} page(s) run, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY

# The command reference follows the binary: each page shows its command's usage line.
status=0
for page in docs/book/src/reference/commands/*.md; do
  cmd=$(basename "$page" .md)
  usage=$(COLUMNS=1000 "$binary" "$cmd" --help | grep -m1 '^Usage:')
  if ! grep -qxF "$usage" "$page"; then
    echo "FAILED  $page: lacks \`$usage\` (from annex $cmd --help); run python3 scripts/book-commands.py $binary" >&2
    status=1
  fi
done
for cmd in $(COLUMNS=1000 "$binary" --help | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]+ ' | awk '{print $1}'); do
  [ "$cmd" = help ] && continue
  [ -f "docs/book/src/reference/commands/$cmd.md" ] || { echo "FAILED  no reference page for annex $cmd (docs/book/src/reference/commands/$cmd.md): add it to scripts/book-commands.py and to SUMMARY.md" >&2; status=1; }
done
exit $status
