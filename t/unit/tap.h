/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal TAP producer for the C unit tests (run by prove).
 */
#ifndef AC_TAP_H
#define AC_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {                                          \
    int ok_ = !!(cond);                                             \
    tap_n++;                                                        \
    if (!ok_)                                                       \
        tap_failed++;                                               \
    printf("%sok %d - ", ok_ ? "" : "not ", tap_n);                 \
    printf(__VA_ARGS__);                                            \
    printf("\n");                                                   \
    if (!ok_)                                                       \
        printf("#   failed at %s line %d\n", __FILE__, __LINE__);   \
} while (0)

#define is_str(got, want, ...) do {                                 \
    const char *g_ = (got), *w_ = (want);                           \
    ok(g_ && !strcmp(g_, w_), __VA_ARGS__);                         \
    if (!(g_ && !strcmp(g_, w_)))                                   \
        printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_);\
} while (0)

static int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
