# shellcheck shell=bash
# Sourced by the test runners that need /dev/kvm:  require_kvm "WHAT"
# Without a usable /dev/kvm: a loud skip (exit 0), or a failure (exit 1)
# under CI=true, where the tests must run.
require_kvm() {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1: /dev/kvm is missing or not accessible, and CI=true"
		exit 1
	fi
	echo "### SKIPPED: $1 need /dev/kvm ###"
	exit 0
}
