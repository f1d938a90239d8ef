/*
 * The scheduler: round-robin over one CPU, preemption only on the way back
 * to user mode (the timer sets TIF_NEED_RESCHED).  The kernel runs with
 * interrupts off except while idle, so nothing here needs a lock and a
 * sleeper cannot miss its wakeup between testing a condition and sleeping.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/loadavg.h>
#include <xentry/vm.h>
#include <xentry/mm.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/fpu.h>

struct list_node all_tasks = LIST_INIT(all_tasks);
/* Linux's threads-max: as many tasks as an eighth of memory holds kernel
 * stacks for (4,096 with 512 MiB), at least 20; set at the first fork. */
static int nr_tasks, max_tasks;
#define PID_HASH 256
static struct list_node pid_hash[PID_HASH];

static struct list_node *pid_bucket(pid_t pid)
{
	struct list_node *head = &pid_hash[(unsigned)pid % PID_HASH];
	if (!head->next)
		list_init(head);
	return head;
}

void set_kernel_stack(unsigned long top);
void load_tls_gdt(const u64 *tls);
void __switch_to_asm(unsigned long *prev_ksp, unsigned long next_ksp);

/*
 * The queues.  Every operation the scheduler does per switch or per
 * wake-up is O(1) in the number of tasks:
 *  - runqueue: runnable tasks other than current, FIFO (round-robin);
 *  - wait_hash: sleepers by channel, so wakeup(chan) looks only at the
 *    tasks that hashed with chan;
 *  - timers: timed sleepers sorted by deadline, so the tick looks only at
 *    those that expire (insertion is ordered: O(timed sleepers)).
 */
static struct list_node runqueue = LIST_INIT(runqueue);
#define WAIT_HASH 64
static struct list_node wait_hash[WAIT_HASH];
static struct list_node timers = LIST_INIT(timers);
static struct list_node itimers = LIST_INIT(itimers);	/* thread groups */

static struct list_node *wait_bucket(const void *chan)
{
	unsigned long h = (unsigned long)chan;
	h ^= h >> 12;
	h ^= h >> 6;
	struct list_node *head = &wait_hash[h % WAIT_HASH];
	if (!head->next)
		list_init(head);	/* first use: .bss starts zeroed */
	return head;
}

struct task *find_task(pid_t pid)
{
	struct list_node *head = pid_bucket(pid);
	for (struct list_node *n = head->next; n != head; n = n->next) {
		struct task *t = list_entry(n, struct task, pid_node);
		if (t->pid == pid && t->state != TASK_DEAD)
			return t;
	}
	return NULL;
}

void task_set_pid(struct task *t, pid_t pid)
{
	if (list_linked(&t->pid_node))
		list_del(&t->pid_node);
	t->pid = pid;
	list_add_tail(&t->pid_node, pid_bucket(pid));
}

static void enqueue(struct task *t)
{
	if (t != current && !list_linked(&t->run_node))
		list_add_tail(&t->run_node, &runqueue);
}

void wake_task(struct task *t)
{
	if (t->state != TASK_SLEEPING)
		return;
	t->state = TASK_RUNNING;
	t->wchan = NULL;
	t->wake_at_ns = 0;
	if (list_linked(&t->wait_node))
		list_del(&t->wait_node);
	if (list_linked(&t->timer_node))
		list_del(&t->timer_node);
	enqueue(t);
}

void task_start(struct task *t)
{
	t->state = TASK_SLEEPING;
	wake_task(t);
}

void wakeup(const void *chan)
{
	struct list_node *head = wait_bucket(chan);
	for (struct list_node *n = head->next, *next; n != head; n = next) {
		next = n->next;
		struct task *t = list_entry(n, struct task, wait_node);
		if (t->wchan == chan)
			wake_task(t);
	}
}

/* Puts current to sleep on chan: on its wait bucket, and on the timer
 * list if it has a deadline (sorted, earliest first). */
void sleep_now(const void *chan)
{
	struct task *t = current;
	t->wchan = chan;
	t->timed_out = false;
	t->state = TASK_SLEEPING;
	list_add_tail(&t->wait_node, wait_bucket(chan));
	if (t->wake_at_ns) {
		struct list_node *pos = timers.next;
		while (pos != &timers &&
		       list_entry(pos, struct task, timer_node)->wake_at_ns <= t->wake_at_ns)
			pos = pos->next;
		list_add_before(&t->timer_node, pos);
	}
	schedule();
	t->wchan = NULL;
}

int sleep_on(const void *chan)
{
	struct task *t = current;
	if (signal_pending(t))
		return -ERESTARTSYS;
	sleep_now(chan);
	return signal_pending(t) ? -ERESTARTSYS : 0;
}

/*
 * Sleep until woken, whatever signals arrive, unless the task is being
 * killed (Linux's TASK_KILLABLE): for waits that cannot end half-way, such
 * as a vfork parent's.  Other signals stay pending for the way out.
 * sleep_on() would return at once with any signal pending, and a caller
 * looping on it would spin with interrupts off.  Returns -EINTR on SIGKILL.
 */
