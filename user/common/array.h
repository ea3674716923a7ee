/* SPDX-License-Identifier: BSD-2-Clause */
/* array.h: the number of elements of a fixed array. */
#ifndef DW_ARRAY_H
#define DW_ARRAY_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
