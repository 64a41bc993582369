/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cli.c - libFuzzer target for the command line (vmm/cli/cli.c).
 *
 * Input: byte 0 selects what to fuzz; the rest is split on NUL and newline
 * into at most 32 strings. Mode 0: argv = {"ipivirt", "run", strings...}.
 * Mode 1: argv = {"ipivirt", strings...}. Mode 2: each string goes to
 * cli__parse_size(). The argv strings live in a static arena that is
 * overwritten with 'A's after each parse: glibc's getopt is not
 * instrumented, so a pointer it keeps into the old argv would go unseen
 * by ASan (which also zeroes freed chunks' first bytes); stale 'A's make
 * the next parse fail loudly instead.
 *
 * getopt_long keeps hidden state between calls (glibc's __nextchar, the
 * "initialized" flag, the permutation window); cli__parse() must reset it
 * itself. After every parse the harness parses a known good command line
 * from a fresh argv, which must succeed: before cli.c's full reset, a
 * parse that stopped inside "-xyz" left __nextchar pointing into the old
 * (freed) argv and the next parse failed on the stale "yz".
 *
 * Invariants: 0 or -EINVAL; on -EINVAL a non-empty message; on CLI_RUN
 * success the config is in range (as ipivirt_vmm_create() checks) and
 * has a kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "fuzz_common.h"
#include "cli/cli.h"

#define MAX_ARGS 32

static char arena[4096];
static size_t arena_used;

static char *arena_dup(const void *p, size_t n)
{
	char *s;

	if (arena_used + n + 1 > sizeof(arena))
		abort();
	s = arena + arena_used;
	memcpy(s, p, n);
	s[n] = 0;
	arena_used += n + 1;
	return s;
}

/* A fresh, valid command line must parse whatever came before. */
static void parse_good(void)
{
	char *argv[] = { strdup("ipivirt"), strdup("run"), strdup("--kernel"),
			 strdup("k"), NULL };
	enum cli_action action;
	struct cli_run run;
	char err[256] = "";
	int ret = cli__parse(4, argv, &action, &run, err, sizeof(err));

	FUZZ_CHECK(ret == 0 && action == CLI_RUN && run.kernel_path &&
			   !strcmp(run.kernel_path, "k") && !run.vmm.faults,
		   "good command line after a fuzzed one: %d %s", ret, err);
	for (int i = 0; i < 4; i++)
		free(argv[i]);
}

/* "unknown option 'X'": X is "-c" or one of the arguments after "run". */
static void check_unknown(const char *err, int argc, char **argv)
{
	static const char pre[] = "unknown option '";
	size_t n;

	if (strncmp(err, pre, sizeof(pre) - 1) || strlen(err) >= 255)
		return; /* not that message, or truncated to the buffer */
	err += sizeof(pre) - 1;
	n = strlen(err);
	if (n == 3 && err[0] == '-' && err[2] == '\'')
		return;
	for (int i = 2; i < argc; i++)
		if (strlen(argv[i]) + 1 == n && !strncmp(argv[i], err, n - 1))
			return;
	FUZZ_CHECK(0, "message names no argument: unknown option '%s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 3];
	int argc = 0;
	uint8_t mode;
	size_t start = 1;

	if (size < 1 || size > 1024)
		return 0;
	mode = data[0] % 3;
	if (mode != 2) {
		argv[argc++] = arena_dup("ipivirt", 7);
		if (mode == 0)
			argv[argc++] = arena_dup("run", 3);
	}
	for (size_t j = 1; j <= size && argc < MAX_ARGS + 2; j++) {
		if (j < size && data[j] != 0 && data[j] != '\n')
			continue;
		argv[argc++] = arena_dup(data + start, j - start);
		start = j + 1;
	}
	argv[argc] = NULL;

	if (mode == 2) {
		for (int a = 0; a < argc; a++) {
			unsigned long long v = cli__parse_size(argv[a]);
			/* no suffix is MiB: every size is whole KiB */
			FUZZ_CHECK(!(v & 1023), "size '%s' -> %llu", argv[a],
				   v);
		}
	} else {
		enum cli_action action = CLI_RUN;
		struct cli_run run;
		const struct ipivirt_vmm_config *cfg = &run.vmm;
		char err[256];
		int ret;

		memset(err, 0, sizeof(err));
		ret = cli__parse(argc, argv, &action, &run, err, sizeof(err));
		FUZZ_CHECK(ret == 0 || ret == -EINVAL, "ret %d", ret);
		if (ret) {
			FUZZ_CHECK(err[0] && memchr(err, 0, sizeof(err)),
				   "empty message");
			if (mode == 0)
				check_unknown(err, argc, argv);
		} else if (action == CLI_RUN) {
			FUZZ_CHECK(run.kernel_path, "run without a kernel");
			FUZZ_CHECK(cfg->size == sizeof(*cfg), "config size");
			FUZZ_CHECK(cfg->nr_cpus >= 1 &&
					   cfg->nr_cpus <= IPIVIRT_MAX_CPUS,
				   "cpus %u", cfg->nr_cpus);
			FUZZ_CHECK(cfg->mem_size >= IPIVIRT_VMM_MIN_MEM &&
					   cfg->mem_size <= IPIVIRT_VMM_MAX_MEM &&
					   !(cfg->mem_size & 0xfffff),
				   "mem %llu", (unsigned long long)cfg->mem_size);
			FUZZ_CHECK(cfg->halt_poll_ns >= IPIVIRT_HALT_POLL_OFF &&
					   cfg->halt_poll_ns <=
						   IPIVIRT_HALT_POLL_LIMIT_NS,
				   "halt poll %lld", (long long)cfg->halt_poll_ns);
			FUZZ_CHECK(!cfg->faults || cfg->faults == &run.faults,
				   "faults pointer");
			for (unsigned i = 0; cfg->faults && i < run.faults.nr_stalls; i++)
				FUZZ_CHECK(run.faults.stalls[i].cpu < cfg->nr_cpus,
					   "stall on vCPU %u of %u",
					   run.faults.stalls[i].cpu, cfg->nr_cpus);
		}
	}
	memset(arena, 'A', sizeof(arena));
	arena_used = 0;
	if (mode != 2)
		parse_good();
	return 0;
}
