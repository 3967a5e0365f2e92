#!/usr/bin/env python3
"""Checks keyward's module rules (docs/architecture.md, "## Module rules").

Rules, all over src/:
  1. A file in src/<module>/ may include "<other>/..." only when the table lets <module>
     include <other>. A module may always include itself. A submodule listed in the table
     (store/sqlite) is a module of its own; an unlisted subdirectory counts as its parent.
  2. Boost.Asio and Boost.Beast may be included only by the modules whose table row says so,
     and only from .cc files (they must stay out of headers, which are widely included).
  3. No file under src/ is longer than MAX_LINES lines.
  4. No function under src/ is longer than MAX_FUNCTION_LINES lines (found by braces: a body
     opened after a parameter list, outside any other function body).
Every failure is printed as `file:line: message`; the exit status is 1 when there is any.
Today's exceptions are in KNOWN_VIOLATIONS below; they are reported as "known" and do not
fail the check. An entry that no longer occurs is reported so it can be deleted.

Usage: scripts/check_module_rules.py [--root DIR] [--self-test]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 800
MAX_FUNCTION_LINES = 80
SECTION = "## Module rules"
SOURCE_SUFFIXES = (".h", ".cc")
EVERYTHING = "(everything)"
NOTHING = "(nothing)"

# Known violations, to be removed. Each one names the issue whose work removes it. Matched by
# (kind, file, what) and not by line number, so edits elsewhere in the file do not break it.
#   ("include", file, the included path)   rule 1
#   ("asio", file, the included path)      rule 2
#   ("length", file, None)                 rule 3
# Delete an entry as soon as its violation is gone; do not add one without an issue.
KNOWN_VIOLATIONS: list[tuple[str, str, str | None, str]] = [
    # (kind "include" | "length" | "function", file, forbidden include or function name or None,
    # the issue that removes it, or why it stays).
    ("function", "src/store/sqlite/migrations.cc", "sqliteMigrations",
     "stays: the released migrations, one list of SQL texts that must never be edited"),
    ("function", "src/core/key_service.cc", "KeyService::update", "structure issue #14"),
    ("function", "src/core/key_service.cc", "KeyService::rotate", "structure issue #14"),
    ("function", "src/core/key_service.cc", "KeyService::prepareCreate", "structure issue #14"),
]

INCLUDE_QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
INCLUDE_ASIO = re.compile(r'^\s*#\s*include\s*[<"](boost/(?:asio|beast)(?:/[^">]*|\.hpp))[">]')


@dataclass
class Rule:
    module: str
    may_include: set[str]
    everything: bool
    asio: bool  # may include Boost.Asio/Beast (from .cc files)


@dataclass
class Finding:
    kind: str
    file: str  # relative to the root, with forward slashes
    line: int
    what: str | None
    message: str

    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.file, self.what)


class TableError(Exception):
    pass


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return [c.strip() for c in row.split("|")]


def _names(cell: str) -> list[str]:
    return [n.strip().strip("`").strip() for n in cell.split(",") if n.strip().strip("`").strip()]


def parse_rules(doc: Path) -> dict[str, Rule]:
    """Reads the table under SECTION: columns `module`, `may include` and `Boost.Asio/Beast`."""
    if not doc.is_file():
        raise TableError(f"{doc}: not found (the module rules table lives there)")
    lines = doc.read_text(encoding="utf-8").splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == SECTION)
    except StopIteration:
        raise TableError(f"{doc}: no '{SECTION}' section") from None
    body = []
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("## "):
            break
        if lines[i].lstrip().startswith("|"):
            body.append((i + 1, lines[i]))
    if len(body) < 3:
        raise TableError(f"{doc}:{start + 1}: '{SECTION}' has no table (module | may include | Boost.Asio/Beast)")
    header = [c.lower() for c in _cells(body[0][1])]
    try:
        col_module = header.index("module")
        col_inc = header.index("may include")
    except ValueError:
        raise TableError(f"{doc}:{body[0][0]}: the table needs the columns 'module' and 'may include'") from None
    col_asio = next((i for i, h in enumerate(header) if "asio" in h), None)
    rules: dict[str, Rule] = {}
    for lineno, row in body[2:]:  # skip the header and the |---| row
        cells = _cells(row)
        if len(cells) != len(header):
            raise TableError(f"{doc}:{lineno}: expected {len(header)} cells, found {len(cells)}")
        module = cells[col_module].strip("`").strip()
        inc = cells[col_inc].strip()
        everything = inc == EVERYTHING
        may = set() if inc in (NOTHING, EVERYTHING) else set(_names(inc))
        asio = False
        if col_asio is not None:
            a = cells[col_asio].replace("`", "").strip().lower()
            if a not in ("no", ".cc files"):
                raise TableError(f"{doc}:{lineno}: Boost.Asio/Beast must be 'no' or '`.cc` files', not '{a}'")
            asio = a == ".cc files"
        if module in rules:
            raise TableError(f"{doc}:{lineno}: module '{module}' is listed twice")
        rules[module] = Rule(module, may, everything, asio)
    for r in rules.values():
        for m in r.may_include:
            if m not in rules:
                raise TableError(f"{doc}: module '{r.module}' may include '{m}', which is not in the table")
    return rules


def module_of(path_in_src: str, rules: dict[str, Rule]) -> str:
    """The module of a path relative to src/ ("store/sqlite/x.h" -> "store/sqlite"), longest listed prefix first."""
    parts = path_in_src.split("/")[:-1] or [""]
    for n in range(len(parts), 0, -1):
        candidate = "/".join(parts[:n])
        if candidate in rules:
            return candidate
    return parts[0]


_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_CHAR = re.compile(r"'(?:\\.|[^'\\])*'")
_SCOPE_HEAD = re.compile(r"\b(namespace|class|struct|enum|union)\b[^;()]*\{\s*$")
_FUNCTION_HEAD = re.compile(r"\)\s*(const)?\s*(noexcept)?\s*(override)?\s*(->\s*[\w:<>, ]+\s*)?(:.*)?\{\s*$")
_NAME = re.compile(r"([A-Za-z_][\w:]*)\s*\(")


def long_functions(lines: list[str], limit: int) -> list[tuple[int, int, str]]:
    """(first line, length, name) of each function body longer than `limit` lines.

    A heuristic over braces, good enough for this code base's style: a '{' that ends a line
    after a closing parenthesis opens a function body unless one is open already (lambdas
    and blocks inside count towards their function); namespace, class, struct and enum
    bodies are scopes, not functions. Strings, characters and // comments are skipped."""
    out = []
    stack: list[tuple[str, int, str]] = []
    in_function = 0
    for i, raw in enumerate(lines):
        code = _CHAR.sub("''", _STRING.sub('""', raw)).split("//")[0]
        for pos, ch in enumerate(code):
            if ch == "{":
                head = code[: pos + 1].rstrip()
                if _SCOPE_HEAD.search(head) or re.match(r"^\s*(namespace|extern)\b", code):
                    kind = "scope"
                elif not in_function and (_FUNCTION_HEAD.search(head) or
                                          (head.strip() == "{" and i > 0 and lines[i - 1].rstrip().endswith(")"))):
                    kind = "function"
                else:
                    kind = "block"
                name = ""
                if kind == "function":
                    text = " ".join(l.strip() for l in lines[max(0, i - 3): i + 1])
                    names = [n for n in _NAME.findall(text) if n not in ("if", "for", "while", "switch", "return")]
                    name = names[0] if names else "?"
                    in_function += 1
                stack.append((kind, i, name))
            elif ch == "}" and stack:
                kind, start, name = stack.pop()
                if kind == "function":
                    in_function -= 1
                    if i - start + 1 > limit:
                        out.append((start + 1, i - start + 1, name))
    return out


def check(root: Path, known: list[tuple[str, str, str | None, str]]) -> tuple[list[Finding], list[Finding], list[str]]:
    """Returns (failures, known findings, notes)."""
    rules = parse_rules(root / "docs" / "architecture.md")
    src = root / "src"
    findings: list[Finding] = []
    notes: list[str] = []
    for path in sorted(src.rglob("*")):
        if not path.is_file() or path.suffix not in SOURCE_SUFFIXES:
            continue
        rel_src = path.relative_to(src).as_posix()
        rel = path.relative_to(root).as_posix()
        if "/" not in rel_src:
            findings.append(Finding("module", rel, 1, None, "a source file outside any module directory"))
            continue
        mod = module_of(rel_src, rules)
        rule = rules.get(mod)
        if rule is None:
            findings.append(Finding("module", rel, 1, None,
                                    f"module '{mod}' is not in the table of docs/architecture.md '{SECTION}'"))
            continue
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if len(text) > MAX_LINES:
            findings.append(Finding("length", rel, len(text), None,
                                    f"{len(text)} lines, more than the {MAX_LINES} a file under src/ may have"))
        for start, length, name in long_functions(text, MAX_FUNCTION_LINES):
            findings.append(Finding("function", rel, start, name,
                                    f"{name} is {length} lines long, more than the {MAX_FUNCTION_LINES} a function may be"))
        for lineno, line in enumerate(text, start=1):
            m = INCLUDE_ASIO.match(line)
            if m:
                inc = m.group(1)
                if not rule.asio:
                    findings.append(Finding("asio", rel, lineno, inc,
                                            f"{mod} may not include Boost.Asio/Beast (<{inc}>); "
                                            "only the .cc files of the modules the table allows may"))
                elif path.suffix != ".cc":
                    findings.append(Finding("asio", rel, lineno, inc,
                                            f"<{inc}> in a header: Boost.Asio/Beast stay in .cc files"))
                continue
            m = INCLUDE_QUOTED.match(line)
            if not m:
                continue
            inc = m.group(1)
            if "/" not in inc:
                if (path.parent / inc).is_file():
                    findings.append(Finding("include", rel, lineno, inc,
                                            f'relative include "{inc}": spell it from src/ '
                                            f'("{(path.parent / inc).relative_to(src).as_posix()}")'))
                continue
            if not (src / inc.split("/")[0]).is_dir() and inc.split("/")[0] not in rules:
                continue  # a quoted third-party header, not ours
            target = module_of(inc, rules)
            if target not in rules:
                findings.append(Finding("include", rel, lineno, inc,
                                        f'"{inc}": module \'{target}\' is not in the table of docs/architecture.md'))
                continue
            if target == mod or rule.everything or target in rule.may_include:
                continue
            allowed = ", ".join(sorted(rule.may_include)) or "nothing"
            findings.append(Finding("include", rel, lineno, inc,
                                    f'{mod} may not include "{inc}" (module {target}); {mod} may include: {allowed}'))
    known_keys = {(k, f, w): issue for k, f, w, issue in known}
    failures = [f for f in findings if f.key() not in known_keys]
    known_found = [f for f in findings if f.key() in known_keys]
    seen = {f.key() for f in known_found}
    for key, issue in known_keys.items():
        if key not in seen:
            notes.append(f"{key[1]}: known violation {key[0]} {key[2] or ''} ({issue}) no longer occurs: "
                         "delete it from KNOWN_VIOLATIONS in scripts/check_module_rules.py")
    for f in known_found:
        f.message += f" [known: {known_keys[f.key()]}]"
    return failures, known_found, notes


def run(root: Path, known, quiet: bool = False) -> int:
    try:
        failures, known_found, notes = check(root, known)
    except TableError as e:
        print(f"check_module_rules: {e}", file=sys.stderr)
        return 1
    if not quiet:
        for f in known_found:
            print(f"{f.file}:{f.line}: note: {f.message}")
        for n in notes:
            print(f"note: {n}")
    sys.stdout.flush()  # the notes before the errors, also when both go to one pipe
    for f in failures:
        print(f"{f.file}:{f.line}: error: {f.message}", file=sys.stderr)
    if failures:
        print(f"check_module_rules: {len(failures)} violation(s) of the module rules "
              f"(docs/architecture.md '{SECTION}')", file=sys.stderr)
        return 1
    if not quiet:
        print(f"check_module_rules: OK ({len(known_found)} known violation(s) left)")
    return 0


SELF_TEST_DOC = f"""# fake

{SECTION}

| module | may include | Boost.Asio/Beast |
|---|---|---|
| `common` | (nothing) | no |
| `crypto` | `common` | no |
| `store` | `common` | no |
| `store/sqlite` | `store`, `common` | no |
| `http` | `common`, `crypto` | `.cc` files |
| `app` | (everything) | no |

## Next section
"""


def self_test() -> int:
    """Builds a small tree with allowed and forbidden includes and checks what is reported."""
    import contextlib
    import io

    def write(root: Path, rel: str, text: str) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    problems = []
    with tempfile.TemporaryDirectory(prefix="keyward-module-rules-") as tmp:
        root = Path(tmp)
        write(root, "docs/architecture.md", SELF_TEST_DOC)
        write(root, "src/common/a.h", "#pragma once\n#include <string>\n")
        write(root, "src/crypto/b.h", '#pragma once\n#include "common/a.h"\n#include "crypto/c.h"\n')  # allowed
        write(root, "src/crypto/c.h", "#pragma once\n")
        write(root, "src/store/sqlite/s.cc", '#include "store/store.h"\n#include "common/a.h"\n')  # allowed
        write(root, "src/store/store.h", "#pragma once\n")
        write(root, "src/http/server.cc", "#include <boost/asio/io_context.hpp>\n")  # allowed
        write(root, "src/app/main.cc", '#include "store/sqlite/s.h"\n#include "http/x.h"\n')  # allowed
        # Clean so far: the check must pass.
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = run(root, [], quiet=True)
        if rc != 0:
            problems.append(f"a tree without violations failed:\n{out.getvalue()}")
        # The forbidden ones.
        write(root, "src/common/bad.h", '#pragma once\n#include <vector>\n#include "crypto/b.h"\n')
        write(root, "src/store/bad.cc", '#include "store/sqlite/s.h"\n')
        write(root, "src/http/server.h", "#pragma once\n#include <boost/beast/http.hpp>\n")
        write(root, "src/crypto/net.cc", '#include "boost/asio.hpp"\n')
        write(root, "src/crypto/long.cc", "// x\n" * (MAX_LINES + 1))
        body = "  x += 1;\n" * MAX_FUNCTION_LINES
        write(root, "src/crypto/fn.cc", "namespace k {\nint shortOne(int x) {\n  return x;\n}\n\n"
              "int tooLong(int x) {\n" + body + "  return x;\n}\n"
              "struct Big {\n" + "  int m;\n" * (MAX_FUNCTION_LINES + 5) + "};\n}  // namespace k\n")
        failures, _, _ = check(root, [])
        got = {(f.kind, f.file, f.line, f.what) for f in failures}
        want = {
            ("include", "src/common/bad.h", 3, "crypto/b.h"),
            ("include", "src/store/bad.cc", 1, "store/sqlite/s.h"),
            ("asio", "src/http/server.h", 2, "boost/beast/http.hpp"),
            ("asio", "src/crypto/net.cc", 1, "boost/asio.hpp"),
            ("length", "src/crypto/long.cc", MAX_LINES + 1, None),
            ("function", "src/crypto/fn.cc", 6, "tooLong"),
        }
        if got != want:
            problems.append(f"reported {sorted(got, key=str)}, expected {sorted(want, key=str)}")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = run(root, [])
        if rc != 1 or 'src/common/bad.h:3: error: common may not include "crypto/b.h"' not in out.getvalue():
            problems.append(f"exit status {rc} or message wrong:\n{out.getvalue()}")
        # A known violation is not a failure, and an entry that no longer occurs is noted.
        known = [(k, f, w, "test issue") for k, f, _, w in want] + [("length", "src/gone.cc", None, "test issue")]
        failures, known_found, notes = check(root, known)
        if failures or len(known_found) != len(want) or len(notes) != 1:
            problems.append(f"known violations: failures={failures} known={len(known_found)} notes={notes}")
        # A module missing from the table is reported.
        write(root, "src/console/ui.h", "#pragma once\n")
        failures, _, _ = check(root, known)
        if [(f.kind, f.file) for f in failures] != [("module", "src/console/ui.h")]:
            problems.append(f"unlisted module: {failures}")
    for p in problems:
        print(f"check_module_rules --self-test: FAIL: {p}", file=sys.stderr)
    if problems:
        return 1
    print("check_module_rules --self-test: OK")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="repository root (default: the one holding this script)")
    ap.add_argument("--self-test", action="store_true", help="check the checker on a generated tree, then exit")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    return run(args.root, KNOWN_VIOLATIONS)


if __name__ == "__main__":
    sys.exit(main())
