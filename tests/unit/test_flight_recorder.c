// SPDX-License-Identifier: MIT
/*
 * test_flight_recorder.c - the IPI flight recorder's files: rings filled
 * through the real hooks (one thread playing each vCPU in turn), then
 * flight_recorder__finish(). The trace-event file (FILE.json) is parsed here by a strict
 * JSON parser and checked: one process, a named track per vCPU, the
 * expected slices on each track, properly nested, and flows that pair
 * each send with its injections; with no records, with a multicast,
 * coalesced, unmatched and non-IPI injections, and with wrapped rings.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "debug/flight_recorder.h"

/* ---- A strict JSON parser (RFC 8259), into a small tree ---------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;
	double num;
	char *str;          /* J_STR */
	struct jval *items; /* J_ARR, J_OBJ: the values */
	char **keys;        /* J_OBJ */
	size_t n;
};

struct jparser {
	const char *p;
	int depth;
};

static void jfree(struct jval *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jfree(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

static void jskip(struct jparser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' ||
	       *jp->p == '\r')
		jp->p++;
}

static bool jvalue(struct jparser *jp, struct jval *v);

/* A string: escapes decoded (\u to '?' above ASCII), no raw controls. */
static bool jstring(struct jparser *jp, char **out)
{
	size_t len = 0, cap = 16;
	char *s;

	if (*jp->p != '"')
		return false;
	jp->p++;
	s = malloc(cap);
	if (!s)
		return false;
	for (;;) {
		unsigned char c = (unsigned char)*jp->p++;

		if (c == '"')
			break;
		if (c < 0x20)
			goto bad; /* also the end of the text */
		if (c == '\\') {
			c = (unsigned char)*jp->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned u = 0;

				for (int i = 0; i < 4; i++, jp->p++) {
					char h = *jp->p;

					if (h >= '0' && h <= '9')
						u = u * 16 + (unsigned)(h - '0');
					else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
						u = u * 16 + (unsigned)((h | 0x20) - 'a' + 10);
					else
						goto bad;
				}
				c = u < 0x80 ? (unsigned char)u : '?';
				break;
			}
			default:
				goto bad;
			}
		}
		if (len + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto bad;
			s = t;
		}
		s[len++] = (char)c;
	}
	s[len] = '\0';
	*out = s;
	return true;
bad:
	free(s);
	return false;
}

static bool jdigits(struct jparser *jp)
{
	const char *start = jp->p;

	while (*jp->p >= '0' && *jp->p <= '9')
		jp->p++;
	return jp->p > start;
}

static bool jnumber(struct jparser *jp, struct jval *v)
{
	const char *start = jp->p;

	if (*jp->p == '-')
		jp->p++;
	if (*jp->p == '0')
		jp->p++;
	else if (!jdigits(jp))
		return false;
	if (*jp->p == '.') {
		jp->p++;
		if (!jdigits(jp))
			return false;
	}
	if (*jp->p == 'e' || *jp->p == 'E') {
		jp->p++;
		if (*jp->p == '+' || *jp->p == '-')
			jp->p++;
		if (!jdigits(jp))
			return false;
	}
	v->type = J_NUM;
	v->num = strtod(start, NULL);
	return true;
}

/* An array ('[') or object ('{'): members until the closing bracket. */
static bool jcontainer(struct jparser *jp, struct jval *v, bool obj)
{
	size_t cap = 0;

	v->type = obj ? J_OBJ : J_ARR;
	jp->p++;
	jskip(jp);
	if (*jp->p == (obj ? '}' : ']')) {
		jp->p++;
		return true;
	}
	for (;;) {
		char *key = NULL;

		if (v->n == cap) {
			struct jval *items;
			char **keys;

			cap = cap ? cap * 2 : 8;
			items = realloc(v->items, cap * sizeof(*items));
			if (!items)
				return false;
			v->items = items;
			if (obj) {
				keys = realloc(v->keys, cap * sizeof(*keys));
				if (!keys)
					return false;
				v->keys = keys;
			}
		}
		jskip(jp);
		if (obj) {
			if (!jstring(jp, &key))
				return false;
			jskip(jp);
			if (*jp->p++ != ':') {
				free(key);
				return false;
			}
			v->keys[v->n] = key;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
		v->n++;
		if (!jvalue(jp, &v->items[v->n - 1]))
			return false;
		jskip(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p++ != (obj ? '}' : ']'))
			return false;
		return true;
	}
}

static bool jliteral(struct jparser *jp, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(jp->p, word, n))
		return false;
	jp->p += n;
	return true;
}