int sleep_on_killable(const void *chan)
{
	struct task *t = current;
	if (t->sig_pending & SIGMASK(SIGKILL))
		return -EINTR;
	sleep_now(chan);
	return (t->sig_pending & SIGMASK(SIGKILL)) ? -EINTR : 0;
}

static int timer_chan;

int sleep_on_deadline(const void *chan, u64 deadline_ns)
{
	struct task *t = current;
	if (deadline_ns && ktime_ns() >= deadline_ns)
		return -ETIMEDOUT;
	t->wake_at_ns = deadline_ns;
	int err = sleep_on(chan);
	t->wake_at_ns = 0;
	if (err)
		return err;
	/* Woken by the timer tick rather than by wakeup(chan)? */
	if (deadline_ns && t->timed_out)
		return -ETIMEDOUT;
	return 0;
}

int sleep_until(u64 deadline_ns)
{
	struct task *t = current;
	while (ktime_ns() < deadline_ns) {
		t->wake_at_ns = deadline_ns;
		int err = sleep_on(&timer_chan);
		t->wake_at_ns = 0;
		if (err)
			return err;
	}
	return 0;
}

void itimer_arm(struct thread_group *g)
{
	if (!list_linked(&g->itimer_node))
		list_add_tail(&g->itimer_node, &itimers);
}

void itimer_disarm(struct thread_group *g)
{
	if (list_linked(&g->itimer_node))
		list_del(&g->itimer_node);
}

/* IRQ 0: wake expired sleepers, fire ITIMER_REAL, and ask the running
 * task to yield if anyone else can run (a 10 ms slice). */
bool itimer_tick(struct thread_group *g, u64 now);	/* false: disarmed */

void timer_tick(void)
{
	u64 now = ktime_ns();
	while (!list_empty(&timers)) {
		struct task *t = list_entry(timers.next, struct task, timer_node);
		if (t->wake_at_ns > now)
			break;
		wake_task(t);		/* takes it off the list */
		t->timed_out = true;
	}
	for (struct list_node *n = itimers.next, *next; n != &itimers; n = next) {
		next = n->next;
		struct thread_group *g = list_entry(n, struct thread_group, itimer_node);
		if (!itimer_tick(g, now))
			list_del(n);
	}
	if (!list_empty(&runqueue) && current)
		current->work |= TIF_NEED_RESCHED;
	calc_global_load(now);
}

static struct task *pick_next(struct task *prev)
{
	if (prev && prev->state == TASK_RUNNING && !list_linked(&prev->run_node))
		list_add_tail(&prev->run_node, &runqueue);
	if (list_empty(&runqueue))
		return NULL;
	struct task *t = list_entry(runqueue.next, struct task, run_node);
	list_del(&t->run_node);
	return t;
}

#ifdef CONFIG_X86_64
/* User segment registers belong to the task.  Their selectors may name
 * LDT or TLS entries that changed since they were saved: each is checked
 * before it is loaded (load_user_data_segs), an unusable one becomes 0. */
static void save_user_segments(struct task *t)
{
	asm volatile("movw %%ds, %0" : "=m"(t->dsindex));
	asm volatile("movw %%es, %0" : "=m"(t->esindex));
	asm volatile("movw %%fs, %0" : "=m"(t->fsindex));
	asm volatile("movw %%gs, %0" : "=m"(t->gsindex));
	/* With FSGSBASE user code may change a base without a system call
	 * and whatever its selector: always read the live one (Linux's
	 * save_fsgs). */
	if (!t->fsindex || cpu_fsgsbase)
		t->fsbase = rdmsr(MSR_FS_BASE);
	if (!t->gsindex || cpu_fsgsbase)
		t->gsbase = rdmsr(MSR_KERNEL_GS_BASE);
}

static void load_user_segments(struct task *t)
{
	load_tls_gdt(t->tls);
	load_user_data_segs(t->dsindex, t->esindex, t->fsindex, t->gsindex);
	/* ...and the saved base wins over the selector's descriptor, as
	 * Linux's x86_fsgsbase_load: the task may have written it. */
	if (!t->fsindex || cpu_fsgsbase)
		wrmsr(MSR_FS_BASE, t->fsbase);
	if (!t->gsindex || cpu_fsgsbase)
		wrmsr(MSR_KERNEL_GS_BASE, t->gsbase);
}
#else
/*
 * The i386 kernel: a task's user DS, ES, FS and GS live in its pt_regs.
 * Every entry saves all four there and every way back to user mode
 * (IRET and SYSEXIT, entry_32.S) reloads FS and GS from it - DS/ES too,
 * or they are USER_DS already - and the kernel itself never uses FS or
 * GS.  So a switch saves nothing and loads no selector: only the TLS
 * descriptors that next's selectors may name, which the reload at its
 * return then reads.  (struct task has no dsindex..gsindex here.)
 */
static void save_user_segments(struct task *t)
{
}

static void load_user_segments(struct task *t)
{
	load_tls_gdt(t->tls);
}
#endif

static struct task *dead_task;
void task_free(struct task *t);

