/* SPDX-License-Identifier: BSD-2-Clause */
/* clock.h: the monotonic clock every deadline, timeout and stage timing reads. */
#ifndef DW_CLOCK_H
#define DW_CLOCK_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC: never jumps with the wall clock. */
uint64_t clock_mono_ns(void);

static inline uint64_t clock_mono_ms(void)
{
	return clock_mono_ns() / 1000000ull;
}

#endif
