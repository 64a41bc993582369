// SPDX-License-Identifier: MIT
/*
 * cli.c - argument parsing. Every bad value is refused with a message that
 * names the option, before anything is created.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_CPUS = 256, OPT_MEM, OPT_KERNEL, OPT_APPEND, OPT_INITRD,
	OPT_X2APIC, OPT_XAPIC, OPT_STATS, OPT_TIMEOUT, OPT_HELP, OPT_VERSION,
	OPT_IPI_YIELD, OPT_IRQCHIP,
	OPT_TRACE, OPT_COMPAT, OPT_INJECT, OPT_INJECT_SEED, OPT_SECCOMP,
	OPT_CLOCK, OPT_HALT_POLL, OPT_PV_EOI,
};

static const struct option run_options[] = {
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "x2apic", no_argument, NULL, OPT_X2APIC },
	{ "xapic", no_argument, NULL, OPT_XAPIC },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "ipi-yield", required_argument, NULL, OPT_IPI_YIELD },
	{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "compat", required_argument, NULL, OPT_COMPAT },
	{ "inject", required_argument, NULL, OPT_INJECT },
	{ "inject-seed", required_argument, NULL, OPT_INJECT_SEED },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "halt-poll", required_argument, NULL, OPT_HALT_POLL },
	{ "pv-eoi", required_argument, NULL, OPT_PV_EOI },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void cli__usage(FILE *out)
{
	fprintf(out,
"usage: ipivirt run --kernel FILE [options]\n"
"       ipivirt --help | --version\n"
"\n"
"Boot an SMP guest on KVM with the local APIC emulated in userspace; every\n"
"IPI the guest sends is routed through ipivirt's IPI domain.\n"
"\n"
"run options:\n"
"  --cpus N         vCPUs, 1-%u and no more than this host's KVM runs\n"
"                   (KVM_CAP_MAX_VCPUS); over 255 need x2APIC (default 1)\n"
"  --mem SIZE       guest RAM, e.g. 256M or 1G, %lluM-%lluG (default %lluM)\n"
"  --kernel FILE    ELF64 (entered in 64-bit mode) or multiboot kernel, or\n"
"                   Linux: bzImage (xz/gzip/zstd) or vmlinux, 64-bit entry\n"
"  --append STR     kernel command line\n"
"  --initrd FILE    initial ramdisk (multiboot module 0; Linux initrd)\n"
"  --x2apic         offer x2APIC in CPUID (default)\n"
"  --xapic          hide x2APIC: the guest uses the xAPIC MMIO page\n"
"  --irqchip apic|xive  the controller for guest IPIs (default apic); xive\n"
"                   maps the POWER XIVE model (docs/xive-x86.md)\n"
"  --stats          print per-vCPU exit, IPI, kick and injection counts\n"
"  --timeout SECS   end the run after SECS seconds (exit status 124)\n"
"  --ipi-yield on|off  after sending an IPI, yield the host CPU so the\n"
"                   target vCPU runs sooner (default on)\n"
"  --halt-poll auto|off|adaptive|NS  a halting vCPU first polls for new\n"
"                   interrupts: adaptive (up to %u us, grown when a wake\n"
"                   came just after, reset when none came in time, as KVM's\n"
"                   halt_poll_ns), NS nanoseconds every time, or off; auto\n"
"                   (default): adaptive when the vCPUs fit the host CPUs\n"
"                   ipivirt may run on, else off (docs/bench.md)\n"
"  --pv-eoi on|off  offer KVM's paravirtual EOI (CPUID 0x40000001 bit 6):\n"
"                   an edge interrupt's EOI becomes a store to guest\n"
"                   memory instead of an exit (default on)\n"
"  --compat auto|none|emulated-kvm  work-arounds for a KVM that emulates\n"
"                   every instruction (int3 repair; Linux command line\n"
"                   += noxsave clearcpuid=cx16,popcnt,...); auto: on when the host\n"
"                   CPU has no vmx/svm (default auto)\n"
"  --trace FILE     IPI flight recorder: write every IPI stage's timestamp\n"
"                   to FILE at exit (text; docs/bench.md), and FILE.json\n"
"                   in the trace-event format (ui.perfetto.dev: tracks per\n"
"                   vCPU, slices per stage, send->inject flow arrows)\n"
"  --inject SPEC     fault injection, repeatable or comma-separated:\n"
"                   kick-delay=P:USEC  kick a vCPU USEC us late, probability P\n"
"                   kick-drop=P[:MS]   drop a kick (IPI taken at the next exit;\n"
"                                      re-kicked after MS, default %u)\n"
"                   stall=CPU:AT_MS:FOR_MS  vCPU CPU runs no guest code\n"
"                                      from AT_MS after start for FOR_MS\n"
"  --inject-seed N  seed of the --inject random draws (default 0)\n"
"  --seccomp on|off|log  system call filter on vCPU threads: refuse (exit\n"
"                   status 159), none, or only log (default on)\n"
"  --clock LIST     how the guest learns the TSC rate, comma-separated:\n"
"                   kvmclock (KVM's paravirtual clock), tsc-leaf (CPUID\n"
"                   0x15/0x16 on Intel, 0x40000010 on any vendor), or\n"
"                   legacy (neither: calibrate against the PIT or the ACPI\n"
"                   PM timer); default kvmclock,tsc-leaf\n"
"\n"
"exit status: 0 guest powered off (success); (v<<1)|1 guest wrote v to the\n"
"debug-exit port 0xf4; 2 bad arguments or kernel; 124 timeout; 125 guest\n"
"crashed (triple fault, emulation failure); 130/143 SIGINT/SIGTERM;\n"
"1 host failure (no /dev/kvm, ...); 159 a vCPU thread made a system call\n"
"its seccomp filter forbids.\n",
		IPIVIRT_MAX_CPUS, IPIVIRT_VMM_MIN_MEM >> 20,
		IPIVIRT_VMM_MAX_MEM >> 30, IPIVIRT_VMM_DEFAULT_MEM >> 20,
		IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS / 1000,
		IPIVIRT_FAULT_DROP_RECOVER_MS);
}

/* A one-line reason in @err; every command-line error is -EINVAL. */
__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An on|off option's value into @on. */
static int parse_on_off(const char *opt, const char *arg, bool *on, char *err,
			size_t errlen)
{
	if (!strcmp(arg, "on") || !strcmp(arg, "off")) {
		*on = !strcmp(arg, "on");
		return 0;
	}
	return fail(err, errlen, "%s: '%s' is not on or off", opt, arg);
}