/* Runs first in whichever task the switch resumed (or started). */
static void finish_task_switch(void)
{
	if (dead_task) {
		struct task *t = dead_task;
		dead_task = NULL;
		task_free(t);
	}
}

void schedule(void)
{
	struct task *prev = current, *next;
	while (!(next = pick_next(prev))) {
		/* Nothing runnable: idle here, on this stack, until an IRQ
		 * makes someone runnable. */
		asm volatile("sti; hlt; cli" : : : "memory");
	}
	if (next == prev)
		return;
	if (prev && prev->state != TASK_DEAD) {
		save_user_segments(prev);
	}
	switch_mm(next->mm);
	set_kernel_stack((unsigned long)next->kstack + KSTACK_SIZE);
	load_user_segments(next);
	fpu_switch(prev && prev->state != TASK_DEAD ? prev : NULL, next);
	percpu0.curr_task = next;
	/*
	 * AMD's SYSRET loads the SS selector but leaves its hidden attributes
	 * alone.  An interrupt from user mode leaves SS NULL; if `next` then
	 * returns by SYSRET, 32-bit code would run with an unusable SS.  A
	 * valid kernel SS before switching makes SYSRET's result sane.
	 */
#ifdef CONFIG_X86_64
	if (boot_cpu.amd)
		asm volatile("movl %0, %%ss" : : "r"(GDT_KERNEL_DS));
#endif
	static unsigned long dummy_ksp;
	/* A thread that exited and was reaped by nobody (TASK_DEAD) cannot
	 * free the stack it is running on: whoever runs next does. */
	if (prev && prev->state == TASK_DEAD)
		dead_task = prev;
	__switch_to_asm(prev ? &prev->ksp : &dummy_ksp, next->ksp);
	finish_task_switch();
}

static int pid_counter;

pid_t last_pid(void)
{
	return pid_counter;
}

pid_t alloc_pid(void)
{
	for (;;) {
		if (++pid_counter >= 32768)
			pid_counter = 2;	/* pid 1 is init's forever */
		if (!find_task(pid_counter))
			return pid_counter;
	}
}

/* The callee-saved registers __switch_to_asm keeps on a switched-out
 * stack (entry_64.S: rbp rbx r12-r15; entry_32.S: ebp ebx esi edi). */
#ifdef CONFIG_X86_64
#define SWITCH_SAVED_REGS 6
#else
#define SWITCH_SAVED_REGS 4
#endif

/* A fresh task with a kernel stack whose first switch lands in
 * ret_from_fork_asm with its pt_regs on top of the stack: zeroed, or on
 * i386 a flat user frame (exec and fork then fill it in). */
struct task *task_alloc(void)
{
	extern char ret_from_fork_asm[];
	if (!max_tasks)
		max_tasks = MAX(20, MIN(free_page_count() / (8 * KSTACK_SIZE / PAGE_SIZE), 30000UL));
	if (nr_tasks >= max_tasks)
		return NULL;
	struct task *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->start_ns = ktime_ns();
	t->kstack = vmap_stack();
	if (!t->kstack || fpu_task_alloc(t)) {
		if (t->kstack)
			vunmap_stack(t->kstack);
		kfree(t);
		return NULL;
	}
	unsigned long top = (unsigned long)t->kstack + KSTACK_SIZE;
	t->regs = (struct pt_regs *)(top - sizeof(struct pt_regs));
	memset(t->regs, 0, sizeof(*t->regs));
#ifdef CONFIG_X86_32
	/* The i386 frame holds the data selectors too, and the way back
	 * to user mode loads them all: flat ones, null FS and GS (no TLS
	 * yet) and IF on, as a new program starts. */
	t->regs->cs = USER32_CS;
	t->regs->ss = t->regs->ds = t->regs->es = USER_DS;
	t->regs->flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
#endif
	unsigned long *sp = (unsigned long *)t->regs;
	*--sp = (unsigned long)ret_from_fork_asm;
	for (int i = 0; i < SWITCH_SAVED_REGS; i++)
		*--sp = 0;			/* rbp = 0 ends backtraces */
	t->ksp = (unsigned long)sp;
	task_set_pid(t, alloc_pid());
	t->state = TASK_SLEEPING;		/* not runnable until set up */
	list_add_tail(&t->task_node, &all_tasks);
	nr_tasks++;
	return t;
}


void task_free(struct task *t)
{
	list_del(&t->task_node);
	list_del(&t->pid_node);
	nr_tasks--;
	thread_group_leave(t);
	sighand_put(t->sighand);
	vunmap_stack(t->kstack);
	fpu_task_free(t);
	kfree(t);
}

void exit_to_user_mode(struct pt_regs *regs);

/* C side of a new task's first return to user mode. */
void ret_from_fork(struct pt_regs *regs)
{
	finish_task_switch();
	exit_to_user_mode(regs);
}

void task_set_comm(struct task *t, const char *path)
{
	const char *base = strrchr(path, '/');
	strlcpy(t->comm, base ? base + 1 : path, sizeof(t->comm));
}
