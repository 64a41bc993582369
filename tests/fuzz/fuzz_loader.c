/* SPDX-License-Identifier: MIT */
/*
 * fuzz_loader.c - libFuzzer target for the kernel loaders: vmm/boot/loader.c
 * (ELF64, ELF32 multiboot, multiboot a.out kludge) and, through
 * loader__load_image(), vmm/boot/loader_bzimage.c (bzImage with xz/gzip/zstd
 * payload, plain vmlinux).
 *
 * The input is the image. It is loaded into a 64 MiB fake guest RAM that
 * sits between two PROT_NONE guard regions (a write outside RAM faults),
 * then checked once more with ram == NULL and the same size, and once with
 * a RAM size taken from the image's last byte. ASan catches reads outside
 * the image (libFuzzer's copy is exactly @size bytes).
 *
 * Invariants: success means an entry inside [1 MiB, end), end page aligned
 * and within RAM; the check-only run agrees with the real one; failures
 * leave a non-empty, NUL-terminated message.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_common.h"
#include "layout.h"
#include "boot/loader.h"

#define RAM_SIZE (64ull << 20)
#define GUARD (1ull << 20)

static uint8_t *ram;

static void check_result(int ret, const struct loaded_kernel *k,
			 uint64_t ram_size, const char *err)
{
	FUZZ_CHECK(ret == 0 || ret == -ENOEXEC || ret == -E2BIG,
		   "ret %d (%s)", ret, err);
	if (ret) {
		FUZZ_CHECK(memchr(err, 0, 256) && err[0], "empty message");
		return;
	}
	FUZZ_CHECK(!(k->end & 0xfff), "end %#llx not page aligned",
		   (unsigned long long)k->end);
	FUZZ_CHECK(k->end <= ((ram_size + 0xfff) & ~0xfffull),
		   "end %#llx past RAM %#llx", (unsigned long long)k->end,
		   (unsigned long long)ram_size);
	FUZZ_CHECK(k->entry >= KERNEL_MIN_GPA && k->entry < k->end,
		   "entry %#llx outside [1M, %#llx)",
		   (unsigned long long)k->entry, (unsigned long long)k->end);
	FUZZ_CHECK(k->linux_hdr_len <= LINUX_SETUP_HDR_MAX, "hdr len %zu",
		   k->linux_hdr_len);
	FUZZ_CHECK(k->mode == LOADER_ENTRY_64BIT ||
			   k->mode == LOADER_ENTRY_MULTIBOOT ||
			   k->mode == LOADER_ENTRY_LINUX64,
		   "mode %d", (int)k->mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loaded_kernel k1, k2;
	char err1[256], err2[256];
	int r1, r2;

	if (!ram) {
		uint8_t *m = mmap(NULL, RAM_SIZE + 2 * GUARD, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		if (m == MAP_FAILED ||
		    mprotect(m + GUARD, RAM_SIZE, PROT_READ | PROT_WRITE))
			abort();
		ram = m + GUARD;
	}

	memset(err1, 0, sizeof(err1));
	memset(err2, 0, sizeof(err2));
	r1 = loader__load_image(data, size, ram, RAM_SIZE, &k1, err1,
				sizeof(err1));
	check_result(r1, &k1, RAM_SIZE, err1);
	r2 = loader__load_image(data, size, NULL, RAM_SIZE, &k2, err2,
				sizeof(err2));
	check_result(r2, &k2, RAM_SIZE, err2);
	FUZZ_CHECK(r1 == r2, "loads %d, check-only %d (%s / %s)", r1, r2, err1,
		   err2);
	if (!r1)
		FUZZ_CHECK(k1.entry == k2.entry && k1.end == k2.end &&
				   k1.mode == k2.mode,
			   "check-only run disagrees");

	/* Check-only against a RAM size from the image: tiny to 1 TiB. */
	if (size) {
		uint64_t rs = 1ull << (data[size - 1] % 41);
		r2 = loader__load_image(data, size, NULL, rs, &k2, err2,
					sizeof(err2));
		check_result(r2, &k2, rs, err2);
		/* And the ELF entry point the bzImage code uses, both classes. */
		r2 = loader__load_elf(data, size, NULL, rs, data[0] & 1, &k2,
				      err2, sizeof(err2));
		FUZZ_CHECK(r2 == 0 || r2 == -ENOEXEC || r2 == -E2BIG,
			   "load_elf ret %d", r2);
		if (!r2)
			FUZZ_CHECK(k2.end <= ((rs + 0xfff) & ~0xfffull),
				   "elf end past RAM");
	}
	return 0;
}