/* --clock: a comma-separated subset of kvmclock,tsc-leaf, or "legacy". */
static int parse_clock(const char *arg, unsigned *flags, char *err,
		       size_t errlen)
{
	const char *p = arg;

	*flags |= IPIVIRT_VMM_NO_KVMCLOCK | IPIVIRT_VMM_NO_TSC_LEAF;
	if (!strcmp(arg, "legacy"))
		return 0;
	do {
		size_t n = strcspn(p, ",");
		if (n == 8 && !strncmp(p, "kvmclock", n))
			*flags &= ~IPIVIRT_VMM_NO_KVMCLOCK;
		else if (n == 8 && !strncmp(p, "tsc-leaf", n))
			*flags &= ~IPIVIRT_VMM_NO_TSC_LEAF;
		else
			return fail(err, errlen,
				    "--clock: '%.*s' is not kvmclock, tsc-leaf "
				    "or legacy", (int)n, p);
		p += n;
	} while (*p++ == ',');
	return 0;
}

/* A decimal number with nothing after it, within [min, max]. */
static bool parse_uint(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* A probability: a plain decimal in [0, 1] ("0.05", "1", ".5"). */
static bool parse_prob(const char *s, const char **end, double *out)
{
	char *e;
	double v;

	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return false;
	errno = 0;
	v = strtod(s, &e);
	if (errno || e == s || !isfinite(v) || v < 0 || v > 1)
		return false;
	*end = e;
	*out = v;
	return true;
}

/* A decimal field of a --inject spec, within [min, max]. */
static bool parse_field(const char *s, const char **end, uint64_t min,
			uint64_t max, uint64_t *out)
{
	char *e;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno || v < min || v > max)
		return false;
	*end = e;
	*out = v;
	return true;
}