static bool jvalue(struct jparser *jp, struct jval *v)
{
	bool ok;

	jskip(jp);
	if (++jp->depth > 64)
		return false;
	switch (*jp->p) {
	case '{': ok = jcontainer(jp, v, true); break;
	case '[': ok = jcontainer(jp, v, false); break;
	case '"': v->type = J_STR; ok = jstring(jp, &v->str); break;
	case 't': v->type = J_BOOL; v->b = true; ok = jliteral(jp, "true"); break;
	case 'f': v->type = J_BOOL; ok = jliteral(jp, "false"); break;
	case 'n': v->type = J_NULL; ok = jliteral(jp, "null"); break;
	default: ok = jnumber(jp, v); break;
	}
	jp->depth--;
	return ok;
}

/* The whole text is one value; false (and nothing to free) if not JSON. */
static bool jparse(const char *text, struct jval *v)
{
	struct jparser jp = { .p = text };

	memset(v, 0, sizeof(*v));
	if (jvalue(&jp, v)) {
		jskip(&jp);
		if (*jp.p == '\0')
			return true;
	}
	jfree(v);
	return false;
}

static const struct jval *jget(const struct jval *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

static const char *jstr(const struct jval *obj, const char *key)
{
	const struct jval *v = jget(obj, key);

	return v && v->type == J_STR ? v->str : NULL;
}

/* A number member that must be there. */
static double jnum(const struct jval *obj, const char *key)
{
	const struct jval *v = jget(obj, key);

	ck_assert_msg(v && v->type == J_NUM, "no number \"%s\"", key);
	return v->num;
}

START_TEST(test_parser_is_strict)
{
	static const char *const bad[] = {
		"",	     "{",	    "{\"a\":1,}",   "[1 2]",
		"[1,]",	     "{\"a\" 1}",   "{a:1}",	    "01",
		"1.",	     "-",	    "\"a\x01\"",    "\"\\x\"",
		"[1]x",	     "tru",	    "{\"a\":1}}",   "\"\\u12g4\"",
	};
	struct jval v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!jparse(bad[i], &v), "accepted: %s", bad[i]);
	ck_assert(jparse(" {\"a\":[1,-2.5e3,true,false,null,\"x\\ty\\u0041\"],"
			 "\"b\":{}} ",
			 &v));
	ck_assert_uint_eq(jget(&v, "a")->n, 6);
	ck_assert(jget(&v, "a")->items[1].num == -2500);
	ck_assert_str_eq(jget(&v, "a")->items[5].str, "x\tyA");
	jfree(&v);
}
END_TEST

/* ---- The recorder's files ----------------------------------------------- */

#define MAX_CPUS 4

struct ev {
	char ph;
	const char *name;
	long long pid, tid;
	long long ts, dur; /* ns */
	int flow;	   /* 0, 'o' flow_out, 'i' flow_in */
	long long bind_id;
	const struct jval *args;
};

struct trace {
	char dir[64], path[96];
	struct jval root;
	struct ev *ev;
	size_t n;
	size_t text_records;
	long long tid[MAX_CPUS]; /* vCPU n's track */
	unsigned cpus;
};

