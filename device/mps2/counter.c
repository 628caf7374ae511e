/*
 * device/mps2/counter.c — the MPS2 FPGAIO COUNTER (0x40028018), 25 MHz of QEMU's virtual time,
 * extended to 64 bits: the device clock, and under -icount shift=0 an instruction counter
 * (1 tick = 40 instructions). QEMU 7.2 does not implement DWT CYCCNT.
 */
#include "board.h"

#define FPGAIO_COUNTER (*(volatile uint32_t *)0x40028018u)

uint64_t counter_ticks(void)
{
	static uint32_t last, wraps;
	uint32_t now = FPGAIO_COUNTER;

	if (now < last)
		wraps++;
	last = now;
	return ((uint64_t)wraps << 32) | now;
}

uint64_t counter_ms(void)
{
	return counter_ticks() / (COUNTER_HZ / 1000u);
}