/* One --inject item, @len bytes at @s (no comma in it). */
static int parse_inject_item(const char *s, size_t len,
			     struct ipivirt_fault_config *fi, char *err,
			     size_t errlen)
{
	char item[128];
	const char *p;
	uint64_t a, b, c;

	if (len == 0)
		return fail(err, errlen, "--inject: empty item");
	if (len >= sizeof(item))
		return fail(err, errlen, "--inject: item too long");
	memcpy(item, s, len);
	item[len] = '\0';
	if (!strncmp(item, "kick-delay=", 11)) {
		if (!parse_prob(item + 11, &p, &fi->kick_delay_p) || *p != ':' ||
		    !parse_field(p + 1, &p, 1, IPIVIRT_FAULT_MAX_DELAY_US, &a) ||
		    *p)
			return fail(err, errlen,
				    "--inject: '%s' is not kick-delay=P:USEC "
				    "(P from 0 to 1, USEC from 1 to %u)",
				    item, IPIVIRT_FAULT_MAX_DELAY_US);
		fi->kick_delay_us = a;
	} else if (!strncmp(item, "kick-drop=", 10)) {
		a = IPIVIRT_FAULT_DROP_RECOVER_MS;
		if (!parse_prob(item + 10, &p, &fi->kick_drop_p) ||
		    (*p == ':' &&
		     !parse_field(p + 1, &p, 1, IPIVIRT_FAULT_MAX_RECOVER_MS, &a)) ||
		    *p)
			return fail(err, errlen,
				    "--inject: '%s' is not kick-drop=P[:MS] "
				    "(P from 0 to 1, MS from 1 to %u)",
				    item, IPIVIRT_FAULT_MAX_RECOVER_MS);
		fi->kick_drop_recover_ms = a;
	} else if (!strncmp(item, "stall=", 6)) {
		if (!parse_field(item + 6, &p, 0, IPIVIRT_MAX_CPUS - 1, &a) ||
		    *p != ':' ||
		    !parse_field(p + 1, &p, 0, IPIVIRT_FAULT_MAX_STALL_MS, &b) ||
		    *p != ':' ||
		    !parse_field(p + 1, &p, 1, IPIVIRT_FAULT_MAX_STALL_MS, &c) ||
		    *p)
			return fail(err, errlen,
				    "--inject: '%s' is not stall=CPU:AT_MS:FOR_MS "
				    "(CPU below %u, AT_MS from 0, FOR_MS from 1, "
				    "up to %u)", item, IPIVIRT_MAX_CPUS,
				    IPIVIRT_FAULT_MAX_STALL_MS);
		if (fi->nr_stalls == IPIVIRT_FAULT_MAX_STALLS)
			return fail(err, errlen, "--inject: more than %u stalls",
				    IPIVIRT_FAULT_MAX_STALLS);
		fi->stalls[fi->nr_stalls++] = (struct ipivirt_fault_stall){
			.cpu = (unsigned)a, .at_ms = b, .for_ms = c };
	} else {
		return fail(err, errlen,
			    "--inject: unknown fault '%s' (kick-delay=, "
			    "kick-drop=, stall=)", item);
	}
	return 0;
}

static int parse_inject(const char *arg, struct ipivirt_fault_config *fi,
			char *err, size_t errlen)
{
	for (;;) {
		const char *comma = strchr(arg, ',');
		size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
		int ret = parse_inject_item(arg, len, fi, err, errlen);

		if (ret || !comma)
			return ret;
		arg = comma + 1;
	}
}

unsigned long long cli__parse_size(const char *s)
{
	char *end;
	unsigned long long v, shift = 20;

	if (!s || !*s || *s == '-' || *s == '+')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return 0;
	}
	if (*end && !((*end == 'B' || *end == 'b' || *end == 'i') &&
		      end[1] == '\0'))
		return 0;
	if (v > (ULLONG_MAX >> shift))
		return 0;
	return v << shift;
}

int cli__parse(int argc, char **argv, enum cli_action *action,
	       struct cli_run *run, char *err, size_t errlen)
{
	struct ipivirt_vmm_config *cfg = &run->vmm;
	bool inject = false;
	unsigned long n;
	int opt;

