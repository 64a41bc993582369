/* SPDX-License-Identifier: MIT */
/* layout.h - constants shared by the assembly and C halves of the runtime. */
#ifndef GT_LAYOUT_H
#define GT_LAYOUT_H

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL(cpu) (0x18 + 16 * (cpu))
#define GDT_MAX_CPUS 1024         /* == MAX_CPUS; TSS_SEL(1024) fits the 16-bit limit */

#define TRAMPOLINE_BASE 0x8000    /* docs/boot-protocol.md: always free */
#define SIPI_VECTOR (TRAMPOLINE_BASE >> 12)

#define STACK_SIZE 16384
/* An AP's stack for ap_boot(), before it has its own (trampoline.S). */
#define AP_BOOT_STACK_SHIFT 12
#define IST_STACK_SIZE 4096

/* Long mode as docs/boot-protocol.md sets it up for the ELF64 entry. */
#define BOOT_CR0 0x80010033       /* PG | WP | NE | ET | MP | PE */
#define BOOT_CR4 0x620            /* OSXMMEXCPT | OSFXSR | PAE */
#define BOOT_EFER 0x100           /* LME */

#define MULTIBOOT_MAGIC 0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002

#endif
