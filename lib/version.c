// SPDX-License-Identifier: MIT
/* version.c - the run-time version of libipivirt. */
#include <errno.h>

#include "ipivirt.h"
#include "version.h"

const char *ipivirt_version(void)
{
	return IPIVIRT_VERSION_STRING;
}

int ipivirt_check_version(int major, int minor)
{
	if (major != IPIVIRT_VERSION_MAJOR || minor > IPIVIRT_VERSION_MINOR)
		return -ENOTSUP;
	return 0;
}
