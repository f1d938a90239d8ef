/* Circular doubly linked lists threaded through the objects themselves:
 * O(1) insert and remove, no allocation (the scheduler's queues). */
#ifndef XENTRY_LIST_H
#define XENTRY_LIST_H
#include <xentry/types.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *head)
{
	head->next = head->prev = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* A node not on any list points at itself (so removal can be tested). */
static inline bool list_linked(const struct list_node *n)
{
	return n->next && n->next != n;
}

static inline void list_add_tail(struct list_node *n, struct list_node *head)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_add_before(struct list_node *n, struct list_node *pos)
{
	list_add_tail(n, pos);
}

static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define list_entry(p, type, member) container_of(p, type, member)

#endif
