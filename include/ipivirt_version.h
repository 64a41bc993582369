/* SPDX-License-Identifier: MIT */
/*
 * ipivirt_version.h - the libipivirt version this header belongs to.
 *
 * Kept equal to vmm/version.h: `make lib-test` checks that the two agree.
 * Compare with the library actually loaded with ipivirt_check_version().
 */
#ifndef IPIVIRT_VERSION_PUBLIC_H
#define IPIVIRT_VERSION_PUBLIC_H

#define IPIVIRT_VERSION_MAJOR 0
#define IPIVIRT_VERSION_MINOR 2
#define IPIVIRT_VERSION_PATCH 0
#define IPIVIRT_VERSION_STRING "0.2.0"

/* True at compile time when this header is at least version major.minor. */
#define IPIVIRT_CHECK_VERSION(major, minor)                      \
	(IPIVIRT_VERSION_MAJOR > (major) ||                      \
	 (IPIVIRT_VERSION_MAJOR == (major) &&                    \
	  IPIVIRT_VERSION_MINOR >= (minor)))

#endif
