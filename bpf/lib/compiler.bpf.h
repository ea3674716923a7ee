/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * compiler.bpf.h: the few ways the data plane steers clang so the verifier
 * sees what it must: values hidden from the optimiser, memory re-read, word
 * accesses kept whole, helper lengths with a lower bound. Every piece of
 * inline asm of the data plane is here.
 */
#ifndef DW_COMPILER_BPF_H
#define DW_COMPILER_BPF_H

#define DW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hides a value's origin from the compiler, so range checks it would fold stay. */
#define dw_hide(x) asm volatile("" : "+r"(x))

/* Makes the compiler re-read memory, so the verifier sees fresh, imprecise values. */
#define dw_barrier() asm volatile("" ::: "memory")

/*
 * The 8 bytes at p as one word access. Clang gives an access through a
 * pointer taken from a byte array that array's alignment (1) and splits it
 * into 8 byte accesses and 14 shifts and ors; hiding the pointer's origin
 * keeps it one instruction. x86 and arm64 allow unaligned accesses and the
 * verifier asks for alignment only where they are not allowed.
 */
static __always_inline __u64 *dw_word(void *p)
{
	dw_hide(p);
	return p;
}

/*
 * A copy length for a helper, n (1..max, max a power of 2) in the very
 * register the helper gets, with a lower bound no kernel loses: kernels
 * differ in what they learn from a compare on a copy of the value, and a
 * helper's size argument must be known to be at least 1.
 */
static __always_inline __u64 dw_copy_len(__u64 n, __u64 max)
{
	dw_hide(n);
	return ((n - 1) & (max - 1)) + 1;
}

#endif /* DW_COMPILER_BPF_H */
