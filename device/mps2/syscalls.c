/*
 * device/mps2/syscalls.c — what newlib-nano needs from the board (_sbrk, bounded by the stack's
 * limit and keeping the heap's high-water mark; _gettimeofday, which stops the program), the
 * stack accounting that reads back the paint of startup.S, and the fault report (PC, LR and
 * fault status registers, then exit 127).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/time.h>

#include "board.h"

#define STACK_PAINT 0xDEADBEEFu
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)

extern char __heap_start[], __heap_end[];
extern uint32_t __stack_limit[], __stack_top[];

void *_sbrk(ptrdiff_t incr);
int _gettimeofday(struct timeval *tv, void *tz);
void fault_report(const uint32_t *frame);

static char *heap_top = __heap_start;
static char *heap_high = __heap_start;

void *_sbrk(ptrdiff_t incr)
{
	char *prev = heap_top;

	if (incr < 0 ? heap_top + incr < __heap_start : incr > __heap_end - heap_top) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_top += incr;
	if (heap_top > heap_high)
		heap_high = heap_top;
	return prev;
}

/*
 * newlib's time() ends here. The board has no wall clock (the FPGAIO counter counts from
 * reset), and eap_iot takes time(NULL) == -1 for its clock-less mode, which skips certificate
 * validity dates: failing quietly would turn that check off in a program that never chose. So
 * a call stops the program, saying why (exit 126). A program that verifies certificates picks
 * its time with eiot_config_set_time (EIOT_TIME_NONE or its own clock); the engine's default,
 * the system clock, links time() even then.
 */
int _gettimeofday(struct timeval *tv, void *tz)
{
	(void)tv;
	(void)tz;
	semihost_write0("time() called: this board has no wall clock (see eiot_config_set_time)\n");
	semihost_exit(126);
}

size_t heap_peak(void)
{
	return (size_t)(heap_high - __heap_start);
}

size_t stack_peak(void)
{
	const uint32_t *p = __stack_limit;

	while (p < __stack_top && *p == STACK_PAINT)
		p++;
	return (size_t)((const char *)__stack_top - (const char *)p);
}

int stack_overflowed(void)
{
	return __stack_limit[0] != STACK_PAINT;
}

/* Called by Fault_Handler (startup.S) with the exception frame: r0-r3, r12, lr, pc, xpsr. */
void fault_report(const uint32_t *frame)
{
	char line[128];

	snprintf(line, sizeof(line), "FAULT pc=%08lx lr=%08lx cfsr=%08lx hfsr=%08lx bfar=%08lx\n",
		 (unsigned long)frame[6], (unsigned long)frame[5], (unsigned long)SCB_CFSR,
		 (unsigned long)SCB_HFSR, (unsigned long)SCB_BFAR);
	semihost_write0(line);
	semihost_exit(127);
}
