// SPDX-License-Identifier: MIT
/* args.c - argv from the command line. */
#include "args.h"
#include "string.h"

int argc;
char *argv[MAX_ARGS + 1];
static char cmdline_copy[1024];    /* the loader's copy may be reused */

void args_parse(const char *cmdline)
{
	size_t n = strlen(cmdline);

	if (n >= sizeof(cmdline_copy))
		n = sizeof(cmdline_copy) - 1;
	memcpy(cmdline_copy, cmdline, n);
	cmdline_copy[n] = 0;
	argc = 0;
	for (char *p = cmdline_copy; *p && argc < MAX_ARGS;) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
}

bool arg_has(const char *word)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

const char *arg_value(const char *key)
{
	size_t n = strlen(key);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

unsigned long arg_ulong(const char *key, unsigned long def)
{
	const char *v = arg_value(key);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

bool arg_list_has(const char *key, const char *item)
{
	const char *v = arg_value(key);
	size_t n = strlen(item);

	while (v && *v) {
		if (!strncmp(v, item, n) && (v[n] == ',' || v[n] == 0))
			return true;
		v = strchr(v, ',');
		if (v)
			v++;
	}
	return false;
}