static struct flight_recorder *new_recorder(struct trace *t, unsigned cpus,
					    size_t entries)
{
	struct flight_recorder *fr;

	memset(t, 0, sizeof(*t));
	t->cpus = cpus;
	strcpy(t->dir, "/tmp/test_fr.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/t.trace", t->dir);
	fr = flight_recorder__create(t->path, entries, cpus, 0);
	ck_assert_ptr_nonnull(fr);
	return fr;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* The file's microseconds (ns as three decimals) back to ns. */
static long long us_to_ns(double us)
{
	return (long long)(us * 1000.0 + (us < 0 ? -0.5 : 0.5));
}

/*
 * flight_recorder__finish(), then read both files back: the text one's record count, and
 * the JSON one parsed, its events listed, its vCPU tracks found.
 */
static void finish(struct flight_recorder *fr, struct trace *t)
{
	char json_path[128];
	const struct jval *events;
	char *text;

	flight_recorder__thread_start_slow(fr, ~0u); /* this thread records no more */
	ck_assert_int_eq(flight_recorder__finish(fr, NULL, 0), 0);
	flight_recorder__destroy(fr);

	text = slurp(t->path);
	ck_assert(!strncmp(text, "# ipivirt-trace v1\n", 19));
	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		ck_assert_ptr_nonnull(strchr(line, '\n'));
		if (*line != '#')
			t->text_records++;
	}
	free(text);

	snprintf(json_path, sizeof(json_path), "%s.json", t->path);
	text = slurp(json_path);
	ck_assert_msg(jparse(text, &t->root), "not JSON: %s", json_path);
	free(text);
	unlink(json_path);
	unlink(t->path);
	rmdir(t->dir);

	ck_assert_int_eq(t->root.type, J_OBJ);
	events = jget(&t->root, "traceEvents");
	ck_assert(events && events->type == J_ARR);
	t->ev = calloc(events->n + 1, sizeof(*t->ev));
	ck_assert_ptr_nonnull(t->ev);
	for (size_t i = 0; i < events->n; i++) {
		const struct jval *e = &events->items[i];
		const char *ph = jstr(e, "ph");
		struct ev *x = &t->ev[t->n++];

		ck_assert(ph && strlen(ph) == 1);
		x->ph = ph[0];
		x->name = jstr(e, "name");
		ck_assert_ptr_nonnull(x->name);
		x->pid = (long long)jnum(e, "pid");
		x->tid = (long long)jnum(e, "tid");
		x->args = jget(e, "args");
		if (x->ph == 'X') {
			x->ts = us_to_ns(jnum(e, "ts"));
			x->dur = us_to_ns(jnum(e, "dur"));
			ck_assert_int_ge(x->ts, 0);
			ck_assert_int_ge(x->dur, 0);
		}
		if (jget(e, "bind_id")) {
			const struct jval *in = jget(e, "flow_in");
			const struct jval *out = jget(e, "flow_out");

			x->bind_id = (long long)jnum(e, "bind_id");
			ck_assert_msg(!in != !out, "a flow end must be in or out");
			ck_assert((in ? in : out)->type == J_BOOL &&
				  (in ? in : out)->b);
			x->flow = in ? 'i' : 'o';
		}
	}
	/* One process; its name; one named track per vCPU. */
	for (size_t i = 0; i < t->n; i++)
		ck_assert_int_eq(t->ev[i].pid, t->ev[0].pid);
	for (unsigned c = 0; c < t->cpus; c++) {
		char want[16];
		int found = 0;

		snprintf(want, sizeof(want), "vCPU %u", c);
		for (size_t i = 0; i < t->n; i++)
			if (t->ev[i].ph == 'M' &&
			    !strcmp(t->ev[i].name, "thread_name") &&
			    !strcmp(jstr(t->ev[i].args, "name"), want)) {
				t->tid[c] = t->ev[i].tid;
				found++;
			}
		ck_assert_msg(found == 1, "%s named %d times", want, found);
		for (unsigned d = 0; d < c; d++)
			ck_assert_int_ne(t->tid[c], t->tid[d]);
	}
	{
		int names = 0;

		for (size_t i = 0; i < t->n; i++)
			if (t->ev[i].ph == 'M' &&
			    !strcmp(t->ev[i].name, "process_name")) {
				ck_assert_str_eq(jstr(t->ev[i].args, "name"),
						 "ipivirt VM");
				names++;
			}
		ck_assert_int_eq(names, 1);
	}
	ck_assert_int_eq((int)jnum(jget(&t->root, "otherData"), "cpus"),
			 (int)t->cpus);
}

static void trace_free(struct trace *t)
{
	free(t->ev);
	jfree(&t->root);
}

static int track_of(const struct trace *t, long long tid)
{
	for (unsigned c = 0; c < t->cpus; c++)
		if (t->tid[c] == tid)
			return (int)c;
	return -1;
}

static int cmp_slices(const void *a, const void *b)
{
	const struct ev *x = *(const struct ev *const *)a;
	const struct ev *y = *(const struct ev *const *)b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->dur > y->dur ? -1 : x->dur < y->dur; /* parents first */
}

/*
 * vCPU @cpu's slice names, in time order, must be @want (NULL-terminated),
 * and nest: a slice that starts inside another ends inside it.
 */