	/* The library's defaults, but for the vCPU system call filter: the
	 * ipivirt binary turns it on. Senders yield (8x the calls/s with 2
	 * vCPUs on 2 busy cores); halt polling is auto (docs/bench.md). */
	memset(run, 0, sizeof(*run));
	cfg->size = sizeof(*cfg);
	cfg->nr_cpus = 1;
	cfg->mem_size = IPIVIRT_VMM_DEFAULT_MEM;
	cfg->seccomp = IPIVIRT_SECCOMP_ON;
	run->faults.kick_drop_recover_ms = IPIVIRT_FAULT_DROP_RECOVER_MS;

	if (argc < 2)
		return fail(err, errlen, "missing command (try --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		*action = CLI_HELP;
		return argc == 2 ? 0 : fail(err, errlen, "--help takes nothing");
	}
	if (!strcmp(argv[1], "--version")) {
		*action = CLI_VERSION;
		return argc == 2 ? 0
				 : fail(err, errlen, "--version takes nothing");
	}
	if (strcmp(argv[1], "run"))
		return fail(err, errlen, "unknown command '%s' (try --help)",
			    argv[1]);
	*action = CLI_RUN;

	/* Reset getopt fully first: glibc keeps a pointer into the argv of
	 * an earlier parse that stopped inside "-xyz" (tests/fuzz). */
	optind = 0;
	opterr = 0;
	(void)getopt_long(1, argv, ":", run_options, NULL);
	optind = 2;
	while ((opt = getopt_long(argc, argv, ":", run_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CPUS:
			/* ipivirt's own bound here; a host whose KVM runs
			 * fewer is refused by kvm_vm__open(), naming it. */
			if (!parse_uint(optarg, 1, IPIVIRT_MAX_CPUS, &n))
				return fail(err, errlen,
					    "--cpus: '%s' is not a number from "
					    "1 to %u", optarg,
					    IPIVIRT_MAX_CPUS);
			cfg->nr_cpus = (unsigned)n;
			break;
		case OPT_MEM:
			cfg->mem_size = cli__parse_size(optarg);
			if (!cfg->mem_size)
				return fail(err, errlen,
					    "--mem: '%s' is not a size like "
					    "256M or 1G", optarg);
			if (cfg->mem_size < IPIVIRT_VMM_MIN_MEM ||
			    cfg->mem_size > IPIVIRT_VMM_MAX_MEM)
				return fail(err, errlen,
					    "--mem: %s is outside %lluM-%lluG",
					    optarg, IPIVIRT_VMM_MIN_MEM >> 20,
					    IPIVIRT_VMM_MAX_MEM >> 30);
			if (cfg->mem_size & 0xfffff)
				return fail(err, errlen,
					    "--mem: %s is not a whole number "
					    "of MiB", optarg);
			break;
		case OPT_KERNEL:
			run->kernel_path = optarg;
			break;
		case OPT_APPEND:
			run->append = optarg;
			break;
		case OPT_INITRD:
			run->initrd_path = optarg;
			break;
		case OPT_X2APIC:
			cfg->flags &= ~IPIVIRT_VMM_XAPIC;
			break;
		case OPT_XAPIC:
			cfg->flags |= IPIVIRT_VMM_XAPIC;
			break;
		case OPT_STATS:
			cfg->flags |= IPIVIRT_VMM_STATS;
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(optarg, 1, 7 * 24 * 3600, &n))
				return fail(err, errlen,
					    "--timeout: '%s' is not a number "
					    "of seconds from 1 to 604800",
					    optarg);
			cfg->timeout_s = (unsigned)n;
			break;
		case OPT_IRQCHIP:
			if (!strcmp(optarg, "apic"))
				cfg->flags &= ~IPIVIRT_VMM_XIVE;
			else if (!strcmp(optarg, "xive"))
				cfg->flags |= IPIVIRT_VMM_XIVE;
			else
				return fail(err, errlen,
					    "--irqchip: '%s' is not apic or xive",
					    optarg);
			break;
		case OPT_IPI_YIELD: {
			bool on = true;

			if (parse_on_off("--ipi-yield", optarg, &on, err, errlen))
				return -EINVAL;
			cfg->flags = on ? cfg->flags & ~IPIVIRT_VMM_NO_IPI_YIELD
					: cfg->flags | IPIVIRT_VMM_NO_IPI_YIELD;
			break;
		}
		case OPT_HALT_POLL:
			if (!strcmp(optarg, "adaptive"))
				cfg->halt_poll_ns = IPIVIRT_HALT_POLL_ADAPTIVE;
			else if (!strcmp(optarg, "auto"))
				cfg->halt_poll_ns = IPIVIRT_HALT_POLL_AUTO;
			else if (!strcmp(optarg, "off"))
				cfg->halt_poll_ns = IPIVIRT_HALT_POLL_OFF;
			else if (parse_uint(optarg, 1, IPIVIRT_HALT_POLL_LIMIT_NS,
					    &n))
				cfg->halt_poll_ns = (int64_t)n;
			else
				return fail(err, errlen,
					    "--halt-poll: '%s' is not auto, off, "
					    "adaptive or nanoseconds from 1 to %u",
					    optarg, IPIVIRT_HALT_POLL_LIMIT_NS);
			break;
		case OPT_PV_EOI: {
			bool on = true;

			if (parse_on_off("--pv-eoi", optarg, &on, err, errlen))
				return -EINVAL;
			cfg->flags = on ? cfg->flags & ~IPIVIRT_VMM_NO_PV_EOI
					: cfg->flags | IPIVIRT_VMM_NO_PV_EOI;
			break;
		}
		case OPT_COMPAT:
			if (!strcmp(optarg, "auto"))
				cfg->compat = IPIVIRT_COMPAT_AUTO;
			else if (!strcmp(optarg, "none"))
				cfg->compat = IPIVIRT_COMPAT_NONE;
			else if (!strcmp(optarg, "emulated-kvm"))
				cfg->compat = IPIVIRT_COMPAT_EMULATED_KVM;
			else
				return fail(err, errlen,
					    "--compat: '%s' is not auto, none "
					    "or emulated-kvm", optarg);
			break;
		case OPT_TRACE:
			if (!*optarg)
				return fail(err, errlen,
					    "--trace: an empty file name");
			cfg->trace_path = optarg;
			break;
		case OPT_INJECT:
			if (parse_inject(optarg, &run->faults, err, errlen))
				return -EINVAL;
			inject = true;
			break;
		case OPT_INJECT_SEED:
			if (!parse_uint(optarg, 0, ULONG_MAX, &n))
				return fail(err, errlen,
					    "--inject-seed: '%s' is not a "
					    "number from 0 to %lu", optarg,
					    ULONG_MAX);
			run->faults.seed = n;
			break;
		case OPT_SECCOMP:
			if (!strcmp(optarg, "on"))
				cfg->seccomp = IPIVIRT_SECCOMP_ON;
			else if (!strcmp(optarg, "off"))
				cfg->seccomp = IPIVIRT_SECCOMP_OFF;
			else if (!strcmp(optarg, "log"))
				cfg->seccomp = IPIVIRT_SECCOMP_LOG;
			else
				return fail(err, errlen,
					    "--seccomp: '%s' is not on, off "
					    "or log", optarg);
			break;
		case OPT_CLOCK:
			if (parse_clock(optarg, &cfg->flags, err, errlen))
				return -EINVAL;
			break;
		case OPT_HELP:
			*action = CLI_HELP;
			return 0;
		case ':':
			return fail(err, errlen, "%s needs a value",
				    argv[optind - 1]);
		default:
			/* inside a cluster ("-xyz") optind still names the
			 * argument before it; glibc's optopt is a plain
			 * (signed) char there, a long option's value or 0 */
			if (optopt != 0 && optopt < 256)
				return fail(err, errlen,
					    "unknown option '-%c'",
					    (unsigned char)optopt);
			return fail(err, errlen, "unknown option '%s'",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'",
			    argv[optind]);
	if (!run->kernel_path)
		return fail(err, errlen, "run: --kernel FILE is required");
	for (unsigned i = 0; i < run->faults.nr_stalls; i++)
		if (run->faults.stalls[i].cpu >= cfg->nr_cpus)
			return fail(err, errlen,
				    "--inject: stall=%u:...: there is no vCPU %u "
				    "(--cpus %u)", run->faults.stalls[i].cpu,
				    run->faults.stalls[i].cpu, cfg->nr_cpus);
	cfg->faults = inject ? &run->faults : NULL;
	return 0;
}
