/*
 * device/mps2/semihost.c — ARM semihosting through `bkpt 0xab` (QEMU needs
 * -semihosting-config enable=on,target=native, or the bkpt is a HardFault): SYS_WRITE0 prints to
 * QEMU's console, SYS_EXIT_EXTENDED makes QEMU exit with the given status (plain SYS_EXIT can
 * only give 0 or 1 on 32-bit Arm).
 */
#include "board.h"

#define SYS_WRITE0 0x04u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost(uint32_t op, const void *arg)
{
	register uint32_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void semihost_write0(const char *s)
{
	semihost(SYS_WRITE0, s);
}

void semihost_exit(int code)
{
	const uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code };

	semihost(SYS_EXIT_EXTENDED, block);
	for (;;)
		;
}
