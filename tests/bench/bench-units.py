#!/usr/bin/python3
"""Variants of an installed archive@.service, for the production benchmarks
(tests/bench/bench-prod.sh, tests/bench/bench-directives.sh).

  bench-units.py SERVICE OUTDIR PORT [--groups] [--extra NAME=LINES]...

SERVICE is the installed archive@.service. Its [Service] lines are split into
the base (what runs and where its streams go) and the sandbox directives,
grouped: a directive that only makes sense with another one goes with it
(BindReadOnlyPaths= with TemporaryFileSystem=, AmbientCapabilities= with
CapabilityBoundingSet=, SystemCallErrorNumber= with SystemCallFilter=).
Writes into OUTDIR a socket (127.0.0.1:PORT, PORT+1, ...) and a template
service for each variant:

  bare    the base only: no sandboxing, runs as root
  full    every directive (the unit as installed)
  aNN     bare plus group NN      (with --groups)
  dNN     full minus group NN     (with --groups)
  NAME    full plus LINES (";"-separated, a "-Key" line removes Key=), for --extra

and prints one line per variant: NAME PORT WHAT. Every unit gets
DefaultDependencies=no (only the benchmark runs in its systemd)."""
import argparse
import os

BASE = {"ExecStart", "StandardInput", "StandardOutput", "StandardError", "SyslogIdentifier"}
# key -> the directive it belongs with
LEADER = {"BindReadOnlyPaths": "TemporaryFileSystem",
          "AmbientCapabilities": "CapabilityBoundingSet",
          "SystemCallErrorNumber": "SystemCallFilter"}

ap = argparse.ArgumentParser()
ap.add_argument("service")
ap.add_argument("outdir")
ap.add_argument("port", type=int)
ap.add_argument("--groups", action="store_true")
ap.add_argument("--no-groups", action="store_true", help="overrides --groups")
ap.add_argument("--extra", action="append", default=[])
a = ap.parse_args()

unit, base, sandbox = [], [], []
section = None
for line in open(a.service):
    s = line.strip()
    if not s or s.startswith("#"):
        continue
    if s.startswith("["):
        section = s
        continue
    key = s.split("=", 1)[0]
    if section == "[Unit]":
        unit.append(s)
    elif section == "[Service]":
        (base if key in BASE else sandbox).append((key, s))

groups = []          # [(name, [lines])], in the unit's order
for key, s in sandbox:
    lead = LEADER.get(key, key)
    for name, lines in groups:
        if name == lead:
            lines.append(s)
            break
    else:
        groups.append((lead, [s]))

variants = [("bare", [], "no sandboxing"),
            ("full", [s for _, s in sandbox], "every directive")]
if a.groups and not a.no_groups:
    for i, (name, lines) in enumerate(groups):
        variants.append((f"a{i:02d}", lines, f"bare + {name}"))
    for i, (name, lines) in enumerate(groups):
        variants.append((f"d{i:02d}", [s for g, ls in groups if g != name for s in ls],
                         f"full - {name}"))
for e in a.extra:
    name, _, spec = e.partition("=")
    lines = [s for _, s in sandbox]
    for item in (x.strip() for x in spec.split(";")):
        if item.startswith("-"):
            lines = [s for s in lines if s.split("=", 1)[0] != item[1:]]
        elif item:
            lines.append(item)
    variants.append((name, lines, spec))

os.makedirs(a.outdir, exist_ok=True)
for i, (name, lines, what) in enumerate(variants):
    port = a.port + i
    with open(f"{a.outdir}/{name}.socket", "w") as f:
        f.write(f"""[Unit]
DefaultDependencies=no
[Socket]
ListenStream=127.0.0.1:{port}
Accept=yes
MaxConnections=512
MaxConnectionsPerSource=256
TriggerLimitIntervalSec=0
TriggerLimitBurst=0
""")
    with open(f"{a.outdir}/{name}@.service", "w") as f:
        f.write("[Unit]\nDefaultDependencies=no\n" + "".join(u + "\n" for u in unit))
        f.write("[Service]\n" + "".join(s + "\n" for _, s in base))
        f.write("".join(s + "\n" for s in lines))
    print(name, port, what)