static void check_track(const struct trace *t, unsigned cpu,
			const char *const *want)
{
	const struct ev *s[64], *stack[64];
	size_t n = 0, depth = 0, w = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->ev[i].ph != 'X')
			continue;
		ck_assert_msg(track_of(t, t->ev[i].tid) >= 0,
			      "slice on no vCPU track");
		if (t->ev[i].tid == t->tid[cpu]) {
			ck_assert_uint_lt(n, 64);
			s[n++] = &t->ev[i];
		}
	}
	qsort(s, n, sizeof(s[0]), cmp_slices);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(want[w], "vCPU %u: extra slice %s", cpu, s[i]->name);
		ck_assert_msg(!strcmp(s[i]->name, want[w]),
			      "vCPU %u slice %zu: %s, want %s", cpu, i,
			      s[i]->name, want[w]);
		w++;
		while (depth && stack[depth - 1]->ts + stack[depth - 1]->dur <=
					s[i]->ts)
			depth--;
		if (depth)
			ck_assert_msg(s[i]->ts + s[i]->dur <=
					      stack[depth - 1]->ts +
						      stack[depth - 1]->dur,
				      "vCPU %u: %s overlaps %s", cpu,
				      s[i]->name, stack[depth - 1]->name);
		stack[depth++] = s[i];
	}
	ck_assert_msg(!want[w], "vCPU %u: missing slice %s", cpu, want[w]);
}

static long long arg(const struct ev *e, const char *key)
{
	return (long long)jnum(e->args, key);
}

/*
 * The flows: @nr_out sends with a flow_out, @nr_in injections with a
 * flow_in; each flow_in's id has exactly one flow_out, on a send slice of
 * the IPI's source vCPU, not later than the injection, which is on
 * another (or the same) vCPU's track and names that IPI in its args.
 */
static void check_flows(const struct trace *t, int nr_out, int nr_in)
{
	int outs = 0, ins = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct ev *in = &t->ev[i];
		const struct ev *out = NULL;

		if (in->flow == 'o') {
			outs++;
			ck_assert(in->ph == 'X');
			ck_assert_msg(!strncmp(in->name, "send", 4),
				      "flow_out on %s", in->name);
			ck_assert_int_eq(track_of(t, in->tid), arg(in, "src"));
			continue;
		}
		if (in->flow != 'i')
			continue;
		ins++;
		ck_assert(in->ph == 'X');
		ck_assert_msg(!strncmp(in->name, "inject", 6), "flow_in on %s",
			      in->name);
		for (size_t j = 0; j < t->n; j++)
			if (t->ev[j].flow == 'o' &&
			    t->ev[j].bind_id == in->bind_id) {
				ck_assert_msg(!out, "two flow_out for one id");
				out = &t->ev[j];
			}
		ck_assert_msg(out, "flow_in %lld without its flow_out",
			      in->bind_id);
		ck_assert_int_le(out->ts, in->ts);
		ck_assert_int_eq(arg(in, "src"), arg(out, "src"));
		ck_assert_int_eq(arg(in, "seq"), arg(out, "seq"));
		ck_assert_int_eq(arg(in, "src"), track_of(t, out->tid));
	}
	/* ...and every flow_out reaches an injection. */
	for (size_t i = 0; i < t->n; i++) {
		bool reached = false;

		if (t->ev[i].flow != 'o')
			continue;
		for (size_t j = 0; j < t->n; j++)
			reached |= t->ev[j].flow == 'i' &&
				   t->ev[j].bind_id == t->ev[i].bind_id;
		ck_assert_msg(reached, "flow_out %lld reaches nothing",
			      t->ev[i].bind_id);
	}
	ck_assert_int_eq(outs, nr_out);
	ck_assert_int_eq(ins, nr_in);
}

/* The first slice named @name on vCPU @cpu's track. */
static const struct ev *find_slice(const struct trace *t, unsigned cpu,
				   const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ev[i].ph == 'X' && t->ev[i].tid == t->tid[cpu] &&
		    !strcmp(t->ev[i].name, name))
			return &t->ev[i];
	ck_abort_msg("vCPU %u: no %s", cpu, name);
	return NULL;
}

/* The hooks of one IPI's sender side, as kvm_vcpu.c calls them. */
static void send_ipi(struct flight_recorder *fr, unsigned src,
		     unsigned vector, const unsigned *targets, size_t n,
		     enum flight_recorder_stage kick)
{
	flight_recorder__thread_start_slow(fr, src);
	flight_recorder__send_slow(src);
	flight_recorder__route_slow(src, vector);
	for (size_t i = 0; i < n; i++) {
		flight_recorder__pending_slow(fr, targets[i]);
		if (kick)
			flight_recorder__stage_slow(kick, targets[i]);
	}
}

