# mk/sources.mk - every source list and link flag of the build, in one
# place: the Makefile, mk/lib.mk, the fuzz, replay and cross rules and
# tests/cross/run-ppc64le.sh (through the environment) all take them from
# here. The folders are the layers (docs/architecture.md).

# The pure models, by component (top of vmm/: no KVM, unit-tested,
# embeddable).
IPI_DOMAIN_SRCS := vmm/irq_domain.c vmm/ipi_domain.c
APIC_SRCS := $(sort $(wildcard vmm/apic_*.c))
XIVE_SRCS := $(sort $(wildcard vmm/xive_*.c))
# The I/O APIC, its router onto the APIC vector domain, the 8259 pair and
# the bus they register on; the clock devices are models too.
PC_IRQ_SRCS := vmm/ioapic.c vmm/ioapic_router.c vmm/i8259.c vmm/bus.c
CLOCK_SRCS := vmm/pit.c vmm/pm_timer.c
MODEL_SRCS := $(APIC_SRCS) $(XIVE_SRCS) $(IPI_DOMAIN_SRCS) $(PC_IRQ_SRCS) \
	$(CLOCK_SRCS)

# The ipivirt binary: the command line over libipivirt's public API.
CLI_SRCS := vmm/cli/main.c vmm/cli/cli.c
# The POWER backend, built by the ppc64le cross build only, over the
# vCPU loop both backends share.
PPC_BACKEND_SRCS := vmm/kvm/kvm_ppc.c
VCPU_LOOP_SRCS := vmm/kvm/vcpu_loop.c
# The VMM's layers under the library: devices, boot, debug, the VM's
# state, the interrupt controllers' hosts, the KVM backend, the machine.
VMM_SRCS := $(filter-out $(CLI_SRCS) $(PPC_BACKEND_SRCS),$(wildcard vmm/*/*.c))
BOOT_SRCS := $(sort $(wildcard vmm/boot/*.c))
LOADER_SRCS := vmm/boot/loader.c vmm/boot/loader_bzimage.c

# What the VMM links, and what the loaders alone need.
LOADER_LIBS := -llzma -lz -lzstd
VMM_LIBS := -luring $(LOADER_LIBS)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
