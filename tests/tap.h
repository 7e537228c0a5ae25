/*
 * tap.h - the Test Anything Protocol for the C tests, header-only.
 *
 * ok(cond, fmt, ...) prints one result line; done_testing() prints the plan
 * and returns the exit status. Failures print the file and line, so a TAP
 * log points at the assertion.
 */
#ifndef DMATOP_TAP_H
#define DMATOP_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt,
			 ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   Failed at %s line %d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_u64(got, want, ...)                                           \
	do {                                                             \
		unsigned long long g_ = (got), w_ = (want);              \
		if (!ok(g_ == w_, __VA_ARGS__))                          \
			printf("#   got 0x%llx, want 0x%llx\n", g_, w_); \
	} while (0)
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