/* The target side: an optional wake, the injection, an optional EOI. */
static void take_ipi(struct flight_recorder *fr, unsigned cpu,
		     enum flight_recorder_stage wake, unsigned vector, bool eoi)
{
	flight_recorder__thread_start_slow(fr, cpu);
	if (wake)
		flight_recorder__stage_slow(wake, cpu);
	flight_recorder__inject_slow(fr, cpu, vector);
	if (eoi)
		flight_recorder__stage_slow(FR_EOI, cpu);
}

START_TEST(test_no_records)
{
	static const char *const none[] = { NULL };
	struct trace t;
	struct flight_recorder *fr = new_recorder(&t, 3, 0);

	finish(fr, &t);
	ck_assert_uint_eq(t.text_records, 0);
	for (unsigned c = 0; c < 3; c++)
		check_track(&t, c, none);
	check_flows(&t, 0, 0);
	ck_assert_int_eq((int)jnum(jget(&t.root, "otherData"), "lost"), 0);
	trace_free(&t);
}
END_TEST

START_TEST(test_unicast)
{
	static const char *const sender[] = { "send->route", "route->pending",
					      "pending->kick_futex", NULL };
	static const char *const target[] = { "wake_halt->inject",
					      "inject->eoi", NULL };
	static const unsigned to1[] = { 1 };
	struct trace t;
	struct flight_recorder *fr = new_recorder(&t, 2, 0);
	const struct ev *inj;

	send_ipi(fr, 0, 0xfd, to1, 1, FR_KICK_FUTEX);
	take_ipi(fr, 1, FR_WAKE_HALT, 0xfd, true);
	/* A kick with no pending (shutdown), a route with no send: they carry
	 * the last IPI's identity along but are no stage of it. */
	flight_recorder__thread_start_slow(fr, 0);
	flight_recorder__stage_slow(FR_KICK_FUTEX, 1);
	flight_recorder__route_slow(0, 0xfd);
	finish(fr, &t);

	ck_assert_uint_eq(t.text_records, 9);
	check_track(&t, 0, sender);
	check_track(&t, 1, target);
	check_flows(&t, 1, 1);
	inj = find_slice(&t, 1, "inject->eoi");
	ck_assert_int_eq(arg(inj, "src"), 0);
	ck_assert_int_eq(arg(inj, "seq"), 1);
	ck_assert_int_eq(arg(inj, "vector"), 0xfd);
	/* The route's vector is in its slice; a kick names its target. */
	ck_assert_int_eq(arg(find_slice(&t, 0, "send->route"), "vector"), 0xfd);
	ck_assert_int_eq(arg(find_slice(&t, 0, "pending->kick_futex"), "peer"),
			 1);
	/* The slices tile the sender's exit: each ends where the next starts. */
	ck_assert_int_eq(find_slice(&t, 0, "send->route")->ts +
				 find_slice(&t, 0, "send->route")->dur,
			 find_slice(&t, 0, "route->pending")->ts);
	trace_free(&t);
}
END_TEST

