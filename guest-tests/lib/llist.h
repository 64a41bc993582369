/* SPDX-License-Identifier: MIT */
/*
 * llist.h - lock-free singly linked list, after Linux's <linux/llist.h>.
 * Any number of producers add with cmpxchg; the one consumer takes the whole
 * list at once with xchg. No ABA problem: nodes are never removed one by one.
 * Both are single-word locked instructions (never cmpxchg16b, which this
 * KVM's emulator cannot execute).
 */
#ifndef GT_LLIST_H
#define GT_LLIST_H

#include <stdbool.h>
#include <stddef.h>
#include "atomic.h"

struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

/*
 * llist_add() - push @node.
 * Return: true if the list was empty before (the caller must then notify
 * the consumer; otherwise a notification is already on its way).
 * The successful lock cmpxchg is a full barrier: every store the caller made
 * to the entry before publishing it is visible to whoever sees the node.
 */
static inline bool llist_add(struct llist_node *node, struct llist_head *head)
{
	struct llist_node *first = READ_ONCE(head->first);

	do {
		node->next = first;
	} while (!atomic_try_cmpxchg(&head->first, &first, node));
	return first == NULL;
}

/* llist_del_all() - take every entry, newest first (xchg: a full barrier). */
static inline struct llist_node *llist_del_all(struct llist_head *head)
{
	return atomic_xchg(&head->first, NULL);
}

static inline bool llist_empty(const struct llist_head *head)
{
	return READ_ONCE(head->first) == NULL;
}

/* llist_reverse_order() - newest-first list to oldest-first (FIFO). */
static inline struct llist_node *llist_reverse_order(struct llist_node *n)
{
	struct llist_node *r = NULL;

	while (n) {
		struct llist_node *next = n->next;
		n->next = r;
		r = n;
		n = next;
	}
	return r;
}

#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

#endif
