/*
 * device/mps2/startup.S — Cortex-M4 vector table and reset handler for QEMU mps2-an386:
 * paint the stack with 0xDEADBEEF (stack_peak() reads the paint back), copy .data from its load
 * address, zero .bss, run main and leave through semihosting with main's return value as
 * QEMU's exit status. Every fault reports its frame (fault_report, syscalls.c) and exits 127.
 * No interrupt is enabled, so the table holds the 16 system exceptions only.
 */
	.syntax unified
	.thumb

	.section .vectors, "a"
	.align 2
	.global __vectors
__vectors:
	.word __stack_top            /* initial MSP */
	.word Reset_Handler
	.word Fault_Handler          /* NMI */
	.word Fault_Handler          /* HardFault */
	.word Fault_Handler          /* MemManage */
	.word Fault_Handler          /* BusFault */
	.word Fault_Handler          /* UsageFault */
	.word 0, 0, 0, 0             /* reserved */
	.word Fault_Handler          /* SVCall */
	.word Fault_Handler          /* DebugMonitor */
	.word 0                      /* reserved */
	.word Fault_Handler          /* PendSV */
	.word Fault_Handler          /* SysTick */

	.text
	.thumb_func
	.global Reset_Handler
	.type Reset_Handler, %function
Reset_Handler:
	ldr r0, =__stack_limit       /* paint [__stack_limit, sp) */
	mov r1, sp
	ldr r2, =0xDEADBEEF
1:	cmp r0, r1
	bhs 2f
	str r2, [r0], #4
	b 1b
2:	ldr r0, =__data_load         /* copy .data */
	ldr r1, =__data_start
	ldr r2, =__data_end
3:	cmp r1, r2
	bhs 4f
	ldr r3, [r0], #4
	str r3, [r1], #4
	b 3b
4:	ldr r1, =__bss_start         /* zero .bss */
	ldr r2, =__bss_end
	movs r3, #0
5:	cmp r1, r2
	bhs 6f
	str r3, [r1], #4
	b 5b
6:	bl main
	b semihost_exit              /* r0 = main's return value */
	.size Reset_Handler, .-Reset_Handler

	.thumb_func
	.type Fault_Handler, %function
Fault_Handler:                       /* r0 = the exception frame, on whichever stack was in use */
	tst lr, #4
	ite eq
	mrseq r0, msp
	mrsne r0, psp
	b fault_report
	.size Fault_Handler, .-Fault_Handler
