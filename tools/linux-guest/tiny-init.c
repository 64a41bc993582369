// SPDX-License-Identifier: MIT
/*
 * tiny-init.c - an /init for the ipistress initramfs that runs no SSE code.
 *
 * On a host whose KVM emulates every guest instruction (shared/platform.md)
 * the emulator cannot run SSE arithmetic, and a glibc-static busybox uses it
 * in strlen/memchr & co from its first instructions. This init is built
 * with -mgeneral-regs-only and no libc, so all it executes is integer code
 * and system calls. It does what mkinitramfs.sh's busybox /init does for
 * the test: mount proc, devtmpfs and debugfs; load ipistress.ko with
 * run_on_load=1 plus every ipistress.K=V of the kernel command line (as
 * modprobe would); report on /dev/kmsg; power off.
 *
 *   gcc -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie \
 *       -mgeneral-regs-only -O2 -o tiny-init tiny-init.c
 */
#include <stddef.h>

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_sync 162
#define SYS_mount 165
#define SYS_reboot 169
#define SYS_finit_module 313
#define SYS_exit 60
#define O_RDONLY 0
#define O_WRONLY 1
#define REBOOT_MAGIC1 0xfee1deadL
#define REBOOT_MAGIC2 672274793L
#define REBOOT_POWER_OFF 0x4321fedcL

static long sys6(long n, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0)

static int kmsg = -1;

static void say(const char *a, const char *b, const char *c)
{
	static char line[1024];
	size_t n = 0;
	const char *parts[4] = { "ipistress-guest: ", a, b, c };

	for (int i = 0; i < 4; i++)
		for (const char *p = parts[i]; p && *p && n < sizeof(line) - 2; p++)
			line[n++] = *p;
	line[n++] = '\n';
	if (kmsg >= 0)
		sys3(SYS_write, kmsg, line, n);
}

static char *num(long v, char *buf)
{
	char tmp[24];
	int n = 0, neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*buf++ = '-';
	while (n)
		*buf++ = tmp[--n];
	*buf = 0;
	return buf;
}

static int starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

void _start(void) __attribute__((noreturn, used));
void _start(void)
{
	static char cmdline[4096], params[4096];
	static char rcbuf[24];
	size_t plen = 0;
	long fd, n, rc;

	sys6(SYS_mount, (long)"proc", (long)"/proc", (long)"proc", 0, 0);
	sys6(SYS_mount, (long)"devtmpfs", (long)"/dev", (long)"devtmpfs", 0, 0);
	sys6(SYS_mount, (long)"sysfs", (long)"/sys", (long)"sysfs", 0, 0);
	sys6(SYS_mount, (long)"debugfs", (long)"/sys/kernel/debug",
	     (long)"debugfs", 0, 0);
	kmsg = (int)sys3(SYS_open, "/dev/kmsg", O_WRONLY, 0);

	/* run_on_load=1 and every ipistress.K=V of the command line. */
	for (const char *p = "run_on_load=1"; *p; p++)
		params[plen++] = *p;
	fd = sys3(SYS_open, "/proc/cmdline", O_RDONLY, 0);
	n = fd >= 0 ? sys3(SYS_read, fd, cmdline, sizeof(cmdline) - 1) : 0;
	if (fd >= 0)
		sys3(SYS_close, fd, 0, 0);
	cmdline[n > 0 ? n : 0] = 0;
	for (char *tok = cmdline; *tok;) {
		char *end = tok;

		while (*end && *end != ' ' && *end != '\n')
			end++;
		if (starts(tok, "ipistress.") && end - tok > 10 &&
		    plen + (size_t)(end - tok) < sizeof(params) - 2) {
			params[plen++] = ' ';
			for (char *q = tok + 10; q < end; q++)
				params[plen++] = *q;
		}
		tok = *end ? end + 1 : end;
	}
	params[plen] = 0;
	say("tiny-init: insmod ipistress.ko ", params, NULL);

	fd = sys3(SYS_open, "/lib/modules/ipistress.ko", O_RDONLY, 0);
	rc = fd < 0 ? fd : sys3(SYS_finit_module, fd, params, 0);
	num(rc, rcbuf);
	say("done insmod_rc=", rcbuf, " (tiny-init, no busybox)");
	sys3(SYS_sync, 0, 0, 0);
	sys6(SYS_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWER_OFF, 0, 0);
	sys3(SYS_exit, 1, 0, 0);
	for (;;)
		;
}
