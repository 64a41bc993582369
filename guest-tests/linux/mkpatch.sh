#!/bin/bash
# Regenerate the Linux patch series from the one module source, so the
# in-tree copy (kernel/ipistress.c) and guest-tests/linux/ipistress/ipistress.c
# cannot diverge.
#
#   guest-tests/linux/mkpatch.sh          rewrite patches/0001-*.patch
#   guest-tests/linux/mkpatch.sh --check  fail if the committed patch is stale
#
# The Kconfig and Makefile hunks are fixed text: their context is the
# SCF_TORTURE_TEST entry of lib/Kconfig.debug and its obj- line in
# kernel/Makefile, unchanged across the v6.1 series; line numbers are those
# of Debian's linux-source-6.1 (git apply/patch accept the offset if a tree
# differs). check-patch-applies.sh verifies the result against a real tree.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$here/ipistress/ipistress.c
out=$here/patches/0001-smp-add-ipistress-an-end-to-end-test-of-smp_call_fun.patch
author=${PATCH_AUTHOR:-ipivirt developers <ipivirt-dev@example.org>}
date=${PATCH_DATE:-Sat, 21 Nov 2026 12:00:00 +0000}

mode="write"
case "${1:-}" in
--check) mode=check ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the diff -------------------------------------------------------------
nlines=$(wc -l <"$src")
blob=$(git hash-object "$src" | cut -c1-12)
{
	cat <<'EOF'
diff --git a/kernel/Makefile b/kernel/Makefile
--- a/kernel/Makefile
+++ b/kernel/Makefile
@@ -137,6 +137,7 @@ KCSAN_SANITIZE_stackleak.o := n
 KCOV_INSTRUMENT_stackleak.o := n
 
 obj-$(CONFIG_SCF_TORTURE_TEST) += scftorture.o
+obj-$(CONFIG_IPI_STRESS_TEST) += ipistress.o
 
 $(obj)/configs.o: $(obj)/config_data.gz
 
EOF
	echo "diff --git a/kernel/ipistress.c b/kernel/ipistress.c"
	echo "new file mode 100644"
	echo "index 000000000000..$blob"
	echo "--- /dev/null"
	echo "+++ b/kernel/ipistress.c"
	echo "@@ -0,0 +1,$nlines @@"
	sed 's/^/+/' "$src"
	cat <<'EOF'
diff --git a/lib/Kconfig.debug b/lib/Kconfig.debug
--- a/lib/Kconfig.debug
+++ b/lib/Kconfig.debug
@@ -1515,6 +1515,24 @@ config SCF_TORTURE_TEST
 	  module may be built after the fact on the running kernel to
 	  be tested, if desired.
 
+config IPI_STRESS_TEST
+	tristate "End-to-end stress test of smp_call_function*() delivery"
+	depends on SMP && DEBUG_FS
+	help
+	  This option provides a module, ipistress, whose worker threads
+	  keep every CPU under test issuing smp_call_function_single(),
+	  smp_call_function_single_async(), smp_call_function_many(),
+	  on_each_cpu_mask(), smp_call_function_any() and on_each_cpu()
+	  calls, and check that each requested function runs exactly
+	  once, on the intended CPU, with interrupts disabled, before a
+	  waiting caller returns. It prints one result line to the kernel
+	  log and keeps latency histograms in debugfs (ipistress/). It is
+	  meant for checking IPI delivery in hypervisors and interrupt
+	  controller drivers.
+
+	  Say M to build it as a module: loading it runs one test.
+	  Say N if you are unsure.
+
 config CSD_LOCK_WAIT_DEBUG
 	bool "Debugging for csd_lock_wait(), called from smp_call_function*()"
 	depends on DEBUG_KERNEL
EOF
} >"$tmp/diff"

# --- the mail around it ---------------------------------------------------
# Same layout as format-patch's diffstat; git apply --stat may scale a
# one-line change down to no "+" at all, format-patch never does.
stat=$(cd "$tmp" && git apply --stat --summary diff | sed -E 's/^( [^ ]+ +\| +[0-9]+) $/\1 +/')
{
	cat <<EOF
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: $author
Date: $date
Subject: [PATCH] smp: add ipistress, an end-to-end test of the
 smp_call_function*() paths

scftorture hammers smp_call_function*() to find races in kernel/smp.c.
When what is under test is the IPI delivery underneath instead - a
hypervisor's virtual interrupt controller, a VMM that emulates x2APIC
ICR writes or XIVE ESB and TIMA accesses in user space, a new irqchip's
IPI domain - one wants a test that loads as a module in any guest,
checks every single call and measures how long delivery takes.

ipistress starts worker kthreads on the CPUs under test. They issue a
weighted random mix of smp_call_function_single() (wait and no-wait),
smp_call_function_single_async() with one csd per worker and target
CPU (never handed back to the kernel before its callback ran),
smp_call_function_many(), on_each_cpu_mask(), smp_call_function_any()
and on_each_cpu(). Each call carries a token naming its record and
sequence number, and the callback checks that:

 - the call is current and runs at most once on each target (dup),
 - it runs on a CPU the call was aimed at, and on the calling CPU when
   smp_call_function_any() got a mask holding it (wrongcpu),
 - interrupts are disabled, and it runs in hard interrupt context (or
   from the idle loop's queue flush when the IPI was elided for a
   polling CPU) on another CPU, inline in task context on the calling
   CPU (badctx),
 - a call made with wait set returns only after all its callbacks have
   finished (early).

Callbacks still missing once the run has stopped and a grace period has
passed are counted lost. Latencies - call to return, call to the last
callback's end, call to a remote callback's entry - go into per-CPU
log2 histograms per primitive.

Loading the module runs one test (run_on_load, the default for a
module) and prints one machine-readable line:

  ipistress: result pass=1 cpus=4 ... calls=N ... lost=0 dup=0 ...

debugfs ipistress/ holds the histograms, the last result line and a
"run" file that starts another test with the current module parameters
(duration_ms, nr_calls, cpus, concurrency, wait_pct, local_pct, the
w_* weights, interval_us, cb_delay_ns, quiesce_ms, seed).

Signed-off-by: $author
---
$stat

EOF
	cat "$tmp/diff"
	printf -- '-- \n2.39.5\n\n'
} >"$tmp/patch"

if [ "$mode" = check ]; then
	if cmp -s "$tmp/patch" "$out"; then
		echo "PASS: $(basename "$out") matches ipistress/ipistress.c"
		exit 0
	fi
	echo "FAIL: $(basename "$out") is stale: run guest-tests/linux/mkpatch.sh"
	diff -u "$out" "$tmp/patch" | head -n 20 || true
	exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$tmp/patch" "$out"
echo "mkpatch: wrote $out"
