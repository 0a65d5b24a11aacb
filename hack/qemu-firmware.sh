#!/usr/bin/env bash
# hack/qemu-firmware.sh: build the x86-64 kiosk image and boot it in
# qemu-system-x86_64 with OVMF under software emulation (TCG), then run the
# firmware scenarios of issue 7. Slow (tens of minutes) and needs root, the
# Debian archive and apt; it is NOT part of `go test ./...`.
#
# Usage (as root, from the repository root):
#   hack/qemu-firmware.sh
#
# Environment (defaults in brackets):
#   WORK          work directory                         [/var/tmp/hallq-qemu]
#   ROLE          role to build                          [kiosk]
#   ACCEL         qemu accelerator: tcg or kvm           [tcg]
#   MEM           guest memory in MiB                    [1536]
#   WAIT          seconds to wait for each boot marker   [900]
#   BUILD_TIMEOUT seconds for each image build step      [2400]
#   SKIP_APT=1    do not apt-get install the tools
#   REUSE=1       reuse the Debian root file system of an earlier run in WORK (skips mmdebstrap)
#   ONLY=first-boot  run build, flash, first-boot and first-frame only
#
# Scenarios (each PASS or FAIL, never silently skipped):
#   build         the image builds, with a bmap; sizes and build time printed
#   flash         hqfw flash writes the image to a disk file (bmap + verify), hqfw grow fills it
#   first-boot    first boot reaches boot-complete.target on slot a
#   first-frame   the kiosk draws its first frame (attract screen, no card reader or printer
#                 under QEMU: shown as problems, not fatal); screen saved as first-frame.png
#   usb-update    a signed bundle on an emulated USB stick installs to slot b and commits
#   rollback      a bundle whose health check fails gets three tries, then slot b again,
#                 and the agent reports the failed version
#   controller    the hall controller (controller/cmd/controller on the host, reached
#                 from the guest at 10.0.2.2) enrols the device from a seed written with
#                 hqfw seed, serves the desired bundle with HTTP Range; the update commits
#                 and hqfw devices lists the new version and the failed one
# The last line is "N passed, N failed".
set -euo pipefail

WORK=${WORK:-/var/tmp/hallq-qemu}
ROLE=${ROLE:-kiosk}
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-1536}
WAIT=${WAIT:-900}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-2400}
V1=2026.11.1
V2=2026.11.2
V3=2026.11.3
V4=2026.11.4
CTL_PORT=${CTL_PORT:-18080}
ADMIN=qemu-admin-token-$(date +%s)
ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [[ $(id -u) != 0 ]]; then
	echo "usage: run as root (apt-get, mmdebstrap, mkfs with file ownership)" >&2
	exit 2
fi

mkdir -p "$WORK"
PASS=0
FAIL=0
RESULTS=()
FIGURES=()
QEMU_PID=
CTL_PID=
cleanup() {
	if [[ -n $CTL_PID ]] && kill -0 "$CTL_PID" 2>/dev/null; then
		kill "$CTL_PID" 2>/dev/null || true
		wait "$CTL_PID" 2>/dev/null || true
	fi
	if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT

result() { # name PASS|FAIL detail
	RESULTS+=("$2 $1: $3")
	if [[ $2 == PASS ]]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); fi
	echo "== $2 $1: $3"
}
log() { echo "-- $*"; }

finish() {
	echo
	echo "Figures:"
	for f in "${FIGURES[@]}"; do echo "  $f"; done
	echo "Scenarios:"
	for r in "${RESULTS[@]}"; do echo "  $r"; done
	echo "$PASS passed, $FAIL failed"
	exit $((FAIL > 0))
}

if [[ -z ${SKIP_APT:-} ]]; then
	log "installing tools with apt-get"
	timeout 900 apt-get update -qq
	DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq --no-install-recommends \
		qemu-system-x86 ovmf mmdebstrap mtools dosfstools e2fsprogs zstd socat ca-certificates >/dev/null
fi

