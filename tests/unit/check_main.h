/* SPDX-License-Identifier: MIT */
/*
 * check_main.h - the main() every unit test shares: run one Check suite,
 * print Check's summary line, exit 0 only when nothing failed.
 *
 *     CHECK_MAIN(apic_suite)
 */
#ifndef IPIVIRT_CHECK_MAIN_H
#define IPIVIRT_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int check_main_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define CHECK_MAIN(suite_fn)                          \
	int main(void)                                \
	{                                             \
		return check_main_run(suite_fn());    \
	}

#endif
