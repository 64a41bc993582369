/* SPDX-License-Identifier: MIT */
/*
 * seccomp_filter.h - the seccomp-BPF filter each vCPU thread puts itself
 * under once the VM is built (`ipivirt run --seccomp on|off|log`): only the
 * system calls a vCPU thread makes (docs/hardening.md, "seccomp"), ioctl
 * only on its own vCPU fd with the KVM requests it uses, no executable
 * mappings, x86-64 system calls only.
 *
 * A forbidden call raises SIGSYS (SECCOMP_RET_TRAP); the handler writes
 * "ipivirt: vCPU N: forbidden system call NR (name)" and ends the process
 * with SECCOMP_FILTER_EXIT_STATUS. In log mode the call is allowed and the
 * kernel logs it (SECCOMP_RET_LOG: dmesg / the audit log).
 */
#ifndef IPIVIRT_SECCOMP_FILTER_H
#define IPIVIRT_SECCOMP_FILTER_H

#include <stdbool.h>

/* 128 + SIGSYS: what a shell shows for a process killed by SIGSYS. */
#define SECCOMP_FILTER_EXIT_STATUS 159

/* Install the SIGSYS handler (process-wide; once, before the threads). */
int seccomp_filter__init(void);
/*
 * seccomp_filter__install_vcpu() - put the calling thread (vCPU @id, whose
 * KVM fd is @vcpu_fd) under the filter; @log_only: log, do not refuse.
 * Irreversible for the thread. Return: 0 or negative errno.
 */
int seccomp_filter__install_vcpu(unsigned id, int vcpu_fd, bool log_only);
/* The x86-64 name of system call @nr, or "?" (async-signal-safe). */
const char *seccomp_filter__syscall_name(long nr);

#endif