START_TEST(test_multicast_coalesced_unmatched)
{
	static const char *const cpu0[] = { "wake_exit->inject", "inject",
					    NULL };
	static const char *const cpu1[] = {
		"send->route",	       "route->pending",
		"pending->kick_signal", "kick_signal->pending",
		"pending->kick_futex",  /* seq 1, to 0 and 2 */
		"send->route",	       "route->pending", /* seq 2 */
		"send->route",	       "route->pending", /* seq 3 */
		"send->route",	       "route->pending", /* seq 4 */
		NULL,
	};
	static const char *const cpu2[] = {
		"wake_halt->inject", "inject->eoi", /* seq 1 */
		"inject->eoi",			    /* seq 3 */
		"inject->eoi",			    /* seq 3 again */
		"inject->eoi",			    /* 0x30, no IPI */
		"inject->eoi",	     "inject->eoi", /* nested 0x31, 0x32 */
		NULL,
	};
	static const unsigned to2[] = { 2 }, to0[] = { 0 };
	struct trace t;
	struct flight_recorder *fr = new_recorder(&t, 3, 0);
	const struct ev *s[4];
	size_t n = 0;

	/* vCPU 1 multicasts; 2 was halted, 0 in the guest (no EOI yet). */
	flight_recorder__thread_start_slow(fr, 1);
	flight_recorder__send_slow(1);
	flight_recorder__route_slow(1, 0xfb);
	flight_recorder__pending_slow(fr, 0);
	flight_recorder__stage_slow(FR_KICK_SIGNAL, 0);
	flight_recorder__pending_slow(fr, 2);
	flight_recorder__stage_slow(FR_KICK_FUTEX, 2);
	take_ipi(fr, 2, FR_WAKE_HALT, 0xfb, true);
	flight_recorder__thread_start_slow(fr, 0);
	flight_recorder__stage_slow(FR_WAKE_HALT, 0); /* a wake the injection is not next to */
	take_ipi(fr, 0, FR_WAKE_EXIT, 0xfb, false);
	/* Two sends of 0xfc coalesce: the injection is the later's. */
	send_ipi(fr, 1, 0xfc, to2, 1, 0);
	send_ipi(fr, 1, 0xfc, to2, 1, 0);
	take_ipi(fr, 2, 0, 0xfc, true);
	take_ipi(fr, 2, 0, 0xfc, true); /* the slot again: no second flow */
	/* Never injected. */
	send_ipi(fr, 1, 0xfa, to0, 1, 0);
	/* Not IPIs, the last two nested under one EOI. */
	take_ipi(fr, 2, 0, 0x30, true);
	take_ipi(fr, 2, 0, 0x31, false);
	take_ipi(fr, 2, 0, 0x32, true);
	finish(fr, &t);

	ck_assert_uint_eq(t.text_records, 6 + 3 + 3 + 3 + 3 + 2 + 2 + 3 + 2 + 1 + 2);
	check_track(&t, 0, cpu0);
	check_track(&t, 1, cpu1);
	check_track(&t, 2, cpu2);
	check_flows(&t, 2, 3); /* seq 1 -> 0 and 2, seq 3 -> 2 */
	for (size_t i = 0; i < t.n; i++)
		if (t.ev[i].ph == 'X' && t.ev[i].tid == t.tid[1] &&
		    !strcmp(t.ev[i].name, "send->route"))
			s[n++] = &t.ev[i];
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		long long seq = arg(s[i], "seq");

		ck_assert_int_eq(s[i]->flow, seq == 1 || seq == 3 ? 'o' : 0);
	}
	/* An injection with no IPI behind it says so. */
	for (size_t i = 0; i < t.n; i++)
		if (t.ev[i].ph == 'X' && arg(&t.ev[i], "vector") >= 0x30 &&
		    arg(&t.ev[i], "vector") <= 0x32)
			ck_assert_int_eq(arg(&t.ev[i], "src"), -1);
	trace_free(&t);
}
END_TEST

START_TEST(test_wrapped_rings)
{
	/* vCPU 0 keeps pending/kick of IPI 9, all of 10, send+route of 11. */
	static const char *const cpu0[] = {
		"pending->kick_futex",
		"send->route", "route->pending", "pending->kick_futex",
		"send->route",
		NULL,
	};
	/* vCPU 1 keeps inject+EOI of 8, wake+inject+EOI of 9 and 10. */
	static const char *const cpu1[] = {
		"inject->eoi",
		"wake_halt->inject", "inject->eoi",
		"wake_halt->inject", "inject->eoi",
		NULL,
	};
	static const unsigned to1[] = { 1 };
	struct trace t;
	struct flight_recorder *fr = new_recorder(&t, 2, 8);
	const struct ev *in = NULL;

	for (int i = 0; i < 10; i++) {
		send_ipi(fr, 0, 0xfd, to1, 1, FR_KICK_FUTEX);
		take_ipi(fr, 1, FR_WAKE_HALT, 0xfd, true);
	}
	flight_recorder__thread_start_slow(fr, 0);
	flight_recorder__send_slow(0);
	flight_recorder__route_slow(0, 0xfd);
	finish(fr, &t);

	ck_assert_uint_eq(t.text_records, 16);
	ck_assert_int_eq((int)jnum(jget(&t.root, "otherData"), "lost"),
			 (42 - 8) + (30 - 8));
	check_track(&t, 0, cpu0);
	check_track(&t, 1, cpu1);
	/* IPI 9's send was overwritten: only 10 has both ends. */
	check_flows(&t, 1, 1);
	for (size_t i = 0; i < t.n; i++)
		if (t.ev[i].flow == 'i')
			in = &t.ev[i];
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(arg(in, "seq"), 10);
	trace_free(&t);
}
END_TEST

static Suite *flight_recorder_suite(void)
{
	Suite *s = suite_create("flight_recorder");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parser_is_strict);
	tcase_add_test(tc, test_no_records);
	tcase_add_test(tc, test_unicast);
	tcase_add_test(tc, test_multicast_coalesced_unmatched);
	tcase_add_test(tc, test_wrapped_rings);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(flight_recorder_suite)
