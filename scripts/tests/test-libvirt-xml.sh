#!/usr/bin/env bash
# The libvirt domain of docs/using.md (qemu-config/libvirt-t4-1b.xml) against
# libvirt's own schema (virt-xml-validate), and what the schema cannot see:
# the -device JSON it passes to QEMU names the vfio-user driver, the
# socket of the unit instance fakegpu-device@gpu0 and the bus libvirt gives
# the declared pcie-root-port. A copy without the qemu namespace must fail
# validation (the validator really judges). Runs in the toolbox.
# Prints "libvirt-xml: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
xml=qemu-config/libvirt-t4-1b.xml
passed=0 failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAIL: $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2"; failed=$((failed + 1)); }
check() { local what=$1 out; shift; if out=$("$@" 2>&1); then ok "$what"; else bad "$what" "$out"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check "virt-xml-validate $xml domain ($(virsh --version))" virt-xml-validate "$xml" domain
sed 's/ xmlns:qemu="[^"]*"//' "$xml" >"$tmp/no-ns.xml"
check "a copy without xmlns:qemu is refused" bash -c "! virt-xml-validate '$tmp/no-ns.xml' domain"
check "the -device JSON: vfio-user-pci on the root port's bus pci.1, socket /run/fakegpu/gpu0.sock" \
	python3 - "$xml" <<'PY'
import json, sys, xml.etree.ElementTree as ET
q = "{http://libvirt.org/schemas/domain/qemu/1.0}"
root = ET.parse(sys.argv[1]).getroot()
args = [a.get("value") for a in root.iter(q + "arg")]
i = args.index("-device")
dev = json.loads(args[i + 1])
ports = [c.get("index") for c in root.iter("controller")
         if c.get("type") == "pci" and c.get("model") == "pcie-root-port"]
assert root.find("os/type").get("machine") == "q35", "machine is not q35"
assert dev["driver"] == "vfio-user-pci", dev
assert dev["socket"] == {"type": "unix", "path": "/run/fakegpu/gpu0.sock"}, dev
assert "pci.%s" % ports[0] == dev["bus"], (ports, dev)
PY
echo "libvirt-xml: $passed passed, $failed failed"
[ "$failed" = 0 ]
