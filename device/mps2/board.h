/*
 * device/mps2/board.h — the QEMU mps2-an386 (Cortex-M4) board support the device programs use:
 * UART0 (the framed datagram link), the FPGAIO counter (clock and instruction counts), ARM
 * semihosting (console line, exit status) and the memory accounting (heap and stack peaks).
 */
#ifndef DEVICE_MPS2_BOARD_H
#define DEVICE_MPS2_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* UART0 (CMSDK APB UART, QEMU's first -serial): polled, one byte each way at a time. */
void uart_init(void);
/* Send one byte, waiting while the transmitter is full. */
void uart_putc(uint8_t c);
/* A received byte (0..255), or -1 when none is waiting. */
int uart_poll(void);

/* FPGAIO COUNTER: 25 MHz of QEMU's virtual time. Under -icount shift=0 one instruction is
 * 1 ns, so one tick is 40 instructions. counter_ticks() extends the 32-bit counter (it wraps
 * every 171 s) and must be called at least that often. */
#define COUNTER_HZ 25000000u
#define INSNS_PER_TICK 40u
uint64_t counter_ticks(void);
uint64_t counter_ms(void);

/* Semihosting (QEMU -semihosting-config enable=on,target=native): a NUL-terminated text to
 * QEMU's console (stderr), and exit with QEMU's exit status = code. */
void semihost_write0(const char *s);
void semihost_exit(int code) __attribute__((noreturn));

/* Memory accounting: the heap's high-water mark (bytes _sbrk handed out), the bytes of the
 * painted stack ever written, and whether the stack ran through its whole region. */
size_t heap_peak(void);
size_t stack_peak(void);
int stack_overflowed(void);

#endif
