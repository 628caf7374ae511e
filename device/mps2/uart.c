/*
 * device/mps2/uart.c — CMSDK APB UART0 of mps2-an386 at 0x40004000, polled. QEMU's model has a
 * one-byte buffer each way and applies back-pressure on its chardev, so nothing is lost.
 * CTRL must enable TX (bit 0) or TXFULL never clears, and RX (bit 1) or no byte is delivered.
 */
#include "board.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10))
#define STATE_TXFULL 1u
#define STATE_RXFULL 2u
#define CTRL_TX_EN 1u
#define CTRL_RX_EN 2u

void uart_init(void)
{
	UART_BAUDDIV = 16; /* the smallest QEMU accepts; it ignores the rate */
	UART_CTRL = CTRL_TX_EN | CTRL_RX_EN;
}

void uart_putc(uint8_t c)
{
	while (UART_STATE & STATE_TXFULL)
		;
	UART_DATA = c;
}

int uart_poll(void)
{
	if (!(UART_STATE & STATE_RXFULL))
		return -1;
	return (int)(UART_DATA & 0xFFu);
}