HQFW=$WORK/hqfw
log "building hqfw"
(cd "$ROOT" && CGO_ENABLED=0 timeout 600 go build -o "$HQFW" ./firmware-images/cmd/hqfw)

KEY=$WORK/test-release
[[ -f $KEY.key ]] || "$HQFW" keygen -o "$KEY"

IMG=$WORK/hallq-$ROLE-$V1.img
SERIAL_OPTS="console=ttyS0,115200 systemd.journald.forward_to_console=1 systemd.show_status=1"
build() { # version out [extra flags]
	local v=$1 out=$2
	shift 2
	timeout "$BUILD_TIMEOUT" "$HQFW" image -module "$ROOT" -role "$ROLE" -version "$v" -epoch 1 -key-pub "$KEY.pub" \
		-cmdline "$SERIAL_OPTS" -work "$WORK/build" -o "$out" -step-timeout "${BUILD_TIMEOUT}s" "$@"
}

# --- build -------------------------------------------------------------------
REUSE_FLAG=()
if [[ -n ${REUSE:-} && -d $WORK/build/rootfs/usr ]]; then
	log "reusing the root file system in $WORK/build/rootfs"
	REUSE_FLAG=(-reuse-rootfs)
fi
{
	start=$(date +%s)
	if build "$V1" "$IMG" "${REUSE_FLAG[@]}" 2>&1 | tee "$WORK/build-$V1.log"; then
		secs=$(($(date +%s) - start))
		apparent=$(stat -c %s "$IMG")
		used=$(($(stat -c %b "$IMG") * 512))
		how=""
		[[ ${#REUSE_FLAG[@]} -gt 0 ]] && how=" (root file system reused, mmdebstrap skipped)"
		FIGURES+=("image $ROLE: $((apparent >> 20)) MiB apparent, $((used >> 20)) MiB allocated, built in ${secs}s$how")
		result build PASS "$IMG with $(basename "$IMG").bmap in ${secs}s"
	else
		result build FAIL "see $WORK/build-$V1.log"
		finish
	fi
}
# The builder says which of our binaries do not exist yet.
HAVE_APP=yes
grep -qE "not built.*(kiosk|controller)/cmd/" "$WORK/build-$V1.log" 2>/dev/null && HAVE_APP=no

# Update bundles: a good one (V2) and one whose health check never passes (V3),
# both from the same root file system, rebuilt with a new version file.
bundle() { # version out [build flags]
	local v=$1 out=$2
	shift 2
	build "$v" "$WORK/hallq-$ROLE-$v.img" -reuse-rootfs "$@" >"$WORK/build-$v.log" 2>&1 || return 1
	local s
	s=$(date +%s%N)
	"$HQFW" bundle create -product "hallq-$ROLE" -version "$v" -epoch 1 -key "$KEY.key" \
		-payload rootfs="$WORK/build/root.img" -payload kernel="$WORK/build/vmlinuz" -payload initrd="$WORK/build/initrd.img" \
		-o "$out" || return 1
	FIGURES+=("bundle $v: $(($(stat -c %s "$out") >> 20)) MiB, created in $((($(date +%s%N) - s) / 1000000)) ms")
	rm -f "$WORK/hallq-$ROLE-$v.img" "$WORK/hallq-$ROLE-$v.img.bmap"
}
if [[ ${ONLY:-} != first-boot ]]; then
	B2=$WORK/hallq-$ROLE-$V2.hqb
	B3=$WORK/hallq-$ROLE-$V3.hqb
	bundle "$V2" "$B2" || { result build FAIL "bundle $V2: see $WORK/build-$V2.log"; finish; }
	bundle "$V3" "$B3" -health-file /run/hallq/never || { result build FAIL "bundle $V3: see $WORK/build-$V3.log"; finish; }
	B4=$WORK/hallq-$ROLE-$V4.hqb
	bundle "$V4" "$B4" || { result build FAIL "bundle $V4: see $WORK/build-$V4.log"; finish; }
	"$HQFW" bundle verify -pub "$KEY.pub" -product "hallq-$ROLE" -installed "$V1" "$B2" >/dev/null

	# USB sticks: ext4 file systems holding one bundle each.
	stick() { # bundle out
		local dir=$WORK/stick-content
		rm -rf "$dir"
		mkdir -p "$dir"
		cp "$1" "$dir/"
		rm -f "$2"
		mkfs.ext4 -q -F -L HALLQ-USB -d "$dir" "$2" "$(($(stat -c %s "$1") / 1024 + 65536))k"
	}
	stick "$B2" "$WORK/stick-good.img"
	stick "$B3" "$WORK/stick-bad.img"
fi

# --- flash -------------------------------------------------------------------
DISK=$WORK/disk.img
rm -f "$DISK"
if out=$("$HQFW" flash -image "$IMG" -target "$DISK" 2>&1) && "$HQFW" grow -target "$DISK" -size $((4 << 30)) >/dev/null; then
	FIGURES+=("flash: $(echo "$out" | grep -E 'written|verified' | tr '\n' ' ')")
	result flash PASS "bmap write + read-back verify, data partition grown to fill 4 GiB"
else
	result flash FAIL "$out"
	finish
fi

# --- qemu ----------------------------------------------------------------------
CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
VARS_TEMPLATE=/usr/share/OVMF/OVMF_VARS_4M.fd
[[ -f $CODE ]] || { CODE=/usr/share/OVMF/OVMF_CODE.fd; VARS_TEMPLATE=/usr/share/OVMF/OVMF_VARS.fd; }
VARS=$WORK/OVMF_VARS.fd
cp "$VARS_TEMPLATE" "$VARS"
MON=$WORK/monitor.sock

QEMU_EXTRA=()
boot() { # serial-log [usb stick image]
	local serial=$1 stickimg=${2:-}
	rm -f "$serial" "$MON"
	local usb=()
	if [[ -n $stickimg ]]; then
		usb=(-device qemu-xhci -drive "if=none,id=stick,format=raw,file=$stickimg" -device usb-storage,drive=stick,removable=on,bootindex=9)
	fi
	qemu-system-x86_64 -machine q35 -accel "$ACCEL" -m "$MEM" -smp 2 "${QEMU_EXTRA[@]}" \
		-drive "if=pflash,format=raw,readonly=on,file=$CODE" -drive "if=pflash,format=raw,file=$VARS" \
		-drive "file=$DISK,format=raw,if=none,id=disk0" -device virtio-blk-pci,drive=disk0,bootindex=1 "${usb[@]}" \
		-nic user,model=virtio-net-pci -vga std -display none \
		-serial "file:$serial" -monitor "unix:$MON,server,nowait" >"$serial.qemu" 2>&1 &
	QEMU_PID=$!
	BOOT_START=$(date +%s)
}

monitor() { printf '%s\n' "$*" | timeout 20 socat - "UNIX-CONNECT:$MON" >/dev/null 2>&1 || true; }

stop() {
	monitor quit
	for _ in $(seq 20); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
	if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then kill "$QEMU_PID" 2>/dev/null || true; fi
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=
}

# waitfor serial regex [timeout]: 0 when seen, 1 on timeout or qemu exit.
waitfor() {
	local serial=$1 re=$2 limit=${3:-$WAIT} t=0
	while ((t < limit)); do
		if grep -aqE "$re" "$serial" 2>/dev/null; then return 0; fi
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 2
		t=$((t + 2))
	done
	return 1
}

# screen_colours ppm: the number of distinct colours of a P6 screendump (a
# text console has a handful; a drawn kiosk screen with anti-aliased Chinese
# text has hundreds).
screen_colours() {
	python3 - "$1" <<'PY' 2>/dev/null || echo 0
import sys
d = open(sys.argv[1], "rb").read()
parts, i = [], 0
while len(parts) < 4:
    while d[i:i+1].isspace(): i += 1
    if d[i:i+1] == b"#":
        while d[i:i+1] != b"\n": i += 1
        continue
    j = i
    while not d[j:j+1].isspace(): j += 1
    parts.append(d[i:j]); i = j
px = d[i+1:]
w, h = int(parts[1]), int(parts[2])
print(len({px[k:k+3] for k in range(0, min(len(px), w*h*3), 3)}))
PY
}

# First boot: boot-complete on slot a; the kiosk draws its first frame (the
# guest prints "hallq: first-frame" when /run/hallq/first-frame appears).
# The guest has no time server; its clock is QEMU's RTC. For the first boot
# it is set to 10:30 Beijing time on the latest weekday, so the kiosk shows
# the attract screen of opening hours (取号 08:30-16:30 by default) rather
# than its after-hours screen. A past time, so later boots only see the
# clock go forward, as on a device whose clock is corrected.
OPEN_TIME=
for d in 0 1 2 3 4 5 6; do
	day=$(date -u -d "-$d day" +%F)
	if (($(date -u -d "$day" +%u) <= 5)) && (($(date -u -d "${day} 02:30" +%s) <= $(date -u +%s))); then
		OPEN_TIME=${day}T02:30:00
		break
	fi
done
S1=$WORK/serial-first-boot.log
QEMU_EXTRA=(-rtc "base=$OPEN_TIME")
boot "$S1"
QEMU_EXTRA=()
FRAME_RE="hallq: first-frame hallq-$ROLE $V1 uptime="
if waitfor "$S1" "hallq: boot-complete hallq-$ROLE $V1 1 hallq.slot=a"; then
	secs=$(($(date +%s) - BOOT_START))
	FIGURES+=("first boot to boot-complete under $ACCEL: ${secs}s")
	result first-boot PASS "boot-complete on slot a after ${secs}s"
	if [[ $HAVE_APP != yes ]]; then
		sleep 5
		monitor "screendump $WORK/first-boot.png -f png"
		result first-frame FAIL "not run: kiosk/cmd/kiosk was not built into the image (console screen saved in $WORK/first-boot.png)"
	elif waitfor "$S1" "$FRAME_RE" 120; then
		fsecs=$(($(date +%s) - BOOT_START))
		up=$(grep -aoE "${FRAME_RE}[0-9.]+" "$S1" | head -1 | sed 's/.*uptime=//')
		FIGURES+=("first kiosk frame under $ACCEL (guest clock ${OPEN_TIME}Z): ${fsecs}s from power-on (host clock, 2 s polling), ${up}s after the kernel started (guest uptime)")
		# Let the attract screen settle (the controller is unreachable in
		# this scenario: the kiosk shows itself offline) before the capture.
		sleep 10
		monitor "screendump $WORK/first-frame.ppm"
		monitor "screendump $WORK/first-frame.png -f png"
		colours=$(screen_colours "$WORK/first-frame.ppm")
		if ((colours >= 40)); then
			result first-frame PASS "health check saw /run/hallq/first-frame ${fsecs}s after power-on; screen ($colours colours) in $WORK/first-frame.png"
		else
			result first-frame FAIL "first-frame reported but the screen has only $colours colours (console, not the kiosk?): $WORK/first-frame.png"
		fi
		rm -f "$WORK/first-frame.ppm"
	else
		monitor "screendump $WORK/first-frame.png -f png"
		result first-frame FAIL "no first-frame marker in 120 s after boot-complete; screen in $WORK/first-frame.png, see $S1"
	fi
else
	result first-boot FAIL "no boot-complete marker in $WAIT s; see $S1"
	result first-frame FAIL "not run: first boot failed"
fi
stop

[[ ${ONLY:-} == first-boot ]] && finish

# Good update from a USB stick: install to b, reboot, trial, commit.
S2=$WORK/serial-usb-update.log
boot "$S2" "$WORK/stick-good.img"
if waitfor "$S2" "agent: local" && t0=$(date +%s) && waitfor "$S2" "agent: arm $V2 ok=true"; then
	FIGURES+=("update apply (verify + write + read back slot b) under $ACCEL: $(($(date +%s) - t0))s")
	if waitfor "$S2" "agent: commit $V2 ok=true" && waitfor "$S2" "hallq: boot-complete hallq-$ROLE $V2 1 hallq.slot=b"; then
		result usb-update PASS "bundle $V2 from the USB stick installed to slot b and committed"
	else
		result usb-update FAIL "no commit of $V2; see $S2"
	fi
else
	result usb-update FAIL "bundle not installed from the stick; see $S2"
fi
stop

# Bad update: three trial boots into a, then back to b, failure reported.
S3=$WORK/serial-rollback.log
boot "$S3" "$WORK/stick-bad.img"
if waitfor "$S3" "agent: rollback $V3 ok=false" $((WAIT * 4)); then
	if waitfor "$S3" "hallq: boot-complete hallq-$ROLE $V2 1 hallq.slot=b" 300; then
		result rollback PASS "$V3 failed its health check three times, the loader went back to $V2 on slot b, the agent logged the failed version (sent to the controller once enrolled, see 'controller')"
	else
		result rollback FAIL "rollback logged but slot b did not complete its boot"
	fi
else
	result rollback FAIL "no rollback of $V3; see $S3"
fi
stop

# Update through the hall controller: enrol from the seed, check in, download.
S4=$WORK/serial-controller.log
CTL=$WORK/controller
CTL_DATA=$WORK/controller-data
rm -rf "$CTL_DATA"
mkdir -p "$CTL_DATA/bundles"
cp "$B4" "$CTL_DATA/bundles/"
if (cd "$ROOT" && CGO_ENABLED=0 timeout 600 go build -o "$CTL" ./controller/cmd/controller); then
	"$CTL" -listen "127.0.0.1:$CTL_PORT" -data "$CTL_DATA" -dev-token "$ADMIN" >"$WORK/controller.log" 2>&1 &
	CTL_PID=$!
	export HALLQ_CONTROLLER=http://127.0.0.1:$CTL_PORT HALLQ_ADMIN_TOKEN=$ADMIN
	for _ in $(seq 30); do "$HQFW" devices >/dev/null 2>&1 && break; sleep 1; done
	if TOKEN=$("$HQFW" token -role "$ROLE" 2>/dev/null) &&
		"$HQFW" seed -target "$DISK" -controller "http://10.0.2.2:$CTL_PORT" -token "$TOKEN" >/dev/null &&
		"$HQFW" desired -role "$ROLE" -bundle "$(basename "$B4")" >/dev/null; then
		boot "$S4"
		if waitfor "$S4" "agent: download $V4 ok=true start" && t0=$(date +%s) && waitfor "$S4" "agent: arm $V4 ok=true"; then
			FIGURES+=("update apply via controller (download + verify + write + read back) under $ACCEL: $(($(date +%s) - t0))s")
		fi
		if waitfor "$S4" "agent: commit $V4 ok=true" && waitfor "$S4" "hallq: boot-complete hallq-$ROLE $V4 1 hallq.slot=a"; then
			listed=no
			for _ in $(seq 60); do
				d=$("$HQFW" devices 2>/dev/null || true)
				if grep -q "$V4" <<<"$d" && grep -q "$V3" <<<"$d" && grep -qE "$V4 +a " <<<"$d"; then listed=yes; break; fi
				sleep 5
			done
			"$HQFW" devices >"$WORK/devices.txt" 2>&1 || true
			if [[ $listed == yes ]]; then
				result controller PASS "enrolled with a one-time token, $V4 downloaded from the controller and committed on slot a; hqfw devices lists it and the failed $V3"
			else
				result controller FAIL "committed, but the controller's device list is wrong; see $WORK/devices.txt"
			fi
		else
			result controller FAIL "no commit of $V4; see $S4 and $WORK/controller.log"
		fi
		stop
	else
		result controller FAIL "could not create a token, write the seed or set the desired version"
	fi
else
	result controller FAIL "controller/cmd/controller does not build"
fi

finish
